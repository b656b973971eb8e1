#!/usr/bin/perl

# Lockout across Apache processes (mpm_prefork, each connection to any
# of three processes): a lock started in one process holds in every
# other (the slotmem store, ocs_ap_store.c), and after a graceful
# restart.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 4;

$t->users(alice => 'alice-pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF', mpm => 'prefork');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    KeepAlive Off

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
        OCSLockout account=3 lock=1h
    </Location>
</VirtualHost>
EOF

# the children come up a moment after the parent
my @kids;
for (1 .. 50) {
    @kids = $t->children;
    last if @kids >= 2;
    select(undef, undef, undef, 0.1);
}
ok(@kids >= 2, 'prefork: more than one process serves');

$t->signin('alice', 'wrong', jar => "f$_") for 1 .. 3;

my @got = map { $t->signin('alice', 'alice-pw', jar => "s$_")->status }
          1 .. 6;
is(scalar(grep { $_ == 429 } @got), 6,
   'locked in every process: six tries, six 429');

$t->reload;
is($t->signin('alice', 'alice-pw', jar => 'after')->status, 429,
   'locked after a graceful restart');

$t->done;
