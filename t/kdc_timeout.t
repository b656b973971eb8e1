#!/usr/bin/perl

# Kerberos password checks against KDCs that do not answer: each KDC
# gets ocs_auth_kerberos_timeout for each request and is not asked
# again during the same sign-in, whichever way it is silent (UDP
# dropped, TCP held open, the KDC stopped, "response too big" with a
# silent TCP side), also for the service ticket that verifies the
# password.  Failover to a second KDC, and nginx answering meanwhile.
# A real MIT KDC; the silent ones are small Perl processes
# (OCS::KdcPeer).  libkrb5 alone waits 17 to 34 s in these cases.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::KdcPeer;
use OCS::Test;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);

my $t = OCS::Test->new;
plan tests => 45;
my $kdc = OCS::Kdc->new($t);

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

# as Active Directory does: two round trips for each password
my ($rc, $out) = $kdc->run('/usr/sbin/kadmin.local', '-r', $kdc->realm,
                           '-q', 'modprinc +requires_preauth alice');
die "kadmin: $out" if $rc != 0;

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env;
@ENV{keys %env} = values %env;

# the timeout, and what a loaded 2-core machine may add to it
my $TIMEOUT = 2;
my $SLACK = 4;

my %peer = (
    drop   => OCS::KdcPeer->new($t, name => 'drop', udp => 'drop'),
    hold   => OCS::KdcPeer->new($t, name => 'hold', tcp => 'hold'),
    silent => OCS::KdcPeer->new($t, name => 'silent', udp => 'drop',
                                tcp => 'hold'),
    big    => OCS::KdcPeer->new($t, name => 'big', udp => 'too_big',
                                tcp => 'hold'),
    relay  => OCS::KdcPeer->new($t, name => 'relay', udp => 'drop',
                                tcp => 'relay:2:' . $kdc->port),
);

$_->start for values %peer;

# what krb5.conf says for each, and the log quotes
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

        location = /ping {
            return 200 "pong\\n";
        }

        location /neg/ {
            ocs_auth forms;
            ocs_auth_negotiate on;
            ocs_auth_internal_networks 127.0.0.0/8;
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
        location / {
            return 200 "ok \$http_x_user\\n";
        }
    }
}
EOF

my $UNAVAILABLE = qr/\[error\].*Kerberos password check unavailable: Kerberos: the KDC: no KDC of realm "OCS.TEST" answered:/;
my $mark = 0;

# nginx again, its workers reading a krb5.conf that names these KDCs
# (an option hash first: tcp_first => 1)
sub kdcs {
    my $o = ref $_[0] ? shift : {};
    my ($name, @kdcs) = @_;

    $t->stop;
    $ENV{KRB5_CONFIG} = $kdc->client_conf("krb5-$name.conf", %$o,
                                          kdcs => \@kdcs);
    $t->run($conf, main => "env KRB5_CONFIG;\n");
    $mark = length $t->error_log;
}

# what the error log gained since the last kdcs()
sub new_log { return substr $t->error_log, $mark }

# a sign-in as alice: the response, and in list context how long it
# took in seconds, rounded for the test names
sub signin {
    my ($jar) = @_;
    my $start = time;
    my $r = $t->signin('alice', 'alice-pw', jar => $jar || 'j');
    return wantarray ? ($r, sprintf '%.1f', time - $start) : $r;
}

# (a) UDP dropped, TCP refused: the transport is TCP, a refusal is quick

kdcs('udp', $kdc{drop});
my ($r, $took) = signin();
is($r->status, 503, 'udp silent, tcp refused: 503');
ok($took < $TIMEOUT + $SLACK, "udp silent: answered in ${took}s");
like(new_log(), qr/$UNAVAILABLE "\Q$kdc{drop}\E" \(connection refused\)/,
     'udp silent: the KDC and the refusal logged');
is($peer{drop}->count, 0, 'udp silent: nothing sent over UDP');

# (b) TCP accepted and never answered

kdcs('tcp', $kdc{hold});
($r, $took) = signin();
is($r->status, 503, 'tcp silent: 503');
ok($took < $TIMEOUT + $SLACK, "tcp silent: answered in ${took}s");
ok($took > $TIMEOUT - 0.5, 'tcp silent: after the timeout, not before');
like(new_log(),
     qr/$UNAVAILABLE "\Q$kdc{hold}\E" \(no answer in 2000 ms\)/,
     'tcp silent: the KDC and the timeout logged');

# the event loop is free meanwhile: another request is answered at once

my $pid = fork;
die "fork: $!\n" unless defined $pid;

if ($pid == 0) {
    $t->signin('alice', 'alice-pw', jar => 'bg');
    POSIX::_exit(0);
}

select undef, undef, undef, 0.5;
my $start = time;
is($t->get('/ping')->body, "pong\n", 'tcp silent: nginx answers meanwhile');
ok(time - $start < 1.5, 'tcp silent: at once');
waitpid $pid, 0;

# (c) the KDC stopped: its sockets take connections, nothing answers

kdcs('stopped', $kdc{real});
$kdc->pause;
($r, $took) = signin();
$kdc->resume;
is($r->status, 503, 'KDC stopped: 503');
ok($took < $TIMEOUT + $SLACK, "KDC stopped: answered in ${took}s");
like(new_log(), qr/$UNAVAILABLE "\Q$kdc{real}\E" \(no answer in 2000 ms\)/,
     'KDC stopped: logged');
is(signin('back')->status, 303, 'KDC running again: signed in');

# (d) "response too big" over UDP, silent over TCP

kdcs('big', $kdc{big});
($r, $took) = signin();
is($r->status, 503, 'too big, then tcp silent: 503');
ok($took < $TIMEOUT + $SLACK, "too big: answered in ${took}s");
like(new_log(), qr/$UNAVAILABLE "\Q$kdc{big}\E" \(no answer/,
     'too big: logged');
is($peer{big}->count, 1, 'too big: one request, over TCP');

# (e) the first KDC silent, the second answers: the silent one costs
# the timeout once, not once per round trip or for the service ticket;
# with libkrb5's defaults, and TCP first as Active Directory sites set
# it (udp_preference_limit = 1), where libkrb5 waits 10 s for a TCP
# connection that was accepted

for my $tcp (0, 1) {
    my $how = $tcp ? 'tcp first' : 'udp first';
    my $silent = $peer{silent}->count;

    kdcs({ tcp_first => $tcp }, "failover-$tcp", $kdc{silent}, $kdc{real});
    ($r, $took) = signin("failover-$tcp");
    is($r->status, 303, "$how, first KDC silent: signed in by the second");
    ok($took < $TIMEOUT + $SLACK, "$how, first KDC silent: in ${took}s");
    is($t->get('/app/', jar => "failover-$tcp")->body, "ok alice\n",
       "$how, first KDC silent: the ticket works");
    is($peer{silent}->count - $silent, 1, "$how, first KDC silent: once");
    my $log = new_log();
    unlike($log, qr/\[error\]/, "$how, first KDC silent: no error");
    like($log,
         qr/\[warn\].*a KDC of realm "OCS.TEST" failed, another answered: "\Q$kdc{silent}\E" \(no answer in 2000 ms\)/,
         "$how, first KDC silent: the failover logged");
}

# both silent: each gets the timeout once, and both are named

kdcs('both', $kdc{silent}, $kdc{hold});
($r, $took) = signin();
is($r->status, 503, 'two KDCs silent: 503');
ok($took < 2 * $TIMEOUT + $SLACK, "two KDCs silent: answered in ${took}s");
like(new_log(),
     qr/$UNAVAILABLE "\Q$kdc{silent}\E" \(no answer in 2000 ms\), "\Q$kdc{hold}\E" \(no answer in 2000 ms\)/,
     'two KDCs silent: both named');

# a KDC that answers the password exchange and then goes silent: the
# service ticket that verifies it has the same deadline, and a KDC gone
# silent is not a wrong password

kdcs('verify', $kdc{relay});
($r, $took) = signin();
is($r->status, 503, 'silent for the service ticket: 503, not 401');
ok($took < $TIMEOUT + $SLACK, "silent for the service ticket: ${took}s");
like(new_log(), qr/$UNAVAILABLE "\Q$kdc{relay}\E" \(no answer/,
     'silent for the service ticket: logged as the KDC\'s fault');
unlike(new_log(), qr/sign-in refused|sign-in failed/,
       'silent for the service ticket: not a failed sign-in');

# nginx is fine afterwards

kdcs('real', $kdc{real});
is(signin('after')->status, 303, 'the real KDC: signed in');
is($t->get('/app/', jar => 'after')->body, "ok alice\n",
   'the real KDC: the ticket works');

# accepting a Negotiate token asks no KDC: the keytab decrypts it

($rc, $out) = $kdc->kinit('alice', 'alice-pw');
is($rc, 0, 'kinit alice') or diag($out);
($rc, $out) = $kdc->run('/usr/bin/kvno', 'HTTP/localhost');
is($rc, 0, 'a service ticket for the proxy, in the cache') or diag($out);

# the name in the URL makes the principal: HTTP/localhost
my $port = $t->port('https');

$kdc->pause;
$start = time;
$r = $t->get("https://localhost:$port/neg/", headers => ['Accept: text/html'],
             curl => ['--negotiate', '-u', ':',
                      '--resolve', "localhost:$port:127.0.0.1"]);
my $neg = time - $start;
$kdc->resume;
is($r->body, "ok alice\n", 'KDC stopped: a Negotiate token is accepted');
ok($neg < 2, 'KDC stopped: Negotiate at once');

unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$_->stop for values %peer;

$t->done;
