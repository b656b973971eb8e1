#!/usr/bin/perl

# HTTPS only: plain http is redirected or refused, credentials sent over
# it are never read, tickets over it are never accepted; HSTS.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 32;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_https_port %%PORT_https%%;

        location / {
            ocs_auth forms;
            return 200 "never\n";
        }

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /hsts/ {
            ocs_auth forms;
            ocs_auth_hsts 1y includeSubDomains;

            location /hsts/inner/ {
            }

            location /hsts/off/ {
                ocs_auth_hsts off;
            }
        }

        location /plain/ {
            ocs_auth_hsts 1d;
            return 200 "unprotected\n";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_hsts 300;
        }

        location = /ocs/logoff {
            ocs_logoff;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_http443%%;

        location / {
            ocs_auth forms;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "backend\n";
        }
    }
}
EOF

my $https = $t->port('https');

# GET and HEAD go to https

my $r = $t->get('/app/page?x=1&y', plain => 1);
is($r->status, 301, 'get: redirect');
is($r->header('location'), "https://127.0.0.1:$https/app/page?x=1&y",
   'get: same url over https, configured port');

$r = $t->head('/app/page', plain => 1);
is($r->status, 301, 'head: redirect');

$r = $t->get('/ocs/signin?r=%2Fapp%2F', plain => 1);
is($r->status, 301, 'sign-in page: redirect');
is($r->header('location'), "https://127.0.0.1:$https/ocs/signin?r=%2Fapp%2F",
   'sign-in page: same url');

is($t->get('/ocs/logoff', plain => 1)->status, 301, 'logoff: redirect');

$r = $t->get('/x', plain => 1, port => 'http443');
is($r->header('location'), 'https://127.0.0.1/x', 'default port 443');

# anything else is refused

for my $method ('POST', 'PUT', 'DELETE') {
    $r = $t->http($method, '/app/page', plain => 1, body => 'a=b');
    is($r->status, 403, "$method: refused");
    like($r->body, qr/HTTPS only/, "$method: message");
    is($r->header('connection'), 'close', "$method: connection closed");
}

$r = $t->post('/ocs/logoff', plain => 1, body => 'csrf=x');
is($r->status, 403, 'logoff post: refused');

# a sign-in post over http: answered at once, its body never read

my $port = $t->port('http');
my $reply = $t->raw($port,
                    "POST /ocs/signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    . "Content-Type: application/x-www-form-urlencoded\r\n"
                    . "Content-Length: 100000\r\n\r\n",
                    first => 1, timeout => 3);
like($reply, qr{^HTTP/1\.1 403 }, 'sign-in post: refused before the body');

$reply = $t->raw($port,
                 "POST /ocs/signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 . "Content-Type: application/x-www-form-urlencoded\r\n"
                 . "Content-Length: 44\r\n\r\n"
                 . "username=alice&password=Plain-Text-Secret-1");
like($reply, qr{^HTTP/1\.1 403 }, 'sign-in post with body: refused');

# a ticket over plain http counts for nothing

$t->signin('alice', 'pw', jar => 'a');
is($t->get('/app/', jar => 'a')->status, 200, 'ticket over https');

my $ticket = $t->jar_cookies('a')->{'__Host-ocs_ticket'};
$r = $t->get('/app/', plain => 1, headers => ["Cookie: __Host-ocs_ticket=$ticket"]);
is($r->status, 301, 'ticket over http: still redirected');

$r = $t->post('/app/', plain => 1, headers => ["Cookie: __Host-ocs_ticket=$ticket"]);
is($r->status, 403, 'ticket over http: post refused');

# HSTS

$r = $t->get('/hsts/x');
is($r->header('strict-transport-security'),
   'max-age=31536000; includeSubDomains', 'hsts on a protected response');
is($t->get('/hsts/inner/x')->header('strict-transport-security'),
   'max-age=31536000; includeSubDomains', 'hsts inherits');
ok(!$t->get('/hsts/off/x')->header('strict-transport-security'),
   'hsts off');
ok(!$t->get('/app/x')->header('strict-transport-security'),
   'no hsts by default');
ok(!$t->get('/hsts/x', plain => 1)->header('strict-transport-security'),
   'no hsts over http');
ok(!$t->get('/plain/')->header('strict-transport-security'),
   'no hsts on an unprotected location');
is($t->get('/ocs/signin')->header('strict-transport-security'),
   'max-age=300', 'hsts on the sign-in page');

# logs

unlike($t->logs, qr/Plain-Text-Secret/, 'the body never reached a log');
like($t->error_log, qr/\[info\].*refused a POST request over plain http/,
     'refusal logged');

$t->done;
