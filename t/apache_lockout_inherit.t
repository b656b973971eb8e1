#!/usr/bin/perl

# OCSLockout on Apache httpd inherits parameter by parameter, as
# ocs_auth_lockout does (t/lockout_inherit.t): a <Location> that sets
# lock= alone keeps account= from the virtual host; "off" in an outer
# <Location> holds in the inner ones until one sets parameters of its
# own.  One Apache process: the store is per process until slotmem.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 26;

$t->users(alice => 'alice-pw', bob => 'bob-pw', carol => 'carol-pw',
          dave => 'dave-pw');
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
    OCSLockout account=3 address=100 window=1m

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSLockout lock=1h
    </Location>

    <Location /off/signin>
        SetHandler ocs-signin
        OCSLockout off
    </Location>

    <Location /open/>
        OCSLockout off
    </Location>

    <Location /open/signin>
        SetHandler ocs-signin
    </Location>

    <Location /open/again/signin>
        SetHandler ocs-signin
        OCSLockout lock=2h
    </Location>
</VirtualHost>
EOF

sub signin {
    my ($user, $password, $signin) = @_;
    return $t->signin($user, $password, jar => "j-$user", signin => $signin);
}

# account=3 from the server, lock=1h from the location

is(signin('alice', 'x')->status, 401, "alice: failure $_") for 1 .. 3;
my $r = signin('alice', 'alice-pw');
is($r->status, 429, 'lock= alone in the location: account=3 from the server');
my $after = $r->header('Retry-After') // 0;
ok($after > 3000 && $after <= 3600,
   'lock= alone in the location: locked for its hour')
    or diag("Retry-After: $after");

# off in a location nested in a server that sets the lock

is(signin('bob', 'x', '/off/signin')->status, 401, "bob: failure $_")
    for 1 .. 5;
is(signin('bob', 'bob-pw', '/off/signin')->status, 303,
   'off in a nested location: no lock there');

# off inherited from an outer location

is(signin('carol', 'x', '/open/signin')->status, 401, "carol: failure $_")
    for 1 .. 5;
is(signin('carol', 'carol-pw', '/open/signin')->status, 303,
   'off inherited from the outer location: no lock');

# on again below the off level, account=3 still from the server

is(signin('dave', 'x', '/open/again/signin')->status, 401,
   "dave: failure $_") for 1 .. 3;
$r = signin('dave', 'dave-pw', '/open/again/signin');
is($r->status, 429, 'parameters below off: on again, account=3 from above');
$after = $r->header('Retry-After') // 0;
ok($after > 6600 && $after <= 7200, 'parameters below off: its own lock=2h')
    or diag("Retry-After: $after");

my $log = $t->error_log;
like($log, qr/sign-ins of user "alice" from 127\.0\.0\.1 locked for 3600 s after 3 failed passwords/,
     'log: alice locked for an hour after 3');
like($log, qr/sign-ins of user "dave" from 127\.0\.0\.1 locked for 7200 s after 3 failed passwords/,
     'log: dave locked for two hours after 3');
unlike($log, qr/user "(?:bob|carol)" from [\d.]+ locked/,
       'log: bob and carol never locked');

$t->done;
