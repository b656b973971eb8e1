#!/usr/bin/perl

# Protected locations: who gets the sign-in page and who a bare 401,
# the return URL, inheritance, "off" in nested locations, satisfy any.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 38;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;

            location /app/public/ {
                ocs_auth off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /app/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location /login-elsewhere/ {
            ocs_auth forms;
            ocs_auth_signin_url /portal/login?lang=en;

            location /login-elsewhere/inner/ {
            }
        }

        location = /portal/login {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location /other-host/ {
            ocs_auth forms;
            ocs_auth_signin_url https://login.contoso.test/ocs/signin;
        }

        location /any/ {
            satisfy any;
            allow 127.0.0.1;
            deny all;
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /anydeny/ {
            satisfy any;
            deny all;
            ocs_auth forms;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_whole%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /open/ {
            ocs_auth off;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /ocs/logoff {
            ocs_logoff;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "backend $request_uri\n";
        }
    }
}
EOF

# not signed in: pages go to the sign-in page

my $r = $t->get('/app/x?a=1&b=%2F');
is($r->status, 302, 'get: redirect');
like($r->header('location'),
     qr{^https://127\.0\.0\.1:\d+/ocs/signin\?r=%2Fapp%2Fx%3Fa%3D1%26b%3D%252F$},
     'get: sign-in page with the request as return url');
is($r->header('cache-control'), 'no-store', 'redirect not cached');

$r = $t->head('/app/');
is($r->status, 302, 'head: redirect');

$r = $t->get('/app/', headers => ['Accept: text/html,application/json']);
is($r->status, 302, 'html and json: redirect');

# not signed in: scripts and other methods get 401

for my $case (['POST', []], ['DELETE', []],
              ['GET', ['X-Requested-With: XMLHttpRequest']],
              ['GET', ['Accept: application/json']])
{
    my ($method, $headers) = @$case;
    my $name = "$method @$headers";

    $r = $t->http($method, '/app/', headers => $headers);
    is($r->status, 401, "$name: 401");
    is($r->header('www-authenticate'), 'OCS-Forms signin="/ocs/signin"',
       "$name: challenge");
    ok(!$r->header('location'), "$name: no redirect");
    is($r->body, "Sign-in required.\n", "$name: plain message");
}

# inheritance and off

is($t->get('/app/public/')->status, 200, 'nested off');
is($t->get('/app/inner/')->status, 302, 'nested inherits');

$r = $t->get('/login-elsewhere/a');
like($r->header('location'), qr{/portal/login\?lang=en&r=%2Flogin-elsewhere%2Fa$},
     'signin url with a query');
$r = $t->get('/login-elsewhere/inner/b');
like($r->header('location'), qr{/portal/login\?lang=en&r=},
     'signin url inherits');

$r = $t->get('/other-host/p?q');
like($r->header('location'),
     qr{^https://login\.contoso\.test/ocs/signin\?r=https%3A%2F%2F127\.0\.0\.1%3A\d+%2Fother-host%2Fp%3Fq$},
     'absolute signin url gets an absolute return url');

is($t->get('/', port => 'whole')->status, 302, 'server level');
is($t->get('/open/', port => 'whole')->status, 200, 'server level, off');
is($t->get('/ocs/signin', port => 'whole')->status, 200,
   'server level: the sign-in page is not protected');
is($t->get('/ocs/logoff', port => 'whole')->status, 200,
   'server level: the logoff page is not protected');
$t->signin('alice', 'pw', jar => 'whole', port => 'whole');
is($t->get('/x', jar => 'whole', port => 'whole')->status, 200,
   'server level: sign-in works');

# satisfy any

is($t->get('/any/')->status, 200, 'satisfy any: allowed by address');
is($t->get('/anydeny/')->status, 401, 'satisfy any: denied');

# signed in

$t->signin('alice', 'pw', jar => 'a');
is($t->get('/app/', jar => 'a')->body, "backend /app/\n", 'signed in');
is($t->get('/app/inner/', jar => 'a')->status, 200, 'signed in, nested');
is($t->http('POST', '/app/', jar => 'a')->status, 200, 'signed in, post');

like($t->error_log, qr/\[info\].*not signed in, sent to the sign-in page/,
     'log: redirect');

$t->done;
