#!/usr/bin/perl

# Conference-key access on Apache (AuthType OCS-Conference), answered as
# nginx answers t/conference.t: Digest (RFC 7616) with curl --digest and
# with headers computed here (SHA-512-256, replays, stale nonces), wrong
# keys, another conference's path, garbage, apachectl -t errors, the
# join page and its participant's ticket refused in OCS-Forms
# directories, and a user's ticket (from nginx, same key file) refused
# at a conference.
#
# The nonces live in the shared store (OCSConferenceStore): any process
# takes any nonce (t/apache_conference_mpm.t).

use strict;
use warnings;

use lib 't/lib';
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex sha512256_hex);
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Apache->new;

my $tool = ($ENV{OCS_BUILD} || 'build') . '/ocs-conference';
plan(skip_all => "no $tool (make all)") unless -x $tool;

plan tests => 78;

my $keyfile = $t->keyfile('ticket.keys', 1);

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
like(`$tool $keys revoke gone`, qr/revoked/, 'tool: revoke');
chmod 0640, $keys;

# --- apachectl -t ------------------------------------------------------------

sub conf_error {
    my ($dir) = @_;

    return $t->try_config(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keyfile
<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    <Location /c/>
        AuthType OCS-Conference
        Require valid-user
        $dir
    </Location>
</VirtualHost>
EOF
}

my ($ok, $out) = conf_error("OCSConferenceKeys $keys\n"
                            . "OCSConferenceDigest SHA-1");
like($out, qr/invalid algorithm "SHA-1" in OCSConferenceDigest/,
     'apachectl -t: an unknown algorithm');
($ok, $out) = conf_error('OCSConferenceRealm "a\"b"');
like($out, qr/may not hold quotes/, 'apachectl -t: a quote in the realm');
chmod 0644, $keys;
($ok, $out) = conf_error("OCSConferenceKeys $keys");
like($out, qr/OCSConferenceKeys: .* is readable by every user/,
     'apachectl -t: a key file others read');
chmod 0640, $keys;
$t->write_file('bad.keys', "m-9:conference:/x/:abc:::\n");
chmod 0640, $t->path('bad.keys');
($ok, $out) = conf_error('OCSConferenceKeys ' . $t->path('bad.keys'));
like($out, qr/OCSConferenceKeys: ".*bad\.keys": line 1: the SHA-256 HA1/,
     'apachectl -t: a bad line, named');
($ok, $out) = conf_error("OCSConferenceKeys $keys\n"
                         . "OCSConferenceDigest SHA-256 MD5");
ok($ok && $out =~ /offers MD5/, "apachectl -t: MD5 warned about") or diag($out);
($ok, $out) = conf_error("OCSConferenceNonceTimeout 0s");
like($out, qr/OCSConferenceNonceTimeout must be at least 1s/,
     'apachectl -t: a nonce timeout of 0');

# --- nginx: the forms sign-in that gives a user's ticket ---------------------

my $n = OCS::Test::Nginx->new;
$n->users(alice => 'alice-pw');

$n->run(<<"EOF");
http {
    ocs_sso_key_file $keyfile;

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

# --- Apache ------------------------------------------------------------------

my $echo = OCS::Echo->new($t)->start;
mkdir $t->path('idx');
mkdir $t->path('idx/m-1');
$t->write_file('idx/m-1/index.html', "index\n");

my $echo_url = 'http://127.0.0.1:%%PORT_echo%%';

$t->run(<<"EOF");
LoadModule dir_module %%MODULES%%/mod_dir.so
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keyfile

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSIdentityHeader X-OCS-User
    OCSConferenceKeys %%TESTDIR%%/conference.keys
    OCSConferenceRealm "OCS conferences"
    Header always set X-Method "%{OCS_AUTH_METHOD}e" "expr=-n %{ENV:OCS_AUTH_METHOD}"
    Header always set X-User "%{OCS_USER}e" "expr=-n %{ENV:OCS_USER}"

    ProxyPass /Conf/ $echo_url/Conf/
    ProxyPass /sha512/ $echo_url/sha512/
    ProxyPass /md5/ $echo_url/md5/
    ProxyPass /both/ $echo_url/both/
    ProxyPass /short/ $echo_url/short/
    ProxyPass /cwa/ $echo_url/cwa/
    ProxyPass /ABS/ $echo_url/ABS/
    Alias /idx/ %%TESTDIR%%/idx/
    DirectoryIndex index.html

    <Location /join>
        SetHandler ocs-join
    </Location>

    <Location /Conf/Ext/>
        AuthType OCS-Conference
        Require valid-user
    </Location>

    # another realm: the file's conferences of that realm (none)
    <Location /Conf/Ext/elsewhere/>
        OCSConferenceRealm elsewhere
    </Location>

    <Location /Conf/Ext/open/>
        AuthType None
        Require all granted
    </Location>

    <Location /sha512/>
        AuthType OCS-Conference
        OCSConferenceDigest SHA-512-256
        Require valid-user
    </Location>

    <Location /md5/>
        AuthType OCS-Conference
        OCSConferenceDigest MD5
        Require valid-user
    </Location>

    # nested: keeps the AuthType and the algorithm of /md5/
    <Location /md5/m-1/in/>
        Require valid-user
    </Location>

    <Location /both/>
        AuthType OCS-Conference
        OCSConferenceDigest SHA-256 SHA-512-256
        Require valid-user
    </Location>

    <Location /short/>
        AuthType OCS-Conference
        OCSConferenceNonceTimeout 1s
        Require valid-user
    </Location>

    # static files: an index is an internal redirect
    <Location /idx/>
        AuthType OCS-Conference
        Require valid-user
    </Location>

    # a CWA-like and an Address Book-like service
    <Location /cwa/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ABS/Ext/>
        AuthType OCS-Forms
        Require valid-user
    </Location>
</VirtualHost>
EOF

# --- no key, curl --digest -------------------------------------------

my $r = $t->get('/Conf/Ext/m-1/slides.pptx');
is($r->status, 401, 'no key: 401');
my ($ch) = $r->headers('www-authenticate');
like($ch, qr/^Digest realm="OCS conferences", qop="auth", algorithm=SHA-256, nonce="[0-9a-f]{104}"/,
     'no key: a SHA-256 challenge');
like($ch, qr/userhash=true/, 'no key: userhash offered');
is($r->body, "Conference key required.\n", 'no key: the plain body') or
    diag($r->body);

$r = digest('/Conf/Ext/m-1/slides.pptx', 'm-1', $key{'m-1'});
is($r->status, 200, 'curl --digest sha-256: 200');
like($r->body, qr/^X-OCS-User: anonymous:m-1\r?$/m,
     'curl --digest: the identity header marks a participant');
unlike($r->body, qr/^Authorization:/mi,
       'curl --digest: the key does not reach the upstream');
is($r->header('X-Method'), 'digest,anonymous',
   'curl --digest: OCS_AUTH_METHOD');

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
   'AuthType None in a nested Location');

$r = $t->get('/Conf/Ext/elsewhere/x');
like($r->header('www-authenticate') // '', qr/^Digest realm="elsewhere"/,
     'nested OCSConferenceRealm: its own realm offered');
is(digest('/Conf/Ext/elsewhere/x', 'm-1', $key{'m-1'})->status, 401,
   'nested OCSConferenceRealm: the other realm\'s key does not open it');

# a nested Location keeps its parent's AuthType and algorithms
$r = $t->get('/md5/m-1/in/x');
ok($r->status == 401 && $r->raw_headers =~ /algorithm=MD5/
   && $r->raw_headers !~ /algorithm=SHA-256/,
   'nested Location: the parent\'s algorithm offered, alone');
is(digest('/md5/m-1/in/x', 'm-1', $key{'m-1'})->status, 200,
   'nested Location: MD5 inherited, the key accepted');

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

# --- the participant's ticket (join page) ---------------------------------

$r = $t->get('/join?c=m-1', jar => 'p');
is($r->status, 200, 'join page: 200');
is($r->field('c'), 'm-1', 'join page: the id from the link');

$r = join_post('p', 'm-1', 'wrong-key');
is($r->status, 303, 'join, wrong key: 303');
like($r->header('Location'), qr{^https://[^/]+/join\?e=1&c=m-1$},
     'join, wrong key: back');
is($t->get('/join?e=1&c=m-1', jar => 'p')->status, 401,
   'join, wrong key: the form again, with its message');
is($t->get('/Conf/Ext/m-1/x', jar => 'p')->status, 401,
   'join, wrong key: no ticket');

$r = join_post('q', 'no-such', 'x');
like($r->header('Location') // '', qr{^https://[^/]+/join\?e=1$},
     'join, no such conference: back, without the id');
is($t->http('PUT', '/join')->status, 405, 'join page: PUT 405');

$r = $t->post('/join', jar => 'p', form => [csrf => 'x', c => 'm-1',
                                             key => $key{'m-1'}]);
is($r->status, 403, 'join without the csrf token: 403');

$r = $t->post('/join', jar => 'p', headers => ['Origin: https://evil.example'],
              form => [csrf => 'x', c => 'm-1', key => $key{'m-1'}]);
is($r->status, 403, 'join from another site: 403');

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
is($r->header('X-Method'), 'anonymous', 'participant: OCS_AUTH_METHOD');
is($t->get('/Conf/Ext/m-2/x', jar => 'p')->status, 403,
   "participant: not another conference's");
is($t->get('/cwa/', jar => 'p')->status, 403, 'participant: not CWA');
is($t->get('/ABS/Ext/Handler/x.lsabs', jar => 'p')->status, 403,
   'participant: not the Address Book');

# a user's ticket, from nginx's sign-in with the same key file
$n->signin('alice', 'alice-pw', jar => 'a');
$t->write_file('jar-a', $n->read_file('jar-a'));
is($t->get('/cwa/', jar => 'a')->status, 200, 'a user: CWA');
is($t->get('/Conf/Ext/m-1/x', jar => 'a')->status, 403,
   "a user's ticket does not open a conference");

# --- the log ----------------------------------------------------------------

my $log = $t->error_log;
like($log, qr/ocs auth: conference "m-1" from 127\.0\.0\.1: wrong key/,
     'log: a wrong key');
like($log, qr/nc 00000001 used before/, 'log: a replay');
like($log, qr/ocs auth: participant joined conference "m-1" from 127\.0\.0\.1/,
     'log: a participant joined');
unlike($log, qr/\Q$key{'m-1'}\E|\Q$key{'m-2'}\E/, 'log: no key');

$n->stop;
$echo->stop;
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
