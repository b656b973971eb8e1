#!/usr/bin/perl

# The ticket cookie: attributes, every way a ticket can be bad, lifetime,
# idle timeout, refresh, the identity header and the variables.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test->new;
plan tests => 61;

$t->users(alice => 'pw', 'CONTOSO\\bob' => 'pw2');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-User;
    underscores_in_headers on;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Vars
                "$ocs_user|$ocs_auth_method|$ocs_session|$ocs_auth_time|$ocs_computer";

            location /app/noheader/ {
                ocs_sso_identity_header off;
                ocs_sso_strip_headers off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /app/other/ {
                ocs_sso_identity_header X-Remote-Identity;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location /open/ {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /many/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /short/ {
            ocs_auth forms;
            ocs_sso_lifetime 2s;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /idle/ {
            ocs_auth forms;
            ocs_sso_idle_timeout 2s;
            ocs_sso_refresh 1h;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /refresh/ {
            ocs_auth forms;
            ocs_sso_refresh 1s;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;

            location /refresh/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /refresh/slow/ {
                ocs_sso_refresh 5s;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_domain%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_cookie_domain contoso.test;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /nodomain/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_sso_cookie_domain off;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;

        location /many/ {
            return 200 "$http_x_user|$http_h1|$http_h18|$http_h19|$http_h20|$http_h21|$http_h40|$http_h59\n";
        }

        location / {
            return 200 "user=$http_x_user remote=$http_x_remote_identity vars=$http_x_vars\n";
        }
    }
}
EOF

# the cookie

my $r = $t->signin('alice', 'pw', jar => 'pub');
my $cookie = $r->set_cookie('ocs_ticket');
like($cookie, qr/^ocs_ticket=[A-Za-z0-9_-]{60,400}; /, 'ticket: base64url');
like($cookie, qr/; Path=\/;/, 'cookie: path');
like($cookie, qr/; Secure; HttpOnly; SameSite=Lax$/, 'cookie: flags');
unlike($cookie, qr/Expires|Max-Age/i,
       'public computer: the cookie dies with the browser');
unlike($cookie, qr/Domain/i, 'cookie: no domain');

$r = $t->signin('alice', 'pw', jar => 'a', computer => 'private');
$cookie = $r->set_cookie('ocs_ticket');
ok($cookie =~ /; Max-Age=(\d+); Expires=[^;]+ GMT;/ && $1 > 6 * 86400
   && $1 <= 7 * 86400, 'private computer: the cookie persists for 7 days');
like($cookie, qr/; Secure; HttpOnly; SameSite=Lax$/, 'private: flags');

$r = $t->signin('alice', 'pw', port => 'domain', jar => 'd');
like($r->set_cookie('ocs_ticket'), qr/; Domain=contoso\.test;/,
     'cookie domain');
$r = $t->signin('alice', 'pw', port => 'domain', jar => 'd2',
                signin => '/nodomain/signin');
unlike($r->set_cookie('ocs_ticket'), qr/Domain/, 'cookie domain off');

my $ticket = $t->jar_cookies('a')->{ocs_ticket};

# identity upstream, client copies removed first

$r = $t->get('/app/', jar => 'a');
like($r->body, qr/^user=alice /, 'identity header');

$r = $t->get('/app/', jar => 'a',
             headers => ['X-User: admin', 'x-user: root', 'X_User: sa']);
like($r->body, qr/^user=alice /, 'spoofed copies replaced');

$r = $t->get('/open/', headers => ['X-User: admin']);
like($r->body, qr/^user= /, 'spoofed copy removed where no one signed in');

$r = $t->get('/app/noheader/', jar => 'a', headers => ['X-User: admin']);
like($r->body, qr/^user=admin /, 'identity header off in a nested location');

$r = $t->get('/app/other/', jar => 'a', headers => ['X-User: admin',
                                                    'X-Remote-Identity: x']);
like($r->body, qr/^user= remote=alice /,
     'identity header renamed: the old name still removed, as a look-alike');

# many headers across several list parts, copies at the part boundaries

for my $at ([0], [15], [16], [17], [0, 17], [16, 17, 18], [30], [58],
            [0 .. 5], [14 .. 22], [55 .. 58], [10, 20, 30, 40, 50])
{
    my @h = map { "H$_: v$_" } 1 .. 59;
    splice @h, $_, 0, "X-User: evil$_" for reverse @$at;

    $r = $t->get('/many/', jar => 'a', headers => \@h);
    is($r->body, "alice|v1|v18|v19|v20|v21|v40|v59\n",
       "spoofed copies at @$at removed, other headers intact");
}

# variables

$r = $t->get('/app/', jar => 'a');
like($r->body, qr/vars=alice\|password\|[0-9a-f]{32}\|\d{10}\|private$/m,
     'variables');

# bad tickets: each one means "not signed in", never 500

my @bad = (
    ['tampered', do { my $x = $ticket;
                      substr($x, 30, 1, substr($x, 30, 1) eq 'A' ? 'B' : 'A');
                      $x }],
    ['truncated', substr($ticket, 0, length($ticket) - 5)],
    ['garbage', 'not-a-ticket'],
    ['empty', ''],
    ['binary', '%00%ff%fe'],
    ['huge', 'A' x 3000],
    ['unknown key', 'AQAAAAA' . substr($ticket, 7)],
);

for my $case (@bad) {
    my ($name, $value) = @$case;
    $r = $t->get('/app/', headers => ["Cookie: ocs_ticket=$value"]);
    is($r->status, 302, "$name ticket: sign in again");

    $r = $t->post('/app/', headers => ["Cookie: ocs_ticket=$value"]);
    is($r->status, 401, "$name ticket: 401 for a post");
}

my $log = $t->error_log;
like($log, qr/\[error\].*ticket rejected: ticket authentication failed/,
     'log: tampered');
like($log, qr/\[error\].*ticket rejected: not a ticket/, 'log: garbage');
like($log, qr/\[error\].*ticket rejected: no key with the ticket's id/,
     'log: unknown key');

# lifetime, idle timeout, refresh

$t->signin('alice', 'pw', jar => 'times');
is($t->get('/short/', jar => 'times')->status, 200, 'lifetime: fresh');
is($t->get('/idle/', jar => 'times')->status, 200, 'idle: fresh');

# seconds are whole: a 5 s interval cannot be due a moment after sign-in
$r = $t->get('/refresh/slow/', jar => 'times');
ok(!$r->set_cookie('ocs_ticket'), 'refresh: not yet');

sleep 2.2;

$r = $t->get('/refresh/', jar => 'times');
my $refreshed = $r->set_cookie('ocs_ticket');
ok($refreshed, 'refresh: new cookie after the interval');
like($refreshed, qr/; Secure; HttpOnly; SameSite=Lax$/, 'refresh: flags');

is($t->get('/short/', jar => 'times')->status, 302, 'lifetime: expired');
is($t->get('/idle/', jar => 'times')->status, 200,
   'idle: the refresh counted as activity');
is($t->get('/app/', jar => 'times')->status, 200,
   'expired for one location only');

$t->signin('alice', 'pw', jar => 'idle');
sleep 2.2;
is($t->get('/idle/', jar => 'idle')->status, 302, 'idle: timed out');
is($t->get('/app/', jar => 'idle')->status, 200,
   'idle elsewhere: still signed in');

$t->signin('alice', 'pw', jar => 'inner');
sleep 1.2;
ok($t->get('/refresh/inner/', jar => 'inner')->set_cookie('ocs_ticket'),
   'refresh interval inherits');

$log = $t->error_log;
like($log, qr/\[info\].*ticket of user "alice" rejected: session expired/,
     'log: expired');
like($log, qr/\[info\].*ticket of user "alice" rejected: idle timeout/,
     'log: idle');
unlike($log, qr/\[error\].*rejected: (?:session expired|idle timeout)/,
       'log: an ended session is no error');
like($log, qr/\[error\].*removed 3 client-supplied "X-User" headers/,
     'log: spoofed headers');
ok(index($t->logs, $ticket) < 0, 'no ticket in the logs');

$t->done;
