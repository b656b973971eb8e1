#!/usr/bin/perl

# Conformance: the HTTPS policy on nginx and Apache.  Over plain http
# GET and HEAD go to the same URL over https (301, the configured port
# or none for 443); any other method is refused with 403 and the
# connection closed, its body never read; a ticket sent over plain http
# counts for nothing.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;

my $c = OCS::Conform->new(tests => 23);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_https_port %%PORT_https%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_http443%%;

        location / {
            ocs_auth forms;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

$c->apache(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
Listen 127.0.0.1:%%PORT_http443%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_http%%>
    OCSHTTPSPort %%PORT_https%%
    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_http443%%>
    <Location />
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
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    my $https = $t->port('https');

    # GET and HEAD go to https

    my $r = $t->get('/app/page?x=1&y', plain => 1);
    is($r->status, 301, 'get: redirect');
    is($r->header('location'), "https://127.0.0.1:$https/app/page?x=1&y",
       'get: the same URL over https, the configured port');

    $r = $t->head('/app/page', plain => 1);
    is($r->status, 301, 'head: redirect');
    is($r->header('location'), "https://127.0.0.1:$https/app/page",
       'head: the same URL');

    $r = $t->get('/x', plain => 1, port => 'http443');
    is($r->header('location'), 'https://127.0.0.1/x', 'default port 443');

    # no Host (HTTP/1.0): nowhere to send it
    my $reply = $t->raw($t->port('http'), "GET /app/ HTTP/1.0\r\n\r\n");
    like($reply, qr{^HTTP/1\.[01] 403 }, 'no host: refused');

    # anything else is refused, the connection closed

    for my $method ('POST', 'PUT', 'DELETE') {
        $r = $t->http($method, '/app/page', plain => 1, body => 'a=b');
        is($r->status, 403, "$method: refused");
        like($r->body, qr/HTTPS only/, "$method: the message");
        is(lc($r->header('connection') // ''), 'close',
           "$method: connection closed");
    }

    # the same headers and bodies on both, but for the server's own
    $c->same('301 shape', $c->shape($t->get('/app/x', plain => 1)),
             'the 301: its headers and body');
    $c->same('403 shape', $c->shape($t->post('/app/x', plain => 1,
                                             body => 'a=b')),
             'the 403: its headers and body');

    # a refused request's body is never read: the answer comes first

    $c->log_mark;
    $reply = $t->raw($t->port('http'),
                     "POST /app/form HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     . "Content-Type: application/x-www-form-urlencoded\r\n"
                     . "Content-Length: 100000\r\n\r\n",
                     first => 1, timeout => 3);
    like($reply, qr{^HTTP/1\.1 403 }, 'post: refused before its body');
    $c->log_like('info', qr/ocs: refused a POST request over plain http/,
                 'log: the refusal, at info');

    # a ticket over plain http counts for nothing

    my $ticket = $c->ticket('alice');
    is($t->get('/app/', headers => [$c->cookie($ticket)])->status, 200,
       'the ticket over https');

    $r = $t->get('/app/', plain => 1, headers => [$c->cookie($ticket)]);
    is($r->status, 301, 'the ticket over http: still redirected');

    $r = $t->post('/app/', plain => 1, headers => [$c->cookie($ticket)],
                  body => 'a=b');
    is($r->status, 403, 'the ticket over http: a post still refused');

    $r = $t->get('/app/', plain => 1, headers => [$c->cookie($ticket)]);
    unlike($r->raw_headers, qr/^Set-Cookie/mi,
           'the ticket over http: no cookie set');
});
