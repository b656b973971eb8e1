#!/usr/bin/perl

# The zones' state files (ocs_sso_zone and ocs_auth_zone state=): a
# session logged off and an account locked stay so across a restart
# (they do not without state=); a file that is not a state file stops
# the start, naming it; a torn record at the end (a crash mid-write) is
# reported and what came before it still holds; a directory the
# workers cannot write gets a warning with the fix; on a full disk (a
# 64 KiB tmpfs of the test's own) the zone goes on in memory with one
# [error] line, and the file stays whole; a file grown past 1 MiB is
# written again by a thread.  The binary upgrade is in
# t/reload_load.t.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 29;

$t->users(alice => 'pw', mallory => 'pw2', bob => 'pw3',
          map { ($_ => "pw-$_") } qw(carol dave erin));
$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

mkdir $t->path('state');
chown((getpwnam('nobody'))[2], -1, $t->path('state')) if $< == 0;

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_zone ocs_sso:1m %%STATE_SSO%%;
    ocs_auth_zone ocs_auth:1m %%STATE_AUTH%%;

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

        location /app/ {
            ocs_auth forms;
            root %%TESTDIR%%;
        }
    }
}
EOF

sub conf {
    my ($sso, $auth) = @_;
    my $c = $conf;
    $c =~ s/%%STATE_SSO%%/$sso ? "state=$sso" : ''/e;
    $c =~ s/%%STATE_AUTH%%/$auth ? "state=$auth" : ''/e;
    return $c;
}

my $sso = $t->path('state/sso');
my $with = conf($sso, $t->path('state/auth'));

$t->run($with);

sub ticket {
    my ($jar) = @_;
    my $c = $t->jar_cookies($jar);
    my ($name) = grep { /ocs_ticket$/ } keys %$c;
    return "$name=$c->{$name}";
}

$t->signin('alice', 'pw', jar => 'a');
$t->signin('mallory', 'pw2', jar => 'm');
my $mallory = ticket('m');
my $token = $t->get('/ocs/logoff', jar => 'm')->field('csrf');
$t->post('/ocs/logoff', jar => 'm', form => [csrf => $token]);
$t->signin('bob', 'wrong', jar => "b$_") for 1 .. 2;

# a record of the state file that drops the key "x" (its layout is in
# core/src/ocs_journal.c): 56 bytes and the key, padded to 64
sub drop_record {
    my $body = pack('CCSL', 2, 0, 1, 0) . ("\0" x 40) . 'x' . ("\0" x 7);
    my $h;
    {
        use integer;
        $h = -3750763034362895579;            # FNV-1a's offset basis
        for my $c (unpack 'C*', $body) {
            $h ^= $c;
            $h *= 1099511628211;
        }
    }
    return pack('q', $h) . $body;
}

sub app { $t->get('/app/', headers => ["Cookie: $_[0]"])->status }

is(app($mallory), 302, 'the logged-off session is refused');
ok(-s $sso > 16, 'the state file has records (' . (-s $sso) . ' bytes)');

$t->stop;
$t->run($with);

is(app($mallory), 302, 'after a restart: the logged-off session is refused');
is($t->signin('bob', 'pw3', jar => 'b3')->status, 429,
   'after a restart: the lock holds');
is(app(ticket('a')), 200, 'and a live session goes on (the key file)');

# without the files, a restart forgets: what they are for
$t->stop;
$t->run(conf());
is(app($mallory), 200, 'without state=, a restart forgets the logoff');
$t->stop;

# a crash in the middle of a write leaves half a record at the end
open my $fh, '>>', $sso or die "$sso: $!\n";
print $fh "\x01\x02\x03\x04\x05\x06\x07\x08\x01\x00";
close $fh;

$t->run($with);
is(app($mallory), 302, 'after a torn write: the logoff before it holds');
like($t->error_log,
     qr/\[error\].*ocs_sso_zone "ocs_sso": state file ".*sso": a torn record at byte \d+; the 10 bytes from there are skipped/,
     'the torn record is reported at [error]');
is((-s $sso) % 8, 0, 'and the file is written again without it');
$t->stop;

# a file that has grown past 1 MiB and doubled is written again by a
# thread of the default pool (the debug log says when it is done):
# here 17,000 drops appended as another set of workers could, then one
# logoff, whose write finds the file so
{
    $t->run($with, main => 'error_log %%TESTDIR%%/debug.log debug;');

    open my $fh, '>>', $sso or die "$sso: $!\n";
    flock $fh, 2;
    syswrite $fh, drop_record() x 1000 for 1 .. 17;
    close $fh;

    my $big = -s $sso;
    my $ino = (stat $sso)[1];
    $t->signin('carol', 'pw-carol', jar => 'c');
    my $carol = ticket('c');
    my $csrf = $t->get('/ocs/logoff', jar => 'c')->field('csrf');
    $t->post('/ocs/logoff', jar => 'c', form => [csrf => $csrf]);

    # the rename is the worker's, once the thread has written the file
    for (1 .. 100) {
        last if ((stat $sso)[1] // $ino) != $ino;
        select undef, undef, undef, 0.1;
    }
    ok((stat $sso)[1] != $ino && -s $sso < $big / 10,
       'a grown file is written again, with the live entries only ('
       . (-s $sso) . " bytes, from $big)");

    SKIP: {
        my $why = 'this nginx has no debug log (built without '
                  . '--with-debug): whether a thread wrote it is not seen';
        my $debug = `$t->{nginx} -V 2>&1` =~ /--with-debug/;
        diag("SKIPPED: $why") unless $debug;
        skip $why, 1 unless $debug;

        like($t->read_file('debug.log') // '',
             qr/ocs state file ".*sso" written again/,
             'by a thread, finished by the worker (the debug log says)');
    }
    ok(!glob("$sso.new*"), 'no file of the job left beside it');
    is(app($carol), 302, 'a logoff made meanwhile holds');
    $t->stop;

    $t->run($with);
    ok(app($carol) == 302 && app($mallory) == 302,
       'after a restart, both logoffs hold: the new file reads back');
    $t->stop;
}

# a file that is not a state file: not overwritten, the start refused
my $other = $t->path('state/other');
$t->write_file('state/other', "user www-data;\n");
$t->config(conf($other));
my $out = `$t->{nginx} -p @{[$t->dir]}/ -c @{[$t->path('nginx.conf')]} 2>&1`;
isnt($?, 0, 'nginx does not start on a file that is not a state file');
like($out,
     qr/\[emerg\].*ocs_sso_zone "ocs_sso": ".*other" is not a state file of this version \(remove it, or name another file\)/,
     'saying which file, and what to do');
is($t->read_file('state/other'), "user www-data;\n", 'the file is untouched');

# that start's [emerg] was the point: not a problem for done()
$t->write_file('error.log',
               $t->error_log =~ s/^.*\[emerg\].*is not a state file.*\n//mr);

# a typo in the parameter
my ($ok, $why) = $t->try_config(conf(undef, undef) =~
                                s/ocs_sso:1m/ocs_sso:1m stat=x/r);
ok(!$ok && $why =~ /invalid ocs_sso_zone parameter "stat=x": use state=/,
   'nginx -t names a bad parameter');

SKIP: {
    skip 'the workers run as the tests\' user (not root): no other user',
         2 unless $< == 0;

    mkdir $t->path('rootdir');
    chmod 0755, $t->path('rootdir');
    $t->run(conf($t->path('rootdir/sso')));
    like($t->startup_log . $t->error_log,
         qr/\[warn\].*ocs_sso_zone "ocs_sso": the workers \(user "nobody"\) cannot write ".*rootdir\/", so they cannot write ".*sso" again as it grows: give them that directory \(chown nobody .*rootdir\/\)/,
         'a directory the workers cannot write: a warning with the fix');
    is(app(ticket('a')), 200, 'and the server runs');
    $t->stop;
}

# a full disk: the zone goes on in memory, one [error] line a minute
my $full = $t->tmpfs('full', '64k', 0777);

SKIP: {
    my $why = "$@: the full disk is not tried";
    diag("SKIPPED: $why") unless $full;
    skip $why, 7 unless $full;

    $t->run(conf("$full/sso"));

    my %tk;
    for my $u (qw(carol dave erin)) {
        $t->signin($u, "pw-$u", jar => $u);
        $tk{$u} = ticket($u);
    }

    sub logoff {
        my $csrf = $t->get('/ocs/logoff', jar => $_[0])->field('csrf');
        return $t->post('/ocs/logoff', jar => $_[0], form => [csrf => $csrf])
                 ->status;
    }

    my $done = logoff('carol');

    # the file's last page topped up with records of its own (drops of
    # a key no one has, as another set of workers could write), so that
    # the next record needs a page the full disk has not
    open my $fh, '>>', "$full/sso" or die "$full/sso: $!\n";
    flock $fh, 2;
    syswrite $fh, drop_record() while (-s $fh) + 64 <= 4096;
    close $fh;

    $t->fill($full);

    my $mark = length $t->error_log;
    ok(logoff('dave') == $done && logoff('erin') == $done,
       "logoffs on a full disk are answered as before ($done)");
    ok(app($tk{dave}) == 302 && app($tk{erin}) == 302,
       'and their sessions end (in memory)');

    my @lines = grep { /state file/ } split /\n/,
                substr($t->error_log, $mark);
    is(scalar(@lines), 1, 'one line for the two failed writes')
        or diag(join "\n", @lines);
    like($lines[0] // '',
         qr/\[error\].*ocs_sso_zone "ocs_sso": state file ".*sso": write\(\) failed: No space left on device \(the store goes on in memory/,
         'at [error], naming the file and the cause');
    is((-s "$full/sso") % 8, 0, 'no half record left in the file');
    $t->stop;

    unlink "$full/fill";
    $mark = length $t->error_log;
    $t->run(conf("$full/sso"));
    is(app($tk{carol}), 302,
       'after a restart: the logoff written before the disk filled holds');
    unlike(substr($t->error_log, $mark), qr/state file/,
           'and the file reads back whole');
    $t->stop;
}

# the state files may be named in a nested path relative to the prefix
($ok, $why) = $t->try_config(conf('state/rel', undef));
ok($ok, 'a relative state file is under the prefix') or diag($why);

$t->done;
