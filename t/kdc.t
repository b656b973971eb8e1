#!/usr/bin/perl

# OCS::Kdc, the harness's real MIT KDC: a private realm on 127.0.0.1,
# principals with passwords and with random keys, keytabs, kinit over TCP,
# the environment other processes need, stop by pid.

use strict;
use warnings;

use lib 't/lib';
use IO::Socket::INET;
use OCS::Test;
use OCS::Kdc;
use OCS::Run qw(capture);
use POSIX ();
use Test::More;

my $t = OCS::Test->new;
plan tests => 39;
my $kdc = OCS::Kdc->new($t);

my $etc = -e '/etc/krb5.conf' ? (stat _)[9] . '/' . -s _ : 'none';

# a client tool with nothing but $kdc->env: (exit code, output)
sub tool {
    my ($env, @cmd) = @_;

    return capture(cmd => \@cmd, setup => sub {
        delete $ENV{$_} for grep { /^KRB5/ } keys %ENV;
        @ENV{keys %$env} = values %$env;
    });
}

# the accessors and the configuration

is($kdc->realm, 'OCS.TEST', 'realm');
is($kdc->port, $t->port('kdc'), 'port by name');
isnt(OCS::Kdc->new($t, name => 'kdc2')->port, $kdc->port,
     'second kdc: its own port');

$kdc->start;

ok($kdc->pid && kill(0, $kdc->pid), 'running');
is(($kdc->start)->pid, $kdc->pid, 'start again while running: same');

my $conf = $t->read_file($kdc->krb5_conf);
like($conf, qr/^\s*kdc = 127\.0\.0\.1:${\ $kdc->port}$/m, 'kdc in conf');
like($conf, qr/^\s*udp_preference_limit = 1$/m, 'tcp only');
like($conf, qr/^\s*localhost = OCS\.TEST$/m, 'localhost in the realm');

my %env = $kdc->env;
is($env{KRB5_CONFIG}, $kdc->krb5_conf, 'env: krb5.conf');
is($env{KRB5_KDC_PROFILE}, $kdc->kdc_conf, 'env: kdc.conf');
is($env{KRB5CCNAME}, 'FILE:' . $kdc->dir . '/ccache', 'env: ccache');
ok(-d $env{KRB5RCACHEDIR}, 'env: replay cache dir');

ok(!IO::Socket::INET->new(LocalAddr => '127.0.0.1', Proto => 'udp',
                          LocalPort => $kdc->port), 'listens on udp too');

# principals and a keytab

$kdc->addprinc('alice@OCS.TEST', 'alice-pw');
$kdc->addprinc('sam', 'pass word: "with" quotes');
$kdc->addprinc('HTTP/localhost@OCS.TEST');

eval { $kdc->addprinc('alice', 'again') };
like($@, qr/already exists/, 'addprinc twice: dies');

my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost@OCS.TEST');
ok(-s $keytab, 'keytab written');

my ($rc, $out) = tool(\%env, 'klist', '-k', $keytab);
like($out, qr{^\s*1 HTTP/localhost\@OCS\.TEST$}m, 'klist -k: the service');

eval { $kdc->keytab('nobody.keytab', 'nobody') };
like($@, qr/ktadd nobody failed/, 'keytab of no principal: dies');

# kinit

($rc, $out) = $kdc->kinit('alice', 'alice-pw');
is($rc, 0, 'kinit alice') or diag($out);

($rc, $out) = tool(\%env, 'klist');
like($out, qr/^Default principal: alice\@OCS\.TEST$/m, 'klist: alice');
like($out, qr{\skrbtgt/OCS\.TEST\@OCS\.TEST$}m, 'klist: a tgt');

my $cc = $t->path('wrong.ccache');
($rc, $out) = $kdc->kinit('alice', 'wrong', ccache => $cc);
isnt($rc, 0, 'wrong password: refused');
like($out, qr/Password incorrect/, 'wrong password: reported');
ok(!-s $cc, 'wrong password: no ticket');

($rc, $out) = $kdc->kinit('nobody', 'x', ccache => $cc);
like($out, qr/not found in Kerberos database/, 'no such principal');

($rc, $out) = $kdc->kinit('sam', 'pass word: "with" quotes', ccache => $cc);
is($rc, 0, 'password with spaces and quotes') or diag($out);

# a service ticket for HTTP/localhost, over TCP, that the keytab opens

($rc, $out) = tool({ %env, KRB5_TRACE => '/dev/stdout' },
                   'kvno', '-k', $keytab, 'HTTP/localhost');
is($rc, 0, 'service ticket') or diag($out);
like($out, qr{^HTTP/localhost\@OCS\.TEST: kvno = 1, keytab entry valid$}m,
     'the keytab opens it');
like($out, qr/Sending TCP request to stream 127\.0\.0\.1:${\ $kdc->port}$/m,
     'over tcp');
unlike($out, qr/UDP/, 'not over udp');

like($kdc->kdc_log, qr/ISSUE: .* alice\@OCS\.TEST for HTTP\/localhost\@/,
     'kdc log: the ticket');
unlike($kdc->kdc_log, qr/\(Error\)/, 'kdc log: no errors');

# stop, start, the keys kept

my $pid = $kdc->pid;
$kdc->stop;
ok(!$kdc->pid, 'stopped');
ok(!kill(0, $pid), 'pid gone');
($rc) = $kdc->kinit('alice', 'alice-pw', ccache => $cc);
isnt($rc, 0, 'nothing answers');

$kdc->start;
isnt($kdc->pid, $pid, 'started again');
($rc, $out) = tool(\%env, 'kvno', '-k', $keytab, 'HTTP/localhost');
like($out, qr/keytab entry valid/, 'same keys after a restart');

$pid = $kdc->pid;
$kdc->stop;
ok(!kill(0, $pid), 'stopped again');

my $after = -e '/etc/krb5.conf' ? (stat _)[9] . '/' . -s _ : 'none';
is($after, $etc, '/etc/krb5.conf untouched');

$t->done;
