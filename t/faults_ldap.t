#!/usr/bin/perl

# The directory misbehaving in every way but silence (t/ldap_timeout.t
# has the silent and stopped ones): refusing connections, answering
# noise, dropping the connection mid-answer, answering slowly within the
# timeout and beyond it.  Each: a clear 503 page within the timeouts and
# one [error] line naming the directory, or the sign-in itself when the
# answer comes in time; signed-in users go on; a directory that comes
# back is used again without a reload; no pool thread is left stuck.
# A reload while a sign-in waits on a slow directory: the old worker
# stays until the sign-in is done (no "open socket left" alert).

use strict;
use warnings;

use lib 't/lib';
use OCS::BadPeer;
use OCS::Slapd;
use OCS::Test;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = OCS::Test->new;
plan tests => 28;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

my %peer = (
    refused  => OCS::BadPeer->new(mode => 'refuse'),
    garbage  => OCS::BadPeer->new(mode => 'garbage'),
    cut      => OCS::BadPeer->new(mode => 'cut'),
    slow_ok  => OCS::BadPeer->new(mode => 'slow', delay => 0.3,
                                  to => $ldap->port('ldap')),
    slow_bad => OCS::BadPeer->new(mode => 'slow', delay => 3,
                                  to => $ldap->port('ldap')),
    reload   => OCS::BadPeer->new(mode => 'slow', delay => 0.6, tell => 1,
                                  to => $ldap->port('ldap')),
);

# a directory that is down now and comes back later on the same port
my $back = OCS::BadPeer->new(mode => 'refuse');

my $common = 'connect_timeout 1s; timeout 2s; '
    . 'bind_dn "' . $ldap->bind_dn . '"; bind_password_file '
    . $ldap->bind_password_file . '; base "dc=contoso,dc=com"; '
    . 'filter "(objectClass=inetOrgPerson)";';

my $dirs = join "\n", map {
    "    ocs_ldap_directory $_ { url ldap://127.0.0.1:" . $peer{$_}->port
    . "; $common }"
} sort keys %peer;

$dirs .= "\n    ocs_ldap_directory healthy { url " . $ldap->url('ldap')
         . "; $common }";
$dirs .= "\n    ocs_ldap_directory back { url ldap://127.0.0.1:"
         . $back->port . "; $common }";

my $signins = join "\n", map {
    "        location = /$_/signin { ocs_auth_signin; ocs_auth_ldap $_; }"
} sort(keys %peer), 'healthy', 'back';

$t->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
$dirs

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_signin_url /healthy/signin;
$signins

        # the directory re-checks signed-in users against one that
        # answers noise: the users go on
        location /app/ {
            ocs_auth forms;
            ocs_auth_ldap garbage;
            ocs_auth_recheck 1s;
            ocs_sso_identity_header X-Ocs-User;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "app for \$http_x_ocs_user\\n"; }
    }
}
EOF

# slack for a loaded machine on top of each bound; never a lower bound
my $SLACK = 4;

sub timed_signin {
    my ($dir, $jar) = @_;

    $jar //= "$dir-" . rand();
    my $page = $t->get("/$dir/signin", jar => $jar);
    my $start = time;
    my $r = $t->post("/$dir/signin", jar => $jar, timeout => 60,
                     form => [csrf => $page->field('csrf'),
                              r => $page->field('r'), username => 'alice',
                              password => 'alice-pw', computer => 'public']);
    return ($r, time - $start);
}

# a signed-in user, before anything goes wrong
my ($r) = timed_signin('healthy', 'user');
is($r->status, 303, 'healthy directory: signed in');

for my $case (['refused', 'connection refused', 1],
              ['garbage', 'noise for an answer', 3],
              ['cut', 'the answer cut off', 3],
              ['slow_bad', 'answers after the timeout', 3])
{
    my ($dir, $what, $bound) = @$case;
    my $mark = length $t->error_log;
    my ($r, $took) = timed_signin($dir);

    is($r->status, 503, "$what: 503");
    like($r->body, qr/cannot be reached/, "$what: the page says so");
    ok($took < $bound + $SLACK, "$what: answered in "
       . sprintf('%.1f', $took) . 's');

    my @lines = grep { /\[error\].*directory "$dir" unavailable/ }
                split /\n/, substr($t->error_log, $mark);
    is(scalar @lines, 1, "$what: one [error] line names the directory")
        or diag(substr($t->error_log, $mark));
}

($r, my $took) = timed_signin('slow_ok');
is($r->status, 303, 'slow within the timeout: signed in');

# the signed-in user's re-check meets the noisy directory: served
sleep 1.2;
$r = $t->get('/app/x', jar => 'user');
is($r->status, 200, 're-check against noise: the user goes on');
like($r->body, qr/app for alice/, 're-check against noise: as alice');

# the directory comes back on its port: used without a reload
($r) = timed_signin('back');
is($r->status, 503, 'a directory down: 503');

my $up = OCS::BadPeer->new(mode => 'slow', delay => 0, port => $back->port,
                           to => $ldap->port('ldap'));
($r) = timed_signin('back');
is($r->status, 303, 'the directory back: signed in without a reload');

# nothing stuck: sign-ins keep coming through the pool at once
my $all = 1;
for my $i (1 .. 6) {
    my ($r, $took) = timed_signin('healthy');
    $all &&= $r->status == 303 && $took < 1 + $SLACK;
}
ok($all, 'after the faults: six sign-ins in a row, each prompt');

# a reload while a sign-in waits in a pool thread on the directory:
# the old worker is told to leave once the directory has the request
# and its answer is held back, and must finish the sign-in first
{
    my $jar = 'reload-' . rand();
    my $page = $t->get('/reload/signin', jar => $jar);
    my $mark = length $t->error_log;
    my $before = $peer{reload}->accepted;
    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        my $r = $t->post('/reload/signin', jar => $jar, timeout => 60,
                         form => [csrf => $page->field('csrf'),
                                  r => $page->field('r'),
                                  username => 'alice', password => 'alice-pw',
                                  computer => 'public']);
        POSIX::_exit($r->status == 303 ? 0 : 1);
    }
    my $deadline = time + 30;
    sleep 0.02 while time < $deadline && $peer{reload}->accepted == $before;
    ok($t->reload, 'reloaded while the sign-in waits on the directory');
    waitpid $pid, 0;
    is($? >> 8, 0, 'the sign-in in the old worker ends with its 303');
    unlike(substr($t->error_log, $mark), qr/open socket|\[alert\]/,
           'the old worker waited for it: no alert');
}

unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$_->stop for values %peer;
$up->stop;
$t->done;
