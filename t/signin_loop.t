#!/usr/bin/perl

# The sign-in URL is never redirected to itself: nginx -t checks where it
# goes (t/config.t), but a rewrite can still lead it to a protected
# location at run time; then the user gets a page that says so, once,
# and no endless 302s.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 7;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
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
            root %%TESTDIR%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

my $r = $t->get('/app/page', headers => ['Accept: text/html']);
is($r->status, 302, 'a protected page: sent to sign in');
like($r->header('location'), qr{/ocs/signin\?r=}, 'to the sign-in URL');

$r = $t->get('/ocs/signin?r=%2Fapp%2Fpage', headers => ['Accept: text/html']);
is($r->status, 500, 'the sign-in URL that reaches a protected location: '
   . 'not redirected to itself');
ok(!defined $r->header('location'), 'no Location header');
like($r->body, qr/The sign-in page is not set up/, 'the page says so');

like($t->error_log,
     qr{\[error\].*the sign-in URL "/ocs/signin" reached a protected location: not redirected to itself},
     'logged once, at error');

$t->done;
