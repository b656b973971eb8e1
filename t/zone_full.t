#!/usr/bin/perl

# A revocation zone that fills up degrades safely: every session that
# started until then is revoked, the error log says so, and signing in
# again works.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 5;

$t->users(admin => 'admin-pw', bob => 'bob-pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_zone small:32k;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            root %%TESTDIR%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /admin/sessions {
            ocs_auth forms;
            ocs_logoff_admin admin;
        }
    }
}
EOF

$t->signin('bob', 'bob-pw', jar => 'bob');
$t->signin('admin', 'admin-pw', jar => 'admin');
is($t->get('/app/', jar => 'bob')->status, 200, 'bob signed in');

my $token = $t->get('/admin/sessions', jar => 'admin')->field('csrf');

# per-user revocations of names with long spellings, until the zone is
# full; the fallback also ends the administrator's session
my ($n, $status) = (0, 200);

while ($n < 600 && $status == 200) {
    $status = $t->post('/admin/sessions', jar => 'admin',
                       form => [csrf => $token,
                                user => sprintf('user%04d-%s', $n, 'x' x 200)]
                      )->status;
    $n++;
}

like($t->error_log,
     qr/\[error\].*ocs_sso_zone "small" is full; every session that started before now is revoked/,
     "full zone: logged (after $n revocations)");
is($t->get('/app/', jar => 'bob')->status, 302,
   'full zone: sessions that started before are revoked');

$t->signin('bob', 'bob-pw', jar => 'bob2');
is($t->get('/app/', jar => 'bob2')->status, 200,
   'full zone: signing in again works');

$t->done;
