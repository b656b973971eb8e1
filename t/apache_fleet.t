#!/usr/bin/perl

# A mixed fleet: nginx and Apache httpd behind one cookie, with the same
# key file.  A ticket nginx issues opens on Apache, with the same user,
# identity header and facts; the Apache module's HTTPS policy and
# challenge answer as nginx's do.  A logoff on Apache ends the session
# on Apache; nginx keeps its own revocations, so a copy of the ticket
# still opens there until it expires: what a mixed fleet without a
# shared store gives (docs/apache.md, "A mixed nginx and Apache fleet").

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 21;

$n->users(alice => 'pw');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "nginx app\n"; }
    }
}
EOF

my $echo = OCS::Echo->new($a);
$echo->start;

$a->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_http%%>
    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        OCSIdentityHeader X-User
        RequestHeader set X-Vars "%{OCS_USER}e|%{OCS_AUTH_METHOD}e|%{OCS_COMPUTER}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
        OCSLogoffRedirect off
    </Location>
</VirtualHost>
EOF

# not signed in: the same answers as nginx
my $r = $a->get('/app/x?a=1');
is($r->status, 302, 'apache: no ticket, a page: 302');
is($r->header('Location'), 'https://127.0.0.1:' . $a->port('https')
   . '/ocs/signin?r=%2Fapp%2Fx%3Fa%3D1', 'apache: to the sign-in URL');
like($r->header('Cache-Control') // '', qr/no-store/,
     'apache: no-store on the redirect');

$r = $a->get('/app/x', headers => ['X-Requested-With: XMLHttpRequest']);
is($r->status, 401, 'apache: a script: 401');
is($r->header('WWW-Authenticate'), 'OCS-Forms signin="/ocs/signin"',
   'apache: the forms challenge');
is($r->body, "Sign-in required.\n", 'apache: its plain body');

$r = $a->get('/app/x?y', plain => 1);
is($r->status, 301, 'apache: plain http GET: 301');
is($r->header('Location'), 'https://127.0.0.1/app/x?y',
   'apache: to https on 443');

$r = $a->post('/app/x', plain => 1, body => 'password=secret');
is($r->status, 403, 'apache: plain http POST: 403');

# signed in on nginx, in on Apache with the same cookie
$r = $n->signin('alice', 'pw', jar => 'a');
is($r->status, 303, 'nginx: signed in');

$a->write_file('jar-a', $n->read_file('jar-a'));

$r = $a->get('/app/page', jar => 'a', headers => ['X-User: mallory']);
is($r->status, 200, 'apache: nginx\'s ticket opens');
like($r->body, qr/^X-User: alice\r?$/mi, 'apache: the identity header');
unlike($r->body, qr/mallory/, 'apache: the client\'s copy went');
like($r->body, qr/^X-Vars: alice\|password\|public\r?$/mi,
     'apache: OCS_* in RequestHeader');
unlike($r->body, qr/ocs_ticket/, 'apache: the ticket cookie does not go '
       . 'upstream');

# the ticket, kept as a copy would be
my $c = $a->jar_cookies('a');
my ($name) = grep { /ocs_ticket$/ } keys %$c;
my $copy = "Cookie: $name=$c->{$name}";

is($n->get('/app/', headers => [$copy])->body, "nginx app\n",
   'nginx: the same ticket');

# a logoff on Apache
my $token = $a->get('/ocs/logoff', jar => 'a')->field('csrf');
$r = $a->post('/ocs/logoff', jar => 'a', form => [csrf => $token]);
is($r->status, 200, 'apache: signed out');

is($a->get('/app/page', headers => [$copy])->status, 302,
   'apache: the copy of the ticket refused there');
is($n->get('/app/', headers => [$copy])->status, 200,
   'nginx: the copy still opens (revocations are not shared)');
like($r->raw_headers, qr/^Set-Cookie: __Host-ocs_ticket=; Path=\/; Max-Age=0;/m,
     'the browser that signed out: its ticket cookie cleared, for both');

$n->stop;
$echo->stop;
$a->done;
