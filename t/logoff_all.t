#!/usr/bin/perl

# Log off everywhere: a user ends every session on every device in one
# action, and an administrator can do the same for a user.  Per-user
# revocations in the shared zone, kept across a reload.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 47;

$t->users(alice => 'alice-pw', bob => 'bob-pw', admin => 'admin-pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

$t->run(<<'EOF', workers => 2);
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

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

        location = /ocs/logoff {
            ocs_logoff;
        }

        location = /ocs/logoff-all {
            ocs_logoff everywhere;
        }

        location = /admin/sessions {
            ocs_auth forms;
            ocs_logoff_admin admin;
        }

        location = /open/sessions {
            ocs_logoff_admin admin;
        }
    }
}
EOF

sub alive {
    my ($jar) = @_;
    return $t->get('/app/', jar => $jar)->status == 200;
}

my $same = ['Sec-Fetch-Site: same-origin'];

# one user, two devices

$t->signin('alice', 'alice-pw', jar => 'laptop');
$t->signin('alice', 'alice-pw', jar => 'phone');
$t->signin('bob', 'bob-pw', jar => 'bob');
ok(alive('laptop') && alive('phone') && alive('bob'), 'three sessions');

my $r = $t->get('/ocs/logoff-all', jar => 'laptop', headers => $same);
is($r->status, 200, 'log off everywhere');
like($r->body, qr/You have signed out everywhere: your sessions on every device and in every browser have ended\./,
     'signed-out page: says every device');

is_deeply([map { alive('phone') ? 1 : 0 } 1 .. 6], [(0) x 6],
          'the other device is signed out in every worker');
ok(!alive('laptop'), 'this device is signed out');
ok(alive('bob'), "another user's session lives on");

$t->signin('alice', 'alice-pw', jar => 'again');
ok(alive('again'), 'signing in again at once works');

# the cross-site case and the tokens

$t->signin('alice', 'alice-pw', jar => 'csrf');
$r = $t->get('/ocs/logoff-all', jar => 'csrf');
like($r->body, qr/sign out everywhere, on every device\?/,
     'cross-site: the confirmation asks');
my $all_token = $r->field('csrf');
my $one_token = $t->get('/ocs/logoff', jar => 'csrf')->field('csrf');

$r = $t->post('/ocs/logoff-all', jar => 'csrf', form => [csrf => $one_token]);
is($r->status, 403, 'a plain logoff token does not sign out everywhere');
ok(alive('csrf') && alive('again'), 'still signed in');

$r = $t->post('/ocs/logoff-all', jar => 'csrf', form => [csrf => $all_token]);
is($r->status, 200, 'confirmed');
like($r->body, qr/signed out everywhere/, 'confirmed: says everywhere');
ok(!alive('csrf') && !alive('again'), 'every session ended');

$t->signin('alice', 'alice-pw', jar => 'single');
$r = $t->get('/ocs/logoff', jar => 'single', headers => $same);
like($r->body, qr/<p role="status">You have signed out\. To keep/,
     'a single logoff: says only that');
unlike($r->body, qr/everywhere|every device/,
       'a single logoff: does not claim every device');

# a copy of a ticket that is no longer valid ends itself, nothing more

$t->signin('alice', 'alice-pw', jar => 'old');
$t->copy_jar('old', 'old-copy');
$t->get('/ocs/logoff', jar => 'old', headers => $same);
$t->signin('alice', 'alice-pw', jar => 'current');
$r = $t->get('/ocs/logoff-all', jar => 'old-copy', headers => $same);
is($r->status, 200, 'revoked ticket: signed-out page');
like($r->body, qr/You have signed out here\. Your sessions on other devices were not ended/,
     'revoked ticket: the page says the others were not ended');
ok(alive('current'), 'revoked ticket: cannot end the live sessions');

# a sibling host of the sign-on domain must confirm

$r = $t->get('/ocs/logoff-all', jar => 'current',
             headers => ['Sec-Fetch-Site: same-site']);
like($r->body, qr/sign out everywhere, on every device\?/,
     'same-site: the confirmation asks');
ok(alive('current'), 'same-site: still signed in');

# an administrator ends a user's sessions

$t->signin('bob', 'bob-pw', jar => 'bob2');
$t->signin('admin', 'admin-pw', jar => 'admin');

$r = $t->get('/admin/sessions', jar => 'admin');
is($r->status, 200, 'admin page');
like($r->body, qr/<label for="user">User name<\/label>/, 'admin form');
my $admin_token = $r->field('csrf');

$r = $t->get('/admin/sessions', jar => 'current');
is($r->status, 403, 'admin page: refused to a user not named');
like($r->body, qr/Your account may not end other users&#39; sessions\./,
     'admin page: says why');

$r = $t->post('/admin/sessions', jar => 'admin',
              form => [user => 'bob']);
is($r->status, 403, 'admin: no token, refused');
ok(alive('bob') && alive('bob2'), 'admin: refused, bob still signed in');

$r = $t->post('/admin/sessions', jar => 'admin',
              form => [csrf => $all_token, user => 'bob']);
is($r->status, 403, "admin: someone else's token, refused");

$r = $t->post('/admin/sessions', jar => 'admin',
              form => [csrf => $admin_token, user => 'BOB']);
is($r->status, 200, 'admin: done');
like($r->body, qr/every ticket issued to BOB before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(UTC\) is refused from now on/,
     'admin: says what was done, and when');
like($r->body, qr/No list of sessions is kept, so this cannot tell whether BOB had any\./,
     'admin: does not claim there were sessions');
unlike($r->body, qr/has been ended/, 'admin: not the old claim');

$r = $t->post('/admin/sessions', jar => 'admin',
              form => [csrf => $admin_token, user => 'nobody<b>']);
is($r->status, 200, 'admin: a user who never signed in');
like($r->body, qr/every ticket issued to nobody&lt;b&gt; before/,
     'admin: the name escaped in the page');
ok(!alive('bob') && !alive('bob2'), "admin: every one of bob's sessions");
ok(alive('admin'), "admin: the administrator's own session lives on");

$r = $t->post('/admin/sessions', jar => 'admin',
              form => [csrf => $admin_token, user => '']);
is($r->status, 400, 'admin: no user name');

is($t->get('/admin/sessions')->status, 302, 'admin page: sign in first');
is($t->get('/open/sessions')->status, 403,
   'admin handler without ocs_auth: refuses without a ticket');

# kept across a reload

$t->signin('bob', 'bob-pw', jar => 'bob3');
$t->copy_jar('bob3', 'bob3-copy');
$t->get('/ocs/logoff-all', jar => 'bob3', headers => $same);
ok($t->reload, 'reload');
ok(!alive('bob3-copy'), 'revoked everywhere after a reload');

my $log = $t->error_log;
like($log, qr/\[notice\].*user "alice" signed out everywhere/,
     'log: everywhere');
like($log, qr/\[notice\].*every session of user "BOB" ended by "admin"/,
     'log: admin');
like($log, qr/\[notice\].*user "alice" signed out \(this session only: the ticket is no longer valid\)/,
     'log: revoked ticket, this session only');
like($log, qr/\[error\].*user "alice" is not an administrator of ocs_logoff_admin/,
     'log: not an administrator');
like($log, qr/\[error\].*request of "admin" to end sessions without a valid csrf token refused/,
     'log: admin refused');
unlike($t->logs, qr/-pw/, 'no password in the logs');

$t->done;
