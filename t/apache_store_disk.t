#!/usr/bin/perl

# Apache's stores when slotmem's saved copy is lost.  mod_slotmem_shm
# removes a copy it could not write whole (a full disk) without a word,
# and the next start finds the store empty.  The module notes each
# store's size beside the copy (ocs-*.made), so that start knows the
# revocations are gone: it says so at error and revokes every session
# that started before it, so that no signed-out ticket opens again.
# Shown with a damaged copy, on a full file system (a tmpfs of the
# test's own as DefaultRuntimeDir, when mount is allowed), and with a
# note that cannot be written.  A first start says nothing.
# OCSStoreDir puts the files in a directory of their own, so that a
# reboot that empties DefaultRuntimeDir keeps the stores; apachectl -t
# refuses one that is not a directory.  Tickets come from nginx (same
# key file).

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 31;

$n->users(alice => 'pw', bob => 'pw2');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

my $COOKIE = '__Host-ocs_ticket';
my $COPY = 'slotmem-shm-ocs-sessions.shm.persist';

# the configuration, with DefaultRuntimeDir at rt when given, and more
# directives
sub start {
    my ($rt, $extra) = @_;
    $extra //= '';

    $a->config(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys
$extra
OCSSessionStore 64k
OCSLockoutStore 8k
OCSConferenceStore 8k

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>
</VirtualHost>
EOF

    if (defined $rt) {
        my $c = $a->read_file('httpd.conf');
        $c =~ s/^DefaultRuntimeDir .*$/DefaultRuntimeDir "$rt"/m;
        $a->write_file('httpd.conf', $c);
    }

    $a->run;
}

sub ticket {
    my ($user, $pw, $jar) = @_;
    $n->signin($user, $pw, jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
}

sub status { $a->get('/app/index.html', jar => $_[0])->status }

sub logoff {
    $a->get('/ocs/logoff', jar => $_[0],
            headers => ['Sec-Fetch-Site: same-origin'])->status;
}

# the lines that say OCSSessionStore lost its revocations
sub lost {
    my @l = $a->error_log
        =~ /^(.*ocs: OCSSessionStore starts without its revocations.*)$/mg;
    return @l;
}

mkdir $a->path('htdocs');
mkdir $a->path('htdocs/app');
$a->write_file('htdocs/app/index.html', "app\n");

# the first start: nothing was lost, the size is noted
start();
is(scalar lost(), 0, 'a first start: nothing said');
is($a->read_file('ocs-sessions.made'), "size 65536\n",
   "the store's size noted beside slotmem's copy");

ticket('alice', 'pw', 'a');
$a->copy_jar('a', 'a-copy');
ticket('bob', 'pw2', 'b');
is(logoff('a'), 200, 'alice signs out');
is(status('a-copy'), 302, 'her ticket is refused');

# a damaged copy: slotmem's sum does not match, the store starts empty
$a->stop;
my $copy = $a->read_file($COPY);
ok(length($copy) > 65536, "slotmem saved the store at the stop");
substr($copy, 1000, 1) = chr(ord(substr($copy, 1000, 1)) ^ 0xff);
$a->write_file($COPY, $copy);

start();
my @l = lost();
is(scalar @l, 1, 'a damaged copy: said once');
like($l[0] // '', qr/\[auth_ocs:error\].*OCSSessionStore starts without its revocations: its saved copy ".*\Q$COPY\E" was not written when Apache last stopped or restarted \(a full disk\? slotmem does not say\), or it is damaged or was removed; every session that started before now is revoked, so that no signed-out ticket opens again \(every user signs in again\)/,
     'at error, naming the copy and what was done');
is(status('a-copy'), 302, 'the signed-out ticket stays refused');
is(status('b'), 302, 'a session from before is revoked too');
ticket('bob', 'pw2', 'b2');
is(status('b2'), 200, 'signing in again works');

# the revocation of everyone is a record like another: it is kept
ok($a->reload, 'a graceful restart');
is(scalar lost(), 1, 'the copy loads again: nothing more said');
ok(status('b') == 302 && status('b2') == 200,
   'the sessions from before stay revoked, the new one goes on');

# a note that cannot be written: said, and the server runs
$a->stop;
unlink $a->path('ocs-sessions.made');
mkdir $a->path('ocs-sessions.made');
start();
like($a->error_log, qr/\[auth_ocs:warn\].*ocs: cannot write ".*ocs-sessions\.made": should OCSSessionStore lose its saved copy, the next start would not know it/,
     'a note that cannot be written: a warning');
is(status('b2'), 200, 'and the server runs');
$a->stop;
rmdir $a->path('ocs-sessions.made');

# a full file system under DefaultRuntimeDir
my $rt = $a->tmpfs('rt', '512k');

SKIP: {
    my $why = "$@: the full disk is not tried";
    diag("SKIPPED: $why") unless $rt;
    skip $why, 9 unless $rt;

    start($rt);
    my $before = lost();
    ticket('alice', 'pw', 'c');
    $a->copy_jar('c', 'c-copy');
    ticket('bob', 'pw2', 'd');
    logoff('c');
    is(status('c-copy'), 302, 'full disk: a sign-out before');
    $a->stop;

    # slotmem writes its copy over the one it loaded, in place, so a
    # full disk hurts only a copy made anew (the first start in the
    # directory, a larger store): the copy goes, then all but four
    # pages of the disk
    unlink "$rt/$COPY";
    $a->fill($rt, 16384);

    start($rt);
    @l = lost();
    is(scalar @l, $before + 1, 'full disk: the start says so, once');
    like($l[-1] // '', qr/\[auth_ocs:error\].*its saved copy "\Q$rt\/$COPY\E" was not written/,
         'at error, naming the copy');
    ok(status('c-copy') == 302 && status('d') == 302,
       'full disk: the signed-out ticket and the others from before are '
       . 'refused');
    ticket('bob', 'pw2', 'e');
    is(status('e'), 200, 'full disk: signing in works');

    $a->stop;
    ok(!-e "$rt/$COPY", 'full disk: slotmem could not save the store and '
                        . 'left no copy (its log says nothing)');

    # room again: the lost copy is said, the next one is saved
    unlink "$rt/fill";
    start($rt);
    is(scalar lost(), $before + 2, 'room again: the lost copy said');
    is(status('e'), 302, 'the session of the run whose copy was lost is '
                         . 'revoked');
    ticket('bob', 'pw2', 'g');
    $a->stop;
    start($rt);
    ok(scalar lost() == $before + 2 && status('g') == 200,
       'room again: the copy saved and loaded, nothing more said');
    $a->stop;
}

# OCSStoreDir: the stores' files in a directory of their own
my ($ok, $out) = $a->try_config(<<"EOF");
OCSKeyFile $keys
OCSStoreDir %%TESTDIR%%/nowhere
EOF
ok(!$ok && $out =~ /OCSStoreDir ".*\/nowhere" is not a directory: make it, for root alone \(install -d -m 0700 .*\/nowhere\)/,
   'OCSStoreDir: not a directory, refused with the fix');
($ok, $out) = $a->try_config(<<"EOF");
OCSKeyFile $keys
<VirtualHost 127.0.0.1:1>
OCSStoreDir %%TESTDIR%%
</VirtualHost>
EOF
like($out, qr/OCSStoreDir belongs in the main server configuration/,
     'OCSStoreDir: in a virtual host, refused');

my $sd = $a->path('stores');
mkdir $sd, 0700;
start(undef, 'OCSStoreDir stores');
ticket('alice', 'pw', 'h');
$a->copy_jar('h', 'h-copy');
ticket('bob', 'pw2', 'k');
logoff('h');
ok($a->reload, 'OCSStoreDir: a graceful restart');
ok(status('h-copy') == 302 && status('k') == 200,
   'OCSStoreDir: the store kept across it');
$a->stop;
ok(-s "$sd/ocs-sessions.persist" && -s "$sd/ocs-sessions.made",
   "OCSStoreDir: the saved copy and the note are there");

# a reboot empties the runtime directory: the stores come back whole
unlink glob($a->path('slotmem-shm-*')), glob($a->path('ocs-*.made'));
my $said = lost();
start(undef, 'OCSStoreDir stores');
ok(status('h-copy') == 302 && status('k') == 200 && lost() == $said,
   'OCSStoreDir: the runtime directory emptied, nothing lost, nothing '
   . 'said');

$n->stop;
$a->done;
