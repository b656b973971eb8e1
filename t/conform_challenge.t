#!/usr/bin/perl

# Conformance: the challenge of a request without a ticket, on nginx and
# Apache.  A page (GET or HEAD from a browser) is sent to the sign-in
# URL with itself as r= (302, no-store); a script (XMLHttpRequest,
# JSON) and any other method get 401 with the forms challenge; the
# sign-in URL's own address is never redirected to itself.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;

my $c = OCS::Conform->new(tests => 35);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        # a mistake nginx -t cannot see: the sign-in URL rewritten into
        # a protected location
        rewrite ^/ocs/signin$ /app/signin last;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /other/ {
            ocs_auth forms;
            ocs_auth_signin_url /login?lang=en;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /abs/ {
            ocs_auth forms;
            ocs_auth_signin_url https://login.contoso.test/ocs/signin;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /login {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

$c->apache(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    # a mistake: the sign-in URL inside the protected space, with no
    # SetHandler ocs-signin of its own
    <Location />
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /app/>
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /other/>
        OCSSignInURL /login?lang=en
        ProxyPass http://127.0.0.1:%%PORT_echo%%/other/
    </Location>

    <Location /abs/>
        OCSSignInURL https://login.contoso.test/ocs/signin
        ProxyPass http://127.0.0.1:%%PORT_echo%%/abs/
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    my $base = 'https://127.0.0.1:' . $t->port('https');

    # a page: to the sign-in URL

    $c->log_mark;
    my $r = $t->get('/app/x?a=1&b=%20', headers => ['Accept: text/html']);
    is($r->status, 302, 'a page: 302');
    is($r->header('Location'), "$base/ocs/signin?r=%2Fapp%2Fx%3Fa%3D1%26b%3D"
       . '%2520', 'a page: to the sign-in URL, itself as r=');
    like($r->header('Cache-Control') // '', qr/no-store/,
         'a page: no-store');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'a page: no ticket cookie');
    $c->log_like('info', qr/ocs auth: not signed in, sent to the sign-in page/,
                 'a page: logged at info');

    $r = $t->head('/app/x');
    is($r->status, 302, 'head: 302');

    $r = $t->get('/app/y', headers => ['Accept: application/json, text/html']);
    is($r->status, 302, 'json and html: a page');

    $r = $t->get('/other/z');
    is($r->header('Location'), "$base/login?lang=en&r=%2Fother%2Fz",
       'a sign-in URL with a query: &r=');

    $r = $t->get('/abs/z?q');
    is($r->header('Location'), 'https://login.contoso.test/ocs/signin?r='
       . 'https%3A%2F%2F127.0.0.1%3A' . $t->port('https') . '%2Fabs%2Fz%3Fq',
       'an absolute sign-in URL: an absolute return URL');

    # a script, or not a GET: 401 and the forms challenge

    for my $case (['xhr', 'GET', ['X-Requested-With: XMLHttpRequest']],
                  ['json', 'GET', ['Accept: application/json']],
                  ['post', 'POST', []],
                  ['put', 'PUT', []])
    {
        my ($name, $method, $headers) = @$case;

        $c->log_mark;
        $r = $t->http($method, '/app/x', headers => $headers,
                      $method eq 'GET' ? () : (body => 'a=b'));
        is($r->status, 401, "$name: 401");
        is($r->header('WWW-Authenticate'), 'OCS-Forms signin="/ocs/signin"',
           "$name: the forms challenge");
        is($r->body, "Sign-in required.\n", "$name: the plain body");
        $c->log_like('info', qr/ocs auth: not signed in$/m,
                     "$name: logged at info");
    }

    # the body of a 401 is read and dropped, never taken for a request
    my $inner = "GET /app/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    my $reply = $t->tls_pieces($t->port('https'),
                               "POST /app/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               . 'Content-Length: ' . length($inner)
                               . "\r\n\r\n$inner"
                               . "POST /app/last HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               . "Content-Length: 0\r\nConnection: close\r\n\r\n");
    my @answers = $reply =~ m{^HTTP/1\.1 (\d+)}mg;
    is("@answers", '401 401', 'a body that is a request: never answered');

    $r = $t->post('/other/x', body => 'a=b');
    is($r->header('WWW-Authenticate'), 'OCS-Forms signin="/login?lang=en"',
       'the challenge names the directory\'s sign-in URL');
    like($r->header('Content-Type') // '', qr{^text/plain}, '401: text/plain');

    # the same headers and bodies on both, but for the server's own
    my $shape = sub { $c->shape($_[0]) };
    $c->same('302 shape', $shape->($t->get('/app/x?a=1')),
             'the 302: its headers and body');
    $c->same('401 shape', $shape->($t->post('/app/x', body => 'a=b')),
             'the 401: its headers and body');
    $c->same('head 302 shape', $shape->($t->head('/app/x')),
             'a HEAD 302: its headers, no body');

    # the sign-in URL reached a protected place: never redirected to itself

    $c->log_mark;
    $r = $t->get('/ocs/signin?r=%2Fapp%2Fpage', headers => ['Accept: text/html']);
    is($r->status, 500, 'the sign-in URL in a protected place: 500');
    ok(!defined $r->header('Location'), 'the sign-in URL: no Location');
    like($r->body, qr/The sign-in page is not set up/, 'the page says so');
    my $where = $c->differ(
        "the sign-in URL in a protected place: the log's hint",
        nginx => 'location', apache => 'directory',
        why => 'each names its own server\'s fix');
    $c->log_like('error', qr/ocs auth: the sign-in URL "\/ocs\/signin" reached a /
                 . qr/protected $where: not redirected to itself/,
                 'logged at error');
});
