#!/usr/bin/perl

# Sign-ins in flight at once on Apache httpd's threads cannot pass the
# lockout's limit together: each is counted before its password is
# tried (a reservation), so of eight wrong passwords posted at once
# with account=3, three are tried and five refused with 429, as on
# nginx (t/lockout_directory.t).  One process of eight threads: the
# store is per process until slotmem.

use strict;
use warnings;

use lib 't/lib';
use POSIX ();
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 6;

$t->users(ned => 'ned-pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
# one process serves (MaxRequestWorkers / ThreadsPerChild); a second
# slot is room for the old one during a graceful restart
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 16
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
        OCSLockout account=3 address=100 lock=1h
    </Location>
</VirtualHost>
EOF

my @forms = map {
    my $jar = "race$_";
    my $page = $t->get('/ocs/signin', jar => $jar);
    [$jar, $page->field('csrf'), $page->field('r')]
} 1 .. 8;

my @kids;

for my $f (@forms) {
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        my $r = $t->post('/ocs/signin', jar => $f->[0],
                         form => [csrf => $f->[1], r => $f->[2],
                                  username => 'ned', password => 'wrong']);
        POSIX::_exit($r->status == 429 ? 1 : $r->status == 401 ? 0 : 2);
    }

    push @kids, $pid;
}

my ($refused, $other) = (0, 0);

for (@kids) {
    waitpid($_, 0);
    my $rc = $? >> 8;
    $refused++ if $rc == 1;
    $other++ if $rc == 2;
}

is($other, 0, 'eight at once: each a 401 or a 429');
is($refused, 5, 'eight at once: five refused, three tried');

my $tried = () = $t->error_log =~ /sign-in failed for user "ned"/g;
is($tried, 3, 'eight at once: three passwords tried');

my $r = $t->signin('ned', 'ned-pw', jar => 'after');
is($r->status, 429, 'then locked: the right password refused');
like($r->header('Retry-After') // '', qr/^\d+$/, 'then locked: Retry-After');

$t->done;
