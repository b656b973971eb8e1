#!/usr/bin/perl

# Conference nonces across Apache processes, under mpm_prefork and
# mpm_event: a nonce handed out by one process is taken by another (its
# nc window is in the shared store, OCSConferenceStore), a replayed nc
# is refused whichever process gets it, and the windows survive a
# graceful restart (what logrotate does daily), as nginx's
# ocs_auth_conference_zone survives a reload.
#
# A nonce used in a process whose store lacks its window is answered
# stale=true: never let in unchecked.  So the replay checks hold with
# any store; with the shared one every process takes every nonce.

use strict;
use warnings;

use lib 't/lib';
use Digest::SHA qw(sha256_hex);
use OCS::Test;
use OCS::Test::Apache;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test::Apache->new;

my $tool = ($ENV{OCS_BUILD} || 'build') . '/ocs-conference';
plan(skip_all => "no $tool (make all)") unless -x $tool;

plan tests => 13;

my $realm = 'conference';
my $keyfile = $t->keyfile('ticket.keys', 1);
my $keys = $t->path('conference.keys');
my ($key) = `$tool $keys create m-1 /c/m-1/` =~ /^key: (\S+)$/m;
chmod 0640, $keys;
mkdir $t->path('htdocs');
mkdir $t->path('htdocs/c');
mkdir $t->path('htdocs/c/m-1');
$t->write_file('htdocs/c/m-1/x', "content\n");
chmod 0755, map { $t->path($_) } qw(htdocs/c htdocs/c/m-1);

my $conf = <<"EOF";
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keyfile
KeepAlive Off

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSConferenceKeys $keys

    <Location /c/>
        AuthType OCS-Conference
        Require valid-user
        # the replays below would lock the conference (as on nginx)
        OCSLockout off
    </Location>
</VirtualHost>
EOF

for my $mpm (qw(prefork event)) {
    $t->run($conf, mpm => $mpm);

    my @kids = $t->children;
    for (1 .. 50) {
        last if @kids >= 2;
        sleep 0.1;
        @kids = $t->children;
    }
    ok(@kids >= 2, "$mpm: more than one process");

    # KeepAlive Off: every request a new connection, to any process
    my @nonces = map { nonce() } 1 .. 8;
    my @first = map { by_hand($_, 1)->status } @nonces;

    is(scalar(grep { $_ == 200 } @first), 8,
       "$mpm: nonces taken by any process");

    # a nonce's nc let in once is never let in again, by any process
    my @taken = map { $nonces[$_] } grep { $first[$_] == 200 } 0 .. 7;
    is(scalar(grep { $_ == 200 } map { by_hand($_, 1)->status } @taken), 0,
       "$mpm: a replayed nc refused by every process");
    is(scalar(grep { $_ != 200 && $_ != 401 } @first), 0,
       "$mpm: never anything but 200 or a challenge");

    my $before = nonce();
    ok($t->reload, "$mpm: graceful restart");

    is(by_hand($before, 1)->status, 200,
       "$mpm: a nonce from before the restart");

    $t->stop;
}

$t->done;


sub nonce {
    my ($ch) = $t->get('/c/m-1/x')->headers('www-authenticate');
    return $ch =~ /nonce="([^"]+)"/ ? $1 : '';
}

sub by_hand {
    my ($nonce, $nc) = @_;

    my $ncs = sprintf('%08x', $nc);
    my $ha1 = sha256_hex("m-1:$realm:$key");
    my $ha2 = sha256_hex('GET:/c/m-1/x');
    my $resp = sha256_hex("$ha1:$nonce:$ncs:cn:auth:$ha2");

    return $t->get('/c/m-1/x', headers => [
        "Authorization: Digest username=\"m-1\", realm=\"$realm\", "
        . "uri=\"/c/m-1/x\", algorithm=SHA-256, nonce=\"$nonce\", "
        . "nc=$ncs, cnonce=\"cn\", qop=auth, response=\"$resp\""]);
}
