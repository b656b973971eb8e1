#!/usr/bin/perl

# Brute-force protection on Apache httpd, with the answers of t/lockout.t
# on nginx: failed sign-ins counted per account and client address, and
# per address; a lock refuses sign-ins (429, Retry-After, a page that
# says to wait) without trying the password; other addresses are not
# locked out of the account; the locks end by themselves and can be
# listed and cleared by an administrator (SetHandler ocs-lockout-admin,
# behind Require ip).  127.0.0.2 and 127.0.0.3 play other clients.
#
# One Apache process: the lockout store is per process until the
# slotmem store lands (ocs_ap_store.c); t/apache_lockout_mpm.t is for
# that one.

use strict;
use warnings;

use lib 't/lib';
use Time::Local qw(timegm);
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 61;

$t->users(alice => 'alice-pw', bob => 'bob-pw', carol => 'carol-pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
# one process serves (MaxRequestWorkers / ThreadsPerChild); a second
# slot is room for the old one during a graceful restart
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 8
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSLockout account=3 address=5 window=1m lock=3s
    </Location>

    <Location /total/signin>
        SetHandler ocs-signin
        OCSLockout account=10 address=100 total=4 lock=1h
    </Location>

    <Location /open/signin>
        SetHandler ocs-signin
        OCSLockout off
    </Location>

    <Location /admin/lockout>
        SetHandler ocs-lockout-admin
        Require ip 127.0.0.1
    </Location>
</VirtualHost>
EOF

sub signin {
    my ($user, $password, %o) = @_;
    return $t->signin($user, $password, jar => 'j', signin => $o{signin},
                      curl => ['--interface', $o{from} || '127.0.0.1']);
}

sub admin {
    return $t->get('/admin/lockout')->body;
}

# three failures of one account from one address: locked

is(signin('alice', 'wrong')->status, 401, "failure 1") for 1 .. 3;

my $r = signin('alice', 'alice-pw');
is($r->status, 429, 'locked: even the right password gets 429');
like($r->body, qr/Too many failed sign-ins\. Please wait 1 minute and try again\./,
     'locked: the page says to wait');
like($r->header('Retry-After') // '', qr/^[1-3]$/, 'locked: Retry-After');
is($r->set_cookie('__Host-ocs_ticket'), undef, 'locked: no ticket');

my $log = $t->error_log;
like($log, qr/\[auth_ocs:warn\].*sign-ins of user "alice" from 127\.0\.0\.1 locked for 3 s after 3 failed passwords/,
     'the lock logged once, at warn');
like($log, qr/\[auth_ocs:error\].*sign-in of user "alice" refused: too many failures \(the account, from this address\), locked for \d s more/,
     'the refusal logged');

# the same account from elsewhere, and other accounts from here

is(signin('alice', 'alice-pw', from => '127.0.0.2')->status, 303,
   'another address: the account is not locked out');
is(signin('bob', 'bob-pw')->status, 303,
   'another account from the locked address: in');

# the names of one account count together

is(signin('CONTOSO\\carol', 'x', from => '127.0.0.2')->status, 401, 'c1');
is(signin('Carol@contoso.com', 'x', from => '127.0.0.2')->status, 401, 'c2');
is(signin('carol', 'x', from => '127.0.0.2')->status, 401, 'c3');
is(signin('carol', 'carol-pw', from => '127.0.0.2')->status, 429,
   'DOMAIN\\user, user@domain and user: one account');

# the list

my $list = admin();
my $iso = qr/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)/;

like($list, qr/\A# sign-in locks and failure counts at $iso; times in UTC\n/,
     'admin: a header line, with the time of the list');
my ($at) = $list =~ /\A# [^\n]* at $iso;/;
ok(defined $at && abs(epoch($at) - time) <= 5,
   'admin: the header\'s time is now, in UTC');

my ($first, $until, $left) = $list =~
    /^locked  +user alice address 127\.0\.0\.1  first failure at $iso  locked until $iso \((\d+) s left\)$/m;
ok(defined $first, 'admin: the lock listed, with its times')
    or diag($list);
ok(defined $first && abs(epoch($first) - time) <= 10,
   'admin: when the failures that locked began');
ok(defined $until && epoch($until) - epoch($at) == $left && $left <= 3,
   'admin: locked until that time, that many seconds from the list');
like($list, qr/^counted +address 127\.0\.0\.1  3 failures  first failure at $iso  counted until $iso \(\d+ s left\)$/m,
     'admin: the address count listed, with its times');
is($t->get('/admin/lockout', curl => ['--interface', '127.0.0.2'])->status,
   403, 'admin: only where allowed');

# an administrator clears them

$r = $t->post('/admin/lockout', form => [clear => 'user alice']);
is($r->status, 200, 'admin: clear');
like($r->body, qr/^cleared [1-9]/, 'admin: cleared entries');
like($t->error_log, qr/\[auth_ocs:notice\].*entries cleared \("user alice"\)/,
     'admin: the clearing logged');
is(signin('alice', 'alice-pw')->status, 303, 'cleared: in again');

is($t->post('/admin/lockout', form => [clear => 'everything'])->status,
   400, 'admin: a bad request');

# a success starts the account's count again (the address's goes on)

$t->post('/admin/lockout', form => [clear => 'address 127.0.0.1']);
unlike(admin(), qr/address 127\.0\.0\.1 /,
       'admin: clearing by address');

is(signin('bob', 'wrong')->status, 401, 'bob 1');
is(signin('bob', 'wrong')->status, 401, 'bob 2');
is(signin('bob', 'bob-pw')->status, 303, 'bob in');
is(signin('bob', 'wrong')->status, 401, 'bob 1 again');
is(signin('bob', 'bob-pw')->status, 303, 'bob not locked: the count restarted');

# too many failures from one address, whatever the account

$t->post('/admin/lockout', form => [clear => 'all']);

is(signin("user$_", 'x', from => '127.0.0.3')->status, 401, "spray $_")
    for 1 .. 5;
$r = signin('bob', 'bob-pw', from => '127.0.0.3');
is($r->status, 429, 'address locked: every account refused from it');
like($t->error_log, qr/sign-ins from 127\.0\.0\.3 locked for 3 s after 5 failures/,
     'address lock logged');
is(signin('bob', 'bob-pw')->status, 303, 'other addresses: fine');

# locks end by themselves

sleep 4;
is(signin('bob', 'bob-pw', from => '127.0.0.3')->status, 303,
   'after the lock time: in again');

# total=: an account, whatever the address

is(signin('carol', 'x', from => "127.0.0.$_", signin => '/total/signin')
   ->status, 401, "total $_") for 1 .. 4;
is(signin('carol', 'carol-pw', from => '127.0.0.5', signin => '/total/signin')
   ->status, 429, 'total=4: locked from every address');

# off

is(signin('dave', 'x', signin => '/open/signin')->status, 401, "open $_")
    for 1 .. 7;
is(signin('alice', 'alice-pw', signin => '/open/signin')->status, 303,
   'ocs_auth_lockout off: no lock');

# a graceful restart keeps the locks (the slotmem store persists)

is(signin('alice', 'wrong')->status, 401, "failure $_ before a restart")
    for 1 .. 3;

$t->reload;
is(signin('alice', 'alice-pw')->status, 429,
   'after a graceful restart: still locked');

unlike($t->logs, qr/alice-pw|bob-pw|carol-pw/, 'no password in the logs');

$t->done;


# an ISO 8601 UTC time as seconds since the epoch
sub epoch {
    my ($y, $mo, $d, $h, $mi, $sec) = $_[0] =~ /(\d+)/g;
    return timegm($sec, $mi, $h, $d, $mo - 1, $y);
}
