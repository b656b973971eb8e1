#!/usr/bin/perl

# What reaches the upstream.  The proxy's own cookies never do: not the
# ticket, not the sign-in nonce, from protected and unprotected
# locations, after internal redirects, from auth_request subrequests,
# over HTTP/2; the other cookies do, byte for byte and in order.  Client
# copies of common identity headers are removed.  A ticket shadowed by
# junk of the same name still signs in; one of another case does not.
# The upstream is a real server that records the header block it gets.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Nginx;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Nginx->new;
plan tests => 56;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

my $echo = OCS::Echo->new($t)->start;
my $with_auth_request = $t->built_with('http_auth_request_module');
my $with_h2 = $t->built_with('http_v2_module');

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    underscores_in_headers on;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_identity_header X-OCS-User;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /open/ {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /pass/ {
            ocs_auth forms;
            ocs_sso_pass_cookies on;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /pass/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }

            location /pass/off/ {
                ocs_sso_pass_cookies off;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /only/ {
            ocs_sso_strip_headers X-Custom-User;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /only/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }

            location /only/off/ {
                ocs_sso_strip_headers off;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /more/ {
            ocs_sso_strip_headers default X-Custom-User;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        # internal redirects from where the cookies were taken out
        location /tf/ {
            try_files /nonexistent @protected;
        }

        location /ep/ {
            root %%TESTDIR%%/none;
            error_page 404 = @protected;
        }

        location @protected {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /tf-pass/ {
            try_files /nonexistent @passing;
        }

        location @passing {
            ocs_sso_pass_cookies on;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        %%AUTH_REQUEST%%

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    %%H2%%
}
EOF

my $h2 = <<'EOF';
    server {
        listen 127.0.0.1:%%PORT_h2%% ssl%%H2_LISTEN%%;
        %%H2_ON%%
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
EOF

my $auth_request = <<'EOF';
        location /guarded/ {
            ocs_auth forms;
            auth_request /auth;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /guarded-pass/ {
            ocs_auth forms;
            ocs_sso_pass_cookies on;
            auth_request /auth;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /auth {
            internal;
            proxy_pass http://127.0.0.1:%%PORT_echo%%/auth-check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }
EOF

# HTTP/2 is a listen parameter before nginx 1.25.1, a directive since
my ($minor) = $t->nginx_version =~ /^1\.(\d+)\./;
my $h2_directive = $with_h2 && $minor >= 25;

$h2 =~ s/%%H2_LISTEN%%/$h2_directive ? '' : ' http2'/e;
$h2 =~ s/%%H2_ON%%/$h2_directive ? 'http2 on;' : ''/e;

$conf =~ s/%%AUTH_REQUEST%%/$with_auth_request ? $auth_request : ''/e;
$conf =~ s/%%H2%%/$with_h2 ? $h2 : ''/e;

$t->run($conf);

my $r = $t->signin('alice', 'pw', jar => 'a');
is($r->status, 303, 'signed in');
like($r->set_cookie('__Host-ocs_ticket'),
     qr/^__Host-ocs_ticket=[\w-]+; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
     'the ticket cookie is __Host-, host-only, Path=/');

my $ticket = $t->jar_cookies('a')->{'__Host-ocs_ticket'};
my $mine = "__Host-ocs_ticket=$ticket";
my $nonce = '__Host-ocs_ticket_csrf=AAAAAAAAAAAAAAAAAAAAAA';

# the ticket and the nonce stay here; the other cookies go on as they came

my $cookies = "a=1; $mine; b=\"x y\"; $nonce;c=3";

$r = $t->get('/app/', headers => ["Cookie: $cookies"]);
is($r->status, 200, 'protected: signed in');
is_deeply([cookies($r)], ['a=1; b="x y";c=3'],
          'protected: the other cookies, byte for byte, in order');
like($r->body, qr/^X-OCS-User: alice\r$/m, 'protected: the identity');

$r = $t->get('/open/', headers => ["Cookie: $cookies"]);
is_deeply([cookies($r)], ['a=1; b="x y";c=3'],
          'unprotected: the other cookies only');

$r = $t->get('/open/', headers => ["Cookie: $mine; $nonce"]);
unlike($r->body, qr/^Cookie:/mi, 'only ours: no Cookie header at all');

$r = $t->get('/app/', headers => ["Cookie: $mine", 'Cookie: a=1']);
is($r->status, 200, 'two Cookie headers: signed in');
is_deeply([cookies($r)], ['a=1'], 'two Cookie headers: the other one only');

$r = $t->get('/open/', headers => ['Cookie: ocs_ticket=old; z=1; '
                                   . 'ocs_ticket_csrf=old']);
is_deeply([cookies($r)], ['z=1'], 'the names of earlier versions go too');

# shadowed and look-alike ticket cookies

$r = $t->get('/app/', headers => ["Cookie: __Host-ocs_ticket=junk; $mine"]);
is($r->status, 200, 'junk before the ticket: signed in');
is_deeply([cookies($r)], [], 'junk before the ticket: neither upstream');
like($t->error_log,
     qr/\[info\].*1 other "__Host-ocs_ticket" cookie without a valid ticket ignored/,
     'junk before the ticket: an info line');

$r = $t->get('/app/', headers => ["Cookie: $mine; __Host-ocs_ticket=junk"]);
is($r->status, 200, 'junk after the ticket: signed in');

my $errors = () = $t->error_log =~ /ticket rejected/g;

$r = $t->get('/app/', headers => ['Cookie: __Host-ocs_ticket=junk; '
                                  . '__Host-ocs_ticket=junk2']);
is($r->status, 302, 'only junk: not signed in');
my $now = () = $t->error_log =~ /\[error\].*ticket rejected/g;
is($now, $errors + 1, 'only junk: one error line');

$r = $t->get('/app/', headers => ["Cookie: __Host-OCS_TICKET=$ticket"]);
is($r->status, 302, 'the name in another case: not signed in');

$r = $t->get('/open/', headers => ["Cookie: __HOST-ocs_ticket=x; a=1"]);
is_deeply([cookies($r)], ['__HOST-ocs_ticket=x; a=1'],
          'the name in another case is not ours: passed on');

# ocs_sso_pass_cookies: on, inherited, off in a nested location

$r = $t->get('/pass/', headers => ["Cookie: a=1; $mine"]);
is($r->status, 200, 'pass: signed in');
is_deeply([cookies($r)], ["a=1; $mine"], 'pass: the ticket goes upstream');

$r = $t->get('/pass/inner/', headers => ["Cookie: a=1; $mine"]);
is_deeply([cookies($r)], ["a=1; $mine"], 'pass: inherited');

$r = $t->get('/pass/off/', headers => ["Cookie: a=1; $mine"]);
is($r->status, 200, 'pass off: signed in');
is_deeply([cookies($r)], ['a=1'], 'pass off in a nested location');

# internal redirects to a protected location: still signed in, still
# nothing upstream

for my $uri ('/tf/x', '/ep/x') {
    $r = $t->get($uri, headers => ["Cookie: $mine; a=1"]);
    is($r->status, 200, "$uri: redirected, signed in");
    is_deeply([cookies($r)], ['a=1'], "$uri: no ticket upstream");
    like($r->body, qr/^X-OCS-User: alice\r$/m, "$uri: the identity");

    is($t->get($uri, headers => ['Cookie: a=1'])->status, 302,
       "$uri: without a ticket, the sign-in page");
}

$r = $t->get('/tf-pass/x', headers => ["Cookie: $mine; a=1"]);
is_deeply([cookies($r)], ["$mine; a=1"],
          'redirected to a location that passes them: put back as they came');

# auth_request: its subrequest's upstream does not get them either

SKIP: {
    skip('nginx without the auth_request module', 8) unless $with_auth_request;

    my $before = () = $echo->requests;

    $r = $t->get('/guarded/', headers => ["Cookie: a=1; $mine"]);
    is($r->status, 200, 'auth_request: signed in');
    is_deeply([cookies($r)], ['a=1'], 'auth_request: main request');

    my ($check) = grep { m{^GET /auth-check } } since($before);
    ok($check, 'auth_request: the subrequest reached its upstream');
    is_deeply([cookies($check)], ['a=1'], 'auth_request: subrequest');

    $before = () = $echo->requests;

    $r = $t->get('/guarded-pass/', headers => ["Cookie: a=1; $mine"]);
    is($r->status, 200, 'auth_request, passing: signed in');
    is_deeply([cookies($r)], ["a=1; $mine"],
              'auth_request, passing: the main request passes them');

    ($check) = grep { m{^GET /auth-check } } since($before);
    ok($check, 'auth_request, passing: the subrequest reached its upstream');
    is_deeply([cookies($check)], ['a=1'],
              'auth_request, passing: its subrequest takes them out');
}

# HTTP/2: nginx joins the cookie crumbs into one header

SKIP: {
    skip('nginx without HTTP/2', 3) unless $with_h2;

    $r = $t->get('/app/', port => 'h2', curl => ['--http2'],
                 headers => ['Cookie: a=1', "Cookie: $mine", 'Cookie: b=2']);
    is($r->status, 200, 'http/2: signed in');
    like($r->raw_headers, qr{^HTTP/2 200}, 'http/2: it was http/2');
    is_deeply([cookies($r)], ['a=1; b=2'], 'http/2: the other cookies only');
}

# look-alike identity headers

my @forged = ('Remote-User: admin', 'X-Forwarded-User: admin',
              'X_Remote_User: admin', 'X-Auth-Request-Email: admin@x',
              'x-forwarded-preferred-username: admin', 'X-OCS-User: admin',
              'X-Custom-User: admin');
my @listed = qw(remote-user x-auth-request-email
                x-forwarded-preferred-username x-forwarded-user
                x-remote-user);

$r = $t->get('/open/', headers => \@forged);
is_deeply([forged($r)], ['x-custom-user'],
          'default list: common identity headers removed');
like($t->error_log,
     qr/\[info\].*removed 1 client-supplied "X-Remote-User" header/,
     'default list: an info line');
like($t->error_log,
     qr/\[error\].*removed 1 client-supplied "X-OCS-User" header/,
     'the identity header itself: an error line');

$r = $t->get('/app/', headers => [@forged, "Cookie: $mine"]);
like($r->body, qr/^X-OCS-User: alice\r$/m, 'protected: the verified user');
is_deeply([forged($r)], ['x-custom-user'],
          'protected: only the unlisted one');

$r = $t->get('/only/', headers => \@forged);
is_deeply([forged($r)], \@listed, 'a list of its own replaces the default');

$r = $t->get('/only/inner/', headers => \@forged);
is_deeply([forged($r)], \@listed, 'the list is inherited');

$r = $t->get('/only/off/', headers => \@forged);
is_deeply([forged($r)], [sort @listed, 'x-custom-user'],
          'off in a nested location');

$r = $t->get('/more/', headers => \@forged);
is_deeply([forged($r)], [], '"default" and one more');

# an Authorization header the modules do not read goes on unchanged

for my $uri ('/open/', '/app/') {
    $r = $t->get($uri, headers => ['Authorization: Basic YWxpY2U6cHc=',
                                   "Cookie: $mine"]);
    like($r->body, qr/^Authorization: Basic YWxpY2U6cHc=\r$/m,
         "$uri: Basic passed on");
}

unlike($t->logs, qr/\Q$ticket\E/, 'no ticket in the logs');

$echo->stop;
$t->done;


# the Cookie headers of an upstream request (a response body or a block)
sub cookies {
    my ($head) = @_;
    $head = $head->body if ref $head;
    return $head =~ /^Cookie: ([^\r\n]*)\r$/mgi;
}

# the forged headers that reached the upstream: lowercase, '-' for '_'
sub forged {
    my ($r) = @_;
    return sort map { (my $n = lc $_) =~ tr/_/-/; $n }
        $r->body =~ /^([^:\r\n]+): admin/mg;
}

# the header blocks the upstream got since it had got $n
sub since {
    my ($n) = @_;
    my @all = $echo->requests;
    return @all[$n .. $#all];
}
