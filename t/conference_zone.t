#!/usr/bin/perl

# A full ocs_auth_conference_zone: every request without a key gets a
# nonce and its nc window, so a flood of them fills the zone.  The
# oldest windows are dropped: their nonces are answered stale=true (the
# client retries, never let in unchecked), while a fresh nonce works and
# is still checked for replays (the zone never refuses everyone), and
# the lockout's counts in ocs_auth_zone are not touched.

use strict;
use warnings;

use lib 't/lib';
use Digest::SHA qw(sha256_hex);
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;

my $tool = ($ENV{OCS_BUILD} || 'build') . '/ocs-conference';
plan(skip_all => "no $tool (make all)") unless -x $tool;

plan tests => 10;

$t->keyfile('ticket.keys', 1);

my $realm = 'conference';
my $keys = $t->path('conference.keys');
my ($key) = `$tool $keys create m-1 /c/m-1/` =~ /^key: (\S+)$/m;
chmod 0640, $keys;
mkdir $t->path('c');
mkdir $t->path('c/m-1');
$t->write_file('c/m-1/x', "content\n");

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_conference_zone nonces:32k;
    ocs_auth_zone guard:1m;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        root %%TESTDIR%%;
        ocs_auth_conference_keys %%TESTDIR%%/conference.keys;
        ocs_auth_lockout account=2 address=100 window=1m lock=1m;

        location /c/ {
            ocs_auth conference;
        }
    }
}
EOF

my $old = nonce();
is(by_hand($old, 1)->status, 200, 'a nonce before the flood: 200');

# a failure before the flood (after the success, which restarts the
# count): one more locks the id from this address
is(by_hand(nonce(), 1, 'wrong')->status, 401, 'a wrong key before the flood');

# 2000 requests without a key on one connection: 2000 windows
my $url = 'https://127.0.0.1:' . $t->port('https') . '/c/m-1/x';
open my $list, '>', $t->path('urls') or die "urls: $!\n";
print $list "url = \"$url\"\noutput = \"/dev/null\"\n" x 2000;
close $list;
my $codes = `curl -sk -K ${\ $t->path('urls')} -w '%{http_code}\\n'`;
is(() = $codes =~ /^401$/mg, 2000, 'the flood: 2000 challenges');

my $r = by_hand($old, 2);
is($r->status, 401, 'after the flood, the old nonce: 401');
like($r->header('www-authenticate') // '', qr/stale=true/,
     'after the flood, the old nonce: stale=true');

# from another address (the lock below is this one's)
my @other = ('--interface', '127.0.0.2');
my $new = nonce();
is(by_hand($new, 1, undef, @other)->status, 200,
   'a fresh nonce after the flood: 200');
is(by_hand($new, 1, undef, @other)->status, 401,
   'a fresh nonce: still checked for replays');

# the second failure from this address: the count from before the flood
is(by_hand(nonce(), 1, 'wrong')->status, 401, 'a wrong key after the flood');
is(by_hand(nonce(), 1)->status, 429, 'the lockout count survived the flood');

$t->done;


sub nonce {
    my ($ch) = $t->get('/c/m-1/x')->headers('www-authenticate');
    return $ch =~ /nonce="([^"]+)"/ ? $1 : '';
}

sub by_hand {
    my ($nonce, $nc, $k, @curl) = @_;

    my $ncs = sprintf('%08x', $nc);
    my $ha1 = sha256_hex("m-1:$realm:" . ($k // $key));
    my $ha2 = sha256_hex('GET:/c/m-1/x');
    my $resp = sha256_hex("$ha1:$nonce:$ncs:cn:auth:$ha2");

    return $t->get('/c/m-1/x', curl => \@curl, headers => [
        "Authorization: Digest username=\"m-1\", realm=\"$realm\", "
        . "uri=\"/c/m-1/x\", algorithm=SHA-256, nonce=\"$nonce\", "
        . "nc=$ncs, cnonce=\"cn\", qop=auth, response=\"$resp\""]);
}
