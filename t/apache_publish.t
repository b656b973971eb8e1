#!/usr/bin/perl

# Publishing on Apache: OCSPathStrict and OCSPublish (nginx's
# ocs_path_strict and ocs_publish), the web farm preset
# (conf/ocs-r2-webfarm-apache.conf), and the limit that nginx's
# ocs_upstream_pin exists for: Apache's mod_proxy hands pooled upstream
# connections to any client, so an IIS stand-in (t/lib/OCS/Apache.pm:
# NTLM through gss-ntlmssp, an authenticated connection stays
# authenticated, each response names its user) shows
#
#   - stock reuse: one client's NTLM-authenticated connection serves
#     the next client, anonymous, as that user (what pinning stops);
#   - disablereuse=On, and proxy-initial-not-pooled: the handshake's
#     second leg arrives on a new connection, and NTLM never completes.
#
# One front process (mpm_event, ServerLimit 1), so that a pooled
# connection is there for the next request to take.

use strict;
use warnings;

use Cwd qw(abs_path);
use IO::Socket::INET;
use File::Basename qw(dirname);

use lib 't/lib';
use OCS::Apache;
use OCS::Test::Apache;
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $PRESET = "$ROOT/conf/ocs-r2-webfarm-apache.conf";

my $t = OCS::Test::Apache->new;

if (my $why = OCS::Apache->missing) {
    plan skip_all => $why;
}

plan tests => 37;

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\nOCS:bob:bob-pw\n");
my $keys = $t->keyfile('ticket.keys', 1);

$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');
$ENV{KRB5_CONFIG} = $t->path('no-krb5.conf');
$ENV{KRB5CCNAME} = 'FILE:' . $t->path('no.cc');
$t->write_file('no-krb5.conf', "[libdefaults]\n");

my $iis = OCS::Apache->new($t);

$iis->start(sites => [ map { { port => $t->port($_) } }
                       qw(iis iis_noreuse iis_initial iis_pool) ]);

my $ca = $iis->ca;

# --- apachectl -t ---------------------------------------------------------

my ($ok, $out) = $t->try_config(<<"EOF");
OCSKeyFile $keys
<Location /x/>
    OCSPublish everyone
</Location>
EOF
like($out, qr/invalid OCSPublish "everyone": use "anonymous", "upstream_auth" or "off"/,
     'apachectl -t: an unknown OCSPublish');

($ok, $out) = $t->try_config(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys
<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    Define OCS_R2_POOL 127.0.0.1:%%PORT_iis_pool%%
    SSLProxyCACertificateFile $ca
    Include $PRESET
</VirtualHost>
EOF
ok($ok, 'apachectl -t: the preset') or diag($out);

# --- the front ------------------------------------------------------------

my $tls = <<'EOF';
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
EOF

my $sites = <<"EOF";
    OCSPathStrict on
    SSLProxyEngine on
    SSLProxyVerify require
    SSLProxyCACertificateFile $ca
    # the stand-in's certificate names iis.ocs.test, reached at 127.0.0.1
    SSLProxyCheckPeerName off

    ProxyPass /stock/ https://127.0.0.1:%%PORT_iis%%/
    ProxyPass /noreuse/ https://127.0.0.1:%%PORT_iis_noreuse%%/ disablereuse=On
    ProxyPass /initial/ https://127.0.0.1:%%PORT_iis_initial%%/
    ProxyPass /anon/ https://127.0.0.1:%%PORT_iis%%/anonymous/
    ProxyPass /pub/off/ https://127.0.0.1:%%PORT_iis%%/anonymous/
    ProxyPass /pub/ https://127.0.0.1:%%PORT_iis%%/anonymous/

    <Location /initial/>
        SetEnv proxy-initial-not-pooled 1
    </Location>

    <Location /anon/>
        OCSPublish anonymous
    </Location>

    <Location /anon/loose/>
        OCSPathStrict off
    </Location>

    <Location /pub/>
        OCSPublish upstream_auth
    </Location>

    <Location /pub/off/>
        OCSPublish off
    </Location>
EOF

$t->run(<<"EOF");
ServerLimit 1
StartServers 1
MaxRequestWorkers 8
ThreadsPerChild 8
MinSpareThreads 1
MaxSpareThreads 8
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
Listen 127.0.0.1:%%PORT_farm%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
$tls$sites</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_http%%>
$sites</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_farm%%>
$tls
    Define OCS_R2_POOL 127.0.0.1:%%PORT_iis_pool%%
    SSLProxyCACertificateFile $ca
    Include $PRESET
    SSLProxyCheckPeerName off
</VirtualHost>
EOF

# --- the limit: mod_proxy's pool is every client's ------------------------

my $r = ntlm('/stock/who', 'alice');
is($r->status, 200, 'stock reuse: curl --ntlm signs alice in');
is($r->header('X-Upstream-User'), 'OCS\\alice', 'stock reuse: IIS saw alice');

$r = $t->get('/stock/who');
is($r->header('X-Upstream-User') // '', 'OCS\\alice',
   'stock reuse: an anonymous client gets alice (the limit: no pinning)');

$r = ntlm('/noreuse/who', 'bob');
is($r->status, 401, 'disablereuse=On: NTLM never completes');
is($t->get('/noreuse/who')->header('X-Upstream-User') // '', '',
   'disablereuse=On: and leaks no one');

# proxy-initial-not-pooled: a client connection's first request gets a
# fresh upstream connection, so the handshake (on that client
# connection) completes; a later request of another client connection
# still takes whatever connection the pool holds: alice's
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port('http'),
                              Timeout => 5) or die "connect: $!\n";
my $first = exchange($s, '/initial/anonymous/file');
like($first, qr{^HTTP/1\.1 200}, 'proxy-initial-not-pooled: a client\'s '
     . 'first request');
# (the same virtual host: each has its own pool)
$r = ntlm('/initial/who', 'alice', plain => 1);
is($r->header('X-Upstream-User'), 'OCS\\alice',
   'proxy-initial-not-pooled: NTLM completes, alice signed in');
like(exchange($s, '/initial/who'), qr/^X-Upstream-User: OCS\\alice\r$/mi,
     'proxy-initial-not-pooled: the other client\'s next request gets '
     . 'alice');
close $s;

# --- OCSPathStrict --------------------------------------------------------

for (['/anon/a%5Cb', 'an encoded backslash'],
     ['/anon/%2e%2e/who', 'an encoded dot segment'],
     ['/anon/a%252Fb', 'double encoding'],
     ['/anon/%C0%AFwho', 'overlong UTF-8'],
     ['/anon/a%7Fb', 'an encoded control character'])
{
    my ($path, $what) = @$_;
    is($t->get($path)->status, 400, "OCSPathStrict: $what: 400");
}

is($t->get('/anon/a%2Fb')->status, 404,
   'an encoded slash: Apache refuses it first (AllowEncodedSlashes Off)');
is($t->get('/anon/a%00b')->status, 404,
   'an encoded NUL: Apache refuses it first');
is($t->get('/anon/file')->status, 200, 'OCSPathStrict: a plain path passes');
is($t->get('/anon/%66ile')->status, 200,
   'OCSPathStrict: an encoded letter passes');
isnt($t->get('/anon/loose/a%252Fb')->status, 400,
     'OCSPathStrict off in a nested Location');
like($t->error_log, qr/ocs publish: refused the request target: .* at byte \d+/,
     'OCSPathStrict: the log line');

# --- OCSPublish -----------------------------------------------------------

my $cookies = 'Cookie: app=1; __Host-ocs_ticket=abc';

$r = $t->get('/anon/file', headers => [$cookies, 'Authorization: Basic eDp5']);
is($r->status, 200, 'anonymous: 200');
is($r->header('X-Saw-Cookie') // '', '', 'anonymous: no cookie upstream');

$r = $t->get('/pub/file', headers => [$cookies]);
is($r->header('X-Saw-Cookie'), 'app=1',
   'upstream_auth: the application\'s cookie, not the ticket');

$r = $t->get('/anon/file', plain => 1);
is($r->status, 301, 'anonymous over plain http: GET 301');
like($r->header('Location') // '', qr{^https://127\.0\.0\.1/anon/file$},
     'anonymous over plain http: to https');
is($t->post('/anon/file', plain => 1, body => 'x=1')->status, 403,
   'anonymous over plain http: POST 403');
is($t->get('/pub/off/file', plain => 1)->status, 200,
   'OCSPublish off in a nested Location: plain http proxied');

# --- the preset -----------------------------------------------------------

is(farm('/Conf/Ext/Tenant/meeting.ppt')->status, 401,
   'preset: meeting content reaches the pool (its 401)');
is(farm('/conf/EXT/%54enant/x')->status, 401,
   'preset: odd case and encoding reach the pool');
is(farm('/ABS/Int/Handler/x')->status, 404, 'preset: an /Int twin: 404');
is(farm('/Sites/UCUpdateServer/x')->status, 404,
   'preset: the internal update site: 404');
is(farm('/other/')->status, 404, 'preset: an unlisted path: 404');
is($t->post('/Conf/Ext/x', port => 'farm', body => 'x=1')->status, 403,
   'preset: a method the service does not use: 403');
is(farm('/ABS/Ext/a%5Cb')->status, 400, 'preset: OCSPathStrict on');
is($t->get('/abs/ext/who', port => 'farm',
           curl => ['--ntlm', '-u', 'OCS\\alice:alice-pw'])->status, 401,
   'preset: NTLM through Apache does not complete (disablereuse)');

$iis->stop;
$t->done;


sub ntlm {
    my ($path, $user, %o) = @_;
    return $t->get($path, %o,
                   curl => ['--ntlm', '-u', "OCS\\$user:$user-pw"]);
}

# one request on an open plain connection, its response read whole
sub exchange {
    my ($sock, $path) = @_;

    print $sock "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        sysread($sock, my $buf, 1) or last;
        $head .= $buf;
    }

    my ($len) = $head =~ /^Content-Length: (\d+)/mi;
    sysread($sock, my $body, $len) if $len;

    return $head;
}

sub farm {
    my ($path) = @_;
    return $t->get($path, port => 'farm');
}
