#!/usr/bin/perl

# Kerberos password checks against KDCs that answer badly (the silent
# and stopped ones are in t/kdc_timeout.t): noise over UDP, noise over
# TCP, an answer cut off mid-way over TCP.  Each: 503 within the
# timeout, one [error] line naming the KDC, nothing read as a verdict
# on the password; a second, real KDC is used after a bad first one;
# signed-in users go on meanwhile, and a good KDC later signs in without
# a reload.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::KdcPeer;
use OCS::Test;
use Test::More;
use Time::HiRes qw(time);

my $t = OCS::Test->new;
plan tests => 20;
my $kdc = OCS::Kdc->new($t);

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env;
@ENV{keys %env} = values %env;

my $TIMEOUT = 2;
my $SLACK = 4;

my %peer = (
    udp_noise => OCS::KdcPeer->new($t, name => 'udp_noise',
                                   udp => 'garbage'),
    tcp_noise => OCS::KdcPeer->new($t, name => 'tcp_noise',
                                   udp => 'too_big', tcp => 'garbage'),
    tcp_cut   => OCS::KdcPeer->new($t, name => 'tcp_cut',
                                   udp => 'too_big', tcp => 'cut'),
);

$_->start for values %peer;

my %kdc = map { $_ => '127.0.0.1:' . $peer{$_}->port } keys %peer;
$kdc{real} = $kdc->kdc;

my $conf = <<"EOF";
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-User \$ocs_user;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_kerberos_password on;
            ocs_auth_kerberos_timeout ${TIMEOUT}s;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "ok \$http_x_user\\n"; }
    }
}
EOF

my $mark = 0;

# nginx again, its workers reading a krb5.conf that names these KDCs;
# the ticket file survives: tickets do not depend on the KDC
sub kdcs {
    my ($name, @kdcs) = @_;

    $t->stop;
    $ENV{KRB5_CONFIG} = $kdc->client_conf("krb5-$name.conf", kdcs => \@kdcs);
    $t->run($conf, main => "env KRB5_CONFIG;\n");
    $mark = length $t->error_log;
}

sub new_log { return substr $t->error_log, $mark }

sub signin {
    my ($jar) = @_;
    my $start = time;
    my $r = $t->signin('alice', 'alice-pw', jar => $jar || 'j' . rand());
    return ($r, sprintf '%.1f', time - $start);
}

# a signed-in user first, with the real KDC
kdcs('real', $kdc{real});
my ($r) = signin('user');
is($r->status, 303, 'the real KDC: signed in');

for my $case (['udp_noise', 'noise over UDP'],
              ['tcp_noise', 'noise over TCP'],
              ['tcp_cut', 'an answer cut off over TCP'])
{
    my ($name, $what) = @$case;

    kdcs($name, $kdc{$name});
    my ($r, $took) = signin();

    is($r->status, 503, "$what: 503");
    ok($took < $TIMEOUT + $SLACK, "$what: answered in ${took}s");

    my @lines = grep { /\[error\].*Kerberos password check unavailable.*\Q$kdc{$name}\E/ }
                split /\n/, new_log();
    is(scalar @lines, 1, "$what: one [error] line names the KDC")
        or diag(new_log());
    unlike(new_log(), qr/sign-in refused|sign-in failed/,
           "$what: not taken for a wrong password");

    is($t->get('/app/', jar => 'user')->body, "ok alice\n",
       "$what: the signed-in user goes on");
}

# a bad KDC first, the real one second: signed in by the second
kdcs('failover', $kdc{tcp_noise}, $kdc{real});
($r, my $took) = signin('failover');
is($r->status, 303, 'noise over TCP first, the real KDC second: signed in');
is($t->get('/app/', jar => 'failover')->body, "ok alice\n",
   'failover: the ticket works');

unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$_->stop for values %peer;
$t->done;
