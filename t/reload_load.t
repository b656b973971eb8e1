#!/usr/bin/perl

# Under load (wrk on loopback, bounded): reloads with a rotated key
# ring, a binary upgrade (USR2, then QUIT to the old master) and a
# worker killed by SIGSEGV mid-traffic.  No authenticated request fails
# (every answer wrk gets is a 200), the master replaces the killed
# worker, and no revocation or lock is lost across the reloads and the
# crash: they live in the shared zones, which both keep.  A binary
# upgrade makes the zones afresh: their state files (state=) bring
# them back, and the logoffs made while both sets of workers serve
# count in the new set whichever set served them.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep time);

my $t = OCS::Test->new;

plan(skip_all => 'no wrk (tools/install-deps installs it)')
    unless grep { -x "$_/wrk" } split /:/, $ENV{PATH};
plan tests => 22;

$t->users(alice => 'pw', mallory => 'pw2', bob => 'pw3',
          map { ("eve$_" => "pw$_") } 1 .. 6);
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_zone ocs_sso:1m state=%%TESTDIR%%/state/sso;
    ocs_auth_zone ocs_auth:1m state=%%TESTDIR%%/state/auth;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_lockout account=2 lock=1h;
        }

        location = /ocs/logoff { ocs_logoff; }

        # what wrk asks for: a file behind the ticket, so that a worker
        # killed mid-traffic loses only its own clients' connections
        # (an upstream in the same nginx would answer 502 for them)
        location /app/ {
            ocs_auth forms;
            root %%TESTDIR%%;
        }

        location /who/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-User $ocs_user;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "app for $http_x_user\n"; }
    }
}
EOF

# an nginx built from an upstream tree opens logs/error.log under its
# prefix before it reads error_log: the new binary of the upgrade would
# say [alert] that it cannot
mkdir $t->path('logs');
chmod 0755, $t->path('logs');

# the workers write the state files again as they grow
mkdir $t->path('state');
chown((getpwnam('nobody'))[2], -1, $t->path('state')) if $< == 0;

mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

$t->run($conf, workers => 2);

is($t->signin('alice', 'pw', jar => 'a')->status, 303, 'alice signed in');
is($t->signin('mallory', 'pw2', jar => 'm')->status, 303,
   'mallory signed in');

# the ticket of a jar as a Cookie header
sub ticket {
    my ($jar) = @_;
    my $c = $t->jar_cookies($jar);
    my ($name) = grep { /ocs_ticket$/ } keys %$c;
    return "$name=$c->{$name}";
}

# mallory's session ends (her ticket kept to try again); bob's account
# is locked
my $mallory = ticket('m');
my $token = $t->get('/ocs/logoff', jar => 'm')->field('csrf');
$t->post('/ocs/logoff', jar => 'm', form => [csrf => $token]);
$t->signin('bob', 'wrong', jar => "b$_") for 1 .. 2;

sub still {
    my ($when) = @_;
    is($t->get('/app/', headers => ["Cookie: $mallory"])->status, 302,
       "$when: the revoked session is still refused");
    is($t->signin('bob', 'pw3', jar => 'b' . rand())->status, 429,
       "$when: the lock still holds");
}

still('before');

my $cookie = ticket('a');

my $out = $t->path('wrk.out');
my $url = $t->url('/app/');
my $wrk = fork;
die "cannot fork: $!\n" unless defined $wrk;

if ($wrk == 0) {
    open STDOUT, '>', $out or POSIX::_exit(1);
    open STDERR, '>&', \*STDOUT;
    { exec 'wrk', '-t1', '-c4', '-d12s', '--timeout', '5s',
         '-H', "Cookie: $cookie", $url; }
    POSIX::_exit(1);
}

sleep 1;

# three reloads, a new first key each time, the old ones kept
my $reloaded = 0;
for (1 .. 3) {
    my $keys = $t->read_file('ticket.keys');
    $t->write_file('ticket.keys', `openssl rand -base64 32` . $keys, 0600);
    $reloaded += $t->reload ? 1 : 0;
    sleep 0.5;
}
is($reloaded, 3, 'three reloads with rotated keys under load');
still('after the reloads');

# sessions to end while both sets of workers serve
my @eve;
for (1 .. 6) {
    $t->signin("eve$_", "pw$_", jar => "e$_");
    push @eve, ticket("e$_");
}

# a binary upgrade: USR2 starts a new master, QUIT ends the old one
my $old = $t->{pid};
kill 'USR2', $old;

my $deadline = time + 10;
while (time < $deadline) {
    last if -s $t->path('nginx.pid.oldbin') && -s $t->path('nginx.pid')
            && $t->read_file('nginx.pid') !~ /^\Q$old\E\b/;
    sleep 0.05;
}

my $new = $t->read_file('nginx.pid') =~ /(\d+)/ ? $1 : 0;
ok($new && $new != $old, 'USR2: a new master');

# its workers up before the old master goes
$deadline = time + 10;
sleep 0.1 while time < $deadline && scalar(my @w = workers($new)) < 2;

# logoffs on new connections: both sets serve them, each its share
for (1 .. 6) {
    my $csrf = $t->get('/ocs/logoff', jar => "e$_")->field('csrf');
    $t->post('/ocs/logoff', jar => "e$_", form => [csrf => $csrf]);
}

kill 'QUIT', $old;
$deadline = time + 10;
sleep 0.05 while time < $deadline && kill 0, $old;
ok(!kill(0, $old), 'the old master is gone');
$t->{pid} = $new;

still('after the binary upgrade');
is(scalar(grep { $t->get('/app/', headers => ["Cookie: $_"])->status == 302 }
          @eve), 6,
   'the 6 sessions ended while both sets served stay ended');

# what the rest checks must hold from here on: made again
$token = $t->get('/ocs/logoff', headers => ["Cookie: $mallory"])
         ->field('csrf');
$t->post('/ocs/logoff', headers => ["Cookie: $mallory"],
         form => [csrf => $token]);
$t->signin('bob', 'wrong', jar => "b$_") for 3 .. 4;
still('again, before the crash');

# a worker dies by SIGSEGV mid-traffic; the master starts another
sleep 1;
my @workers = workers($new);
kill 'SEGV', $workers[0] if @workers;

my @after;
$deadline = time + 10;
while (time < $deadline) {
    @after = workers($new);
    last if @after == 2 && !grep { $_ == $workers[0] } @after;
    sleep 0.1;
}

ok(@workers == 2 && @after == 2 && !grep({ $_ == $workers[0] } @after),
   'a worker killed by SIGSEGV is replaced');

waitpid $wrk, 0;
my $report = $t->read_file($out);

my ($requests) = $report =~ /(\d+) requests in/;
my ($non2xx) = $report =~ /Non-2xx or 3xx responses: (\d+)/;
ok(($requests // 0) > 100, 'wrk made ' . ($requests // 0) . ' requests')
    or diag($report);
is($non2xx // 0, 0, 'no authenticated request failed (every answer a 200)')
    or diag($report);
diag('socket errors (connections closed by reloads and the killed '
     . "worker): $1") if $report =~ /Socket errors: (.*)/;

still('after the crash');

is($t->get('/who/', jar => 'a')->body, "app for alice\n",
   'the ticket sealed with the old key still opens');

my @segv = grep { /exited on signal 11/ } split /\n/, $t->error_log;
is(scalar @segv, 1, 'the crash is in the log, once');

# the one crash is this test's own doing: not a problem of the module;
# nor is the master's word that the killed worker held a zone's lock
# (it was killed inside it, which a slowed server makes likelier), which
# it takes back
my $killed = $workers[0];
my @rest = grep { !/exited on signal 11/
                  && !/shared memory zone "\w+" was locked by $killed$/
                  && /\[alert\]|\[emerg\]/ }
           split /\n/, $t->error_log;
is_deeply(\@rest, [], 'no other alert');

$t->stop;
done_testing();

# the worker processes of a master
sub workers {
    my ($master) = @_;
    my @w;
    opendir(my $dh, '/proc') or return ();
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open(my $fh, '<', "/proc/$p/stat") or next;
        my $stat = <$fh> // '';
        close $fh;
        push @w, $p if $stat =~ /^\d+ \(nginx\) \S (\d+)/ && $1 == $master;
    }
    closedir $dh;
    return sort { $a <=> $b } @w;
}
