#!/usr/bin/perl

# Conference-key access (ocs_auth conference): a participant who holds a
# conference key gets that conference's content and nothing else.
# Digest (RFC 7616) with curl --digest for SHA-256 and MD5; curl 7.88
# (Debian 12) names SHA-512-256 but hashes it with SHA-256 (fixed in
# curl 8.8), so SHA-512-256, replays and stale nonces are tested with
# headers computed here with core Digest::SHA.  Wrong keys, another
# conference's path, garbage and oversized headers, the lockout, the
# key file written by tools/ocs-conference, and the participant's
# ticket from the join page refused on a CWA-like and an Address
# Book-like location.

use strict;
use warnings;

use lib 't/lib';
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex sha512256_hex);
use OCS::Test;
use OCS::Echo;
use Test::More;

my $t = OCS::Test->new;

my $tool = ($ENV{OCS_BUILD} || 'build') . '/ocs-conference';
plan(skip_all => "no $tool (make all)") unless -x $tool;

plan tests => 72;

$t->users(alice => 'alice-pw');
$t->keyfile('ticket.keys', 1);

my $realm = 'OCS conferences';
my $keys = $t->path('conference.keys');

my %key;

for (['m-1', '/Conf/Ext/m-1/,/sha512/m-1/,/md5/m-1/,/short/m-1/,/both/m-1/,'
            . '/idx/m-1/'],
     ['m-2', '/Conf/Ext/m-2/'], ['gone', '/Conf/Ext/gone/'])
{
    my ($id, $paths) = @$_;
    my $out = `$tool -r '$realm' -a SHA-256,SHA-512-256,MD5 -u https://meet.example.com/join $keys create $id $paths`;
    ($key{$id}) = $out =~ /^key: (\S+)$/m;
}

ok($key{'m-1'} && $key{'m-2'}, 'tool: keys printed');
my $file = $t->read_file('conference.keys');
ok($file !~ /\Q$key{'m-1'}\E/ && $file =~ /^m-1:OCS conferences:/m,
   'tool: the file holds no key');
like(`$tool $keys revoke gone`, qr/revoked/, 'tool: revoke');
chmod 0640, $keys;

# --- nginx -t -------------------------------------------------------------

sub conf_error {
    my ($loc) = @_;

    my ($ok, $out) = $t->try_config(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /c/ {
            $loc
        }
    }
}
EOF
    return ($ok, $out);
}

my ($ok, $out) = conf_error('ocs_auth conference;');
like($out, qr/"ocs_auth conference" needs "ocs_auth_conference_keys"/,
     'nginx -t: no key file');
($ok, $out) = conf_error("ocs_auth conference; ocs_auth_conference_keys "
                         . "$keys; ocs_auth_conference_digest SHA-1;");
like($out, qr/invalid algorithm "SHA-1"/, 'nginx -t: an unknown algorithm');
($ok, $out) = conf_error("ocs_auth conference; ocs_auth_conference_keys "
                         . "$keys; ocs_auth_conference_realm 'a\"b';");
like($out, qr/may not hold quotes/, 'nginx -t: a quote in the realm');
chmod 0644, $keys;
($ok, $out) = conf_error("ocs_auth conference; ocs_auth_conference_keys "
                         . "$keys;");
like($out, qr/readable by every user/, 'nginx -t: a key file others read');
chmod 0640, $keys;
($ok, $out) = conf_error("ocs_auth conference; ocs_auth_conference_keys "
                         . "$keys; ocs_auth_conference_digest SHA-256 MD5;");
ok($ok && $out =~ /\[warn\].*offers MD5/, 'nginx -t: MD5 warned about');

my $echo = OCS::Echo->new($t)->start;
mkdir $t->path('idx');
mkdir $t->path('idx/m-1');
$t->write_file('idx/m-1/index.html', "index\n");

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-OCS-User;
    ocs_auth_zone guard:1m;
    ocs_auth_conference_zone nonces:1m;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;
        ocs_auth_conference_keys %%TESTDIR%%/conference.keys;
        ocs_auth_conference_realm "OCS conferences";
        ocs_auth_lockout account=6 address=100 window=1m lock=1m;

        add_header X-Method $ocs_auth_method always;
        add_header X-User $ocs_user always;

        location = /ocs/signin {
            ocs_auth_signin;
        }

        location = /join {
            ocs_auth_conference_join;
        }

        location /Conf/Ext/ {
            ocs_auth conference;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /Conf/Ext/open/ {
                ocs_auth off;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /sha512/ {
            ocs_auth conference;
            ocs_auth_conference_digest SHA-512-256;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /md5/ {
            ocs_auth conference;
            ocs_auth_conference_digest MD5;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /md5/m-1/in/ {
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /both/ {
            ocs_auth conference;
            ocs_auth_conference_digest SHA-256 SHA-512-256;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /short/ {
            ocs_auth conference;
            ocs_auth_conference_nonce_timeout 1s;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        # static files: an index is an internal redirect
        location /idx/ {
            ocs_auth conference;
            root %%TESTDIR%%;
        }

        # a CWA-like and an Address Book-like service
        location /cwa/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /ABS/Ext/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
    }
}
EOF

# --- no key, curl --digest -------------------------------------------

my $r = $t->get('/Conf/Ext/m-1/slides.pptx');
is($r->status, 401, 'no key: 401');
my ($ch) = $r->headers('www-authenticate');
like($ch, qr/^Digest realm="OCS conferences", qop="auth", algorithm=SHA-256, nonce="[0-9a-f]{104}"/,
     'no key: a SHA-256 challenge');
like($ch, qr/userhash=true/, 'no key: userhash offered');

$r = digest('/Conf/Ext/m-1/slides.pptx', 'm-1', $key{'m-1'});
is($r->status, 200, 'curl --digest sha-256: 200');
like($r->body, qr/^X-OCS-User: anonymous:m-1\r?$/m,
     'curl --digest: the identity header marks a participant');
unlike($r->body, qr/^Authorization:/mi,
       'curl --digest: the key does not reach the upstream');
is($r->header('X-Method'), 'digest,anonymous',
   'curl --digest: $ocs_auth_method');

$r = digest('/Conf/Ext/m-1/slides.pptx', 'm-1', 'wrong-key');
is($r->status, 401, 'wrong key: 401');

$r = digest('/Conf/Ext/m-2/slides.pptx', 'm-1', $key{'m-1'});
is($r->status, 403, "another conference's path: 403");

$r = digest('/Conf/Ext/m-2/slides.pptx', 'm-2', $key{'m-2'});
is($r->status, 200, 'the other conference with its own key: 200');

$r = digest('/Conf/Ext/gone/slides.pptx', 'gone', $key{gone});
is($r->status, 401, 'a revoked conference: 401');

$r = digest('/md5/m-1/x', 'm-1', $key{'m-1'});
is($r->status, 200, 'curl --digest md5 where enabled: 200');

$r = digest('/md5/m-1/x', 'm-1', 'wrong-key');
is($r->status, 401, 'curl --digest md5, wrong key: 401');

is($t->get('/Conf/Ext/open/x')->status, 200,
   'ocs_auth off in a nested location');

# a nested location keeps its parent's ocs_auth and algorithms
$r = $t->get('/md5/m-1/in/x');
ok($r->status == 401 && $r->raw_headers =~ /algorithm=MD5/
   && $r->raw_headers !~ /algorithm=SHA-256/,
   'nested location: the parent\'s algorithm offered, alone');
is(digest('/md5/m-1/in/x', 'm-1', $key{'m-1'})->status, 200,
   'nested location: MD5 inherited, the key accepted');

# curl hashes SHA-512-256 right from 8.8 on; 7.88 uses SHA-256 for it
my ($major, $minor) = `curl --version` =~ /^curl (\d+)\.(\d+)/;
$r = digest('/sha512/m-1/x', 'm-1', $key{'m-1'});
is($r->status, ($major * 100 + $minor >= 808) ? 200 : 401,
   "curl --digest sha-512-256: as curl $major.$minor can");

$r = digest('/idx/m-1/', 'm-1', $key{'m-1'});
is($r->status, 200, 'an index after the key: 200');
is($r->body, "index\n", 'an index after the key: the file');

# --- the challenges, strongest first ------------------------------------

$r = $t->get('/both/m-1/');
my @ch = $r->headers('www-authenticate');
is(scalar(@ch), 2, 'two algorithms: two challenges');
like($ch[0], qr/algorithm=SHA-512-256/, 'two algorithms: the strongest first');
like($ch[1], qr/algorithm=SHA-256/, 'two algorithms: then SHA-256');

# --- hand-built headers: SHA-512-256, replays, stale -------------------

my $nonce = nonce('/sha512/m-1/a');
$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 1);
is($r->status, 200, 'sha-512-256 by hand: 200');

$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 1);
is($r->status, 401, 'nonce and nc replayed: 401');
unlike($r->header('www-authenticate') // '', qr/stale/,
       'replayed: not stale');

$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 3);
is($r->status, 200, 'nc 3 after 1: 200');
$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 2);
is($r->status, 200, 'nc 2 out of order: 200');

$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 4,
             userhash => 1);
is($r->status, 200, 'userhash: 200');

$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-256', $nonce, 5);
is($r->status, 400, 'an algorithm not offered: 400');

$r = by_hand('/sha512/m-1/a', 'm-1', $key{'m-1'}, 'SHA-512-256', $nonce, 6,
             uri => '/sha512/m-1/b');
is($r->status, 400, 'digest uri not the request target: 400');

$nonce = nonce('/short/m-1/a');
sleep 2;
$r = by_hand('/short/m-1/a', 'm-1', $key{'m-1'}, 'SHA-256', $nonce, 1);
is($r->status, 401, 'stale nonce: 401');
like($r->header('www-authenticate') // '', qr/, stale=true$/,
     'stale nonce: stale=true');

$r = by_hand('/short/m-1/a', 'm-1', 'wrong-key', 'SHA-256', $nonce, 2);
unlike($r->header('www-authenticate') // '', qr/stale/,
       'stale nonce, wrong key: not stale');

$r = $t->get('/sha512/m-1/a', headers => ['Authorization: Digest '
             . 'username="m-1", nonce="' . ('0' x 80) . '"']);
is($r->status, 400, 'required parameters missing: 400');

# --- garbage ---------------------------------------------------------------

for (['Digest', 'no parameters'],
     ['Digest username="m-1', 'unterminated quote'],
     ['Digest username="m-1", username="m-2"', 'duplicate parameter'],
     ['Digest username=m-1,,realm=x', 'empty element'],
     ['Digest username="' . ('x' x 5000) . '"', 'oversized'])
{
    my ($h, $name) = @$_;
    is($t->get('/Conf/Ext/m-1/x', headers => ["Authorization: $h"])->status,
       400, "garbage: $name");
}

is($t->get('/Conf/Ext/m-1/x', headers => ['Authorization: Basic bTox'])
   ->status, 401, 'another scheme: challenged');

# --- the lockout: by id and address ----------------------------------------

my @from = (curl => ['--interface', '127.0.0.3']);
digest('/Conf/Ext/m-2/x', 'm-2', 'wrong', @from) for 1 .. 6;
$r = digest('/Conf/Ext/m-2/x', 'm-2', $key{'m-2'}, @from);
is($r->status, 429, 'locked: even the right key refused');
is(digest('/Conf/Ext/m-2/x', 'm-2', $key{'m-2'})->status, 200,
   'locked: not from another address');

# --- the participant's ticket (join page) ---------------------------------

$r = $t->get('/join?c=m-1', jar => 'p');
is($r->status, 200, 'join page: 200');
is($r->field('c'), 'm-1', 'join page: the id from the link');

$r = join_post('p', 'm-1', 'wrong-key');
is($r->status, 303, 'join, wrong key: 303');
like($r->header('Location'), qr{^https://[^/]+/join\?e=1&c=m-1$},
     'join, wrong key: back');
is($t->get('/Conf/Ext/m-1/x', jar => 'p')->status, 401,
   'join, wrong key: no ticket');

$r = $t->post('/join', jar => 'p', form => [csrf => 'x', c => 'm-1',
                                             key => $key{'m-1'}]);
is($r->status, 403, 'join without the csrf token: 403');

$r = join_post('p', 'm-1', $key{'m-1'});
is($r->status, 303, 'join: 303');
like($r->header('Location'), qr{^https://[^/]+/Conf/Ext/m-1/$},
     'join: to the conference');
my $cookie = $r->set_cookie('__Host-ocs_ticket') // '';
ok($cookie && $cookie !~ /Max-Age|Expires/i,
   'join: a ticket that ends with the browser');

$r = $t->get('/Conf/Ext/m-1/x', jar => 'p',
             headers => ['Authorization: Basic bTox']);
is($r->status, 200, 'participant: its conference');
unlike($r->body, qr/^Authorization:/mi,
       'participant: no credentials reach the upstream');
like($r->body, qr/^X-OCS-User: anonymous:m-1\r?$/m,
     'participant: the identity header');
is($r->header('X-Method'), 'anonymous', 'participant: $ocs_auth_method');
is($t->get('/Conf/Ext/m-2/x', jar => 'p')->status, 403,
   "participant: not another conference's");
is($t->get('/cwa/', jar => 'p')->status, 403, 'participant: not CWA');
is($t->get('/ABS/Ext/Handler/x.lsabs', jar => 'p')->status, 403,
   'participant: not the Address Book');

$t->signin('alice', 'alice-pw', jar => 'a');
is($t->get('/cwa/', jar => 'a')->status, 200, 'a user: CWA');
is($t->get('/Conf/Ext/m-1/x', jar => 'a')->status, 403,
   "a user's ticket does not open a conference");

# --- the log ----------------------------------------------------------------

my $log = $t->error_log;
like($log, qr/ocs auth: conference "m-1" from 127\.0\.0\.1: wrong key/,
     'log: a wrong key');
like($log, qr/nc 00000001 used before/, 'log: a replay');
unlike($log, qr/\Q$key{'m-1'}\E|\Q$key{'m-2'}\E/, 'log: no key');

$t->done;


# the join form, posted as a browser would
sub join_post {
    my ($jar, $id, $key) = @_;

    my $csrf = $t->get("/join?c=$id", jar => $jar)->field('csrf');
    return $t->post('/join', jar => $jar,
                    form => [csrf => $csrf, c => $id, key => $key]);
}

# curl --digest: curl answers the server's challenge itself
sub digest {
    my ($uri, $user, $key, %o) = @_;

    return $t->get($uri, curl => ['--digest', '-u', "$user:$key",
                                  @{$o{curl} || []}]);
}

sub nonce {
    my ($uri) = @_;

    my ($ch) = $t->get($uri)->headers('www-authenticate');
    return $ch =~ /nonce="([^"]+)"/ ? $1 : '';
}

# an Authorization header computed here (RFC 7616 §3.4.1)
sub by_hand {
    my ($uri, $user, $key, $alg, $nonce, $nc, %o) = @_;

    my $h = $alg eq 'SHA-512-256' ? \&sha512256_hex
          : $alg eq 'MD5' ? \&md5_hex : \&sha256_hex;

    my $duri = $o{uri} || $uri;
    my $ncs = sprintf('%08x', $nc);
    my $cnonce = "cn$nc";
    my $ha1 = $h->("$user:$realm:$key");
    my $ha2 = $h->("GET:$duri");
    my $resp = $h->("$ha1:$nonce:$ncs:$cnonce:auth:$ha2");
    my $name = $o{userhash} ? $h->("$user:$realm") : $user;

    return $t->get($uri, headers => [
        "Authorization: Digest username=\"$name\", realm=\"$realm\", "
        . "uri=\"$duri\", algorithm=$alg, nonce=\"$nonce\", nc=$ncs, "
        . "cnonce=\"$cnonce\", qop=auth, response=\"$resp\""
        . ($o{userhash} ? ', userhash=true' : '')]);
}
