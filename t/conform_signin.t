#!/usr/bin/perl

# Conformance: the forms sign-in page on nginx and Apache (the sign-in
# part on Apache: SetHandler ocs-signin, OCSUserFile).  The page and its
# nonce cookie, the same page byte for byte but for the token, a
# sign-in that sets the ticket and sends the user back, the ticket that
# opens the site, every refusal with its status and log line, the page
# over plain http.  Until the Apache part is merged the Apache half is
# skipped, loudly.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;

my $c = OCS::Conform->new(tests => 28);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-User;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_hsts 300;
        }

        location = /broken/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/missing-users;
        }
    }
}
EOF

$c->apache(<<'EOF', part => 'sign-in', probe => \&signin_page);
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_http%%>
    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSIdentityHeader X-User

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
        OCSHSTS 300
    </Location>

    <Location /broken/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/missing-users
    </Location>
</VirtualHost>
EOF

# the sign-in part answers: its page is a form
sub signin_page {
    my ($t) = @_;
    my $r = $t->get('/ocs/signin');
    return $r->status == 200 && $r->body =~ /name="csrf"/ ? ''
         : 'GET /ocs/signin answers ' . $r->status . ', not the form';
}

$c->run(sub {
    my ($t) = @_;

    my $base = 'https://127.0.0.1:' . $t->port('https');

    # the page

    my $r = $t->get('/ocs/signin?r=%2Fapp%2F%3Fa%3D1', jar => 'a');
    is($r->status, 200, 'the page');
    like($r->header('Content-Type') // '', qr{^text/html; charset=utf-8},
         'html');
    is($r->header('Cache-Control'), 'no-store', 'not cached');
    is($r->header('Strict-Transport-Security'), 'max-age=300',
       'hsts on the sign-in page');
    is($r->field('r'), '/app/?a=1', 'the return URL in the form');
    like($r->field('csrf') // '', qr/^[\w-]{43}$/, 'the csrf token');
    like($r->set_cookie('__Host-ocs_ticket_csrf') // '',
         qr/; Secure; HttpOnly; SameSite=Strict$/, 'the nonce cookie');
    $c->same('the page', ($r->body =~ s/value="[\w-]{43}"/value="T"/gr),
             'the page, byte for byte but for the token');

    # signed in

    $c->log_mark;
    $r = $t->signin('alice', 'pw', jar => 'a', back => '%2Fapp%2F');
    is($r->status, 303, 'signed in: 303');
    is($r->header('Location'), "$base/app/", 'back where the user was going');
    my $ticket = $r->set_cookie('__Host-ocs_ticket') // '';
    like($ticket, qr/^__Host-ocs_ticket=[\w-]{60,}; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
         'the ticket cookie, a session cookie on a public computer');
    $c->log_like('notice', qr/ocs auth: user "alice" signed in with a password/,
                 'log: signed in, at notice');

    $r = $t->get('/app/', jar => 'a');
    is($r->status, 200, 'the ticket opens the site');
    like($r->body, qr/^X-User: alice\r?$/mi, 'the identity upstream');

    $r = $t->signin('alice', 'pw', jar => 'p', computer => 'private');
    ok(($r->set_cookie('__Host-ocs_ticket') // '')
       =~ /; Max-Age=(\d+);/ && $1 > 6 * 86400 && $1 <= 7 * 86400,
       'a private computer: the cookie lasts 7 days');

    # refused

    $c->log_mark;
    $r = $t->signin('alice', 'wrong', jar => 'w');
    is($r->status, 401, 'a wrong password: 401');
    like($r->body, qr/name="csrf"/, 'the form again');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'no ticket');
    $c->log_like('error', qr/sign-in failed for user "alice"/,
                 'log: the failure, at error');
    $c->log_unlike('error', qr/wrong/, 'log: never the password');

    $c->log_mark;
    $r = $t->post('/ocs/signin', jar => 'none',
                  form => [username => 'alice', password => 'pw']);
    is($r->status, 403, 'no csrf token: 403');
    $c->log_like('error', qr/ocs auth: sign-in without a valid csrf token /
                 . qr/refused/, 'log: the csrf refusal, at error');

    $r = $t->post('/ocs/signin', jar => 'a', headers => ['Content-Type: text/plain'],
                  body => 'username=alice');
    is($r->status, 415, 'not a form: 415');

    $c->log_mark;
    $r = $t->signin('alice', 'pw', jar => 'b', signin => '/broken/signin');
    is($r->status, 503, 'no user file: 503');
    $c->log_like('crit', qr/user file: cannot open ".*missing-users"/,
                 'log: the missing file, at crit');

    # over plain http

    $r = $t->get('/ocs/signin?r=%2Fapp%2F', plain => 1);
    is($r->status, 301, 'plain http: the page is sent to https');
    my $reply = $t->raw($t->port('http'),
                        "POST /ocs/signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        . "Content-Type: application/x-www-form-urlencoded\r\n"
                        . "Content-Length: 100000\r\n\r\n",
                        first => 1, timeout => 3);
    like($reply, qr{^HTTP/1\.1 403 }, 'plain http: a post refused before '
         . 'its body');

    unlike($t->logs, qr/\Q$ticket\E/, 'no ticket in the logs')
        if length $ticket > 30;
    pass('no ticket in the logs') unless length $ticket > 30;
});
