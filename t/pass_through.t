#!/usr/bin/perl

# NTLM and Negotiate passed through to an internal server that
# authenticates the client itself (IIS; here Apache httpd with
# mod_auth_gssapi, gss-ntlmssp and GssapiConnectionBound On, over HTTPS
# with a private CA): ocs_upstream_pin binds the upstream connection to
# the client connection, ocs_pass_through is the location's side.
# Apache trusts an authenticated connection and says whose it is on
# every response, so a connection handed to the wrong client shows as a
# response with the other user's name: counted over thousands of
# interleaved requests of two users.

use strict;
use warnings;

use lib 't/lib';
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use OCS::Apache;
use OCS::Silent;
use OCS::Test::Nginx;
use Test::More;

my $t = OCS::Test::Nginx->new;

if (my $why = OCS::Apache->missing) {
    plan skip_all => $why;
}

plan tests => 68;

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\nOCS:bob:bob-pw\n");
$t->write_file('client-alice', "OCS:alice:alice-pw\n");
$t->write_file('client-bob', "OCS:bob:bob-pw\n");
$t->users(carol => 'carol-pw');
$t->keyfile('ticket.keys', 1);

$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');
$ENV{KRB5_CONFIG} = $t->path('no-krb5.conf');
$ENV{KRB5CCNAME} = 'FILE:' . $t->path('no.cc');
$t->write_file('no-krb5.conf', "[libdefaults]\n");

my $iis = OCS::Apache->new($t);

$iis->start(sites => [
    { port => $t->port('iis') },
    { port => $t->port('iis_short'), keepalive_requests => 3 },
    { port => $t->port('iis_idle'), keepalive_timeout => 1 },
]);

# an upstream that accepts and never answers
my $silent = OCS::Silent->new;
my $silent_port = $silent->port;

my $ca = $iis->ca;
my $name = $iis->name;
my $h2 = $t->built_with('http_v2_module');
my ($minor) = $t->nginx_version =~ /^1\.(\d+)\./;
my $h2_listen = ($h2 && $minor < 25) ? ' http2' : '';
my $h2_on = ($h2 && $minor >= 25) ? 'http2 on;' : '';

my $conf = <<"EOF";
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    upstream iis {
        server 127.0.0.1:%%PORT_iis%%;
        keepalive 4;
        ocs_upstream_pin max=8 idle=60s;
    }

    upstream iis_one {
        server 127.0.0.1:%%PORT_iis%%;
        ocs_upstream_pin max=1;
    }

    upstream iis_silent {
        server 127.0.0.1:$silent_port;
        ocs_upstream_pin max=1;
    }

    upstream iis_short {
        server 127.0.0.1:%%PORT_iis_short%%;
        ocs_upstream_pin;
    }

    upstream iis_idle {
        server 127.0.0.1:%%PORT_iis_idle%%;
        ocs_upstream_pin requests=100;
    }

    upstream iis_few {
        server 127.0.0.1:%%PORT_iis%%;
        ocs_upstream_pin requests=3;
    }

    upstream iis_brief {
        server 127.0.0.1:%%PORT_iis%%;
        ocs_upstream_pin idle=1s;
    }

    upstream iis_stock {
        server 127.0.0.1:%%PORT_iis%%;
        keepalive 1;
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_plain%%;
        listen 127.0.0.1:%%PORT_h2%% ssl$h2_listen;
        $h2_on
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_identity_header X-User;

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate $ca;
        proxy_ssl_name $name;
        proxy_ssl_server_name on;

        location / {
            ocs_pass_through on;
            proxy_pass https://iis;

            location /nested/ {
                proxy_pass https://iis/;
            }

            location /nested/off/ {
                ocs_pass_through off;
                proxy_pass https://iis/;
            }
        }

        location /one/ {
            ocs_pass_through on;
            proxy_pass https://iis_one/;
        }

        location /silent/ {
            ocs_pass_through on;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
            proxy_send_timeout 1s;
            proxy_pass http://iis_silent/;
        }

        location /one-denied/ {
            ocs_pass_through on;
            deny all;
            proxy_pass https://iis_one/;
        }

        location /short/ {
            ocs_pass_through on;
            proxy_pass https://iis_short/;
        }

        location /idle/ {
            ocs_pass_through on;
            proxy_pass https://iis_idle/;
        }

        location /few/ {
            ocs_pass_through on;
            proxy_pass https://iis_few/;
        }

        location /brief/ {
            ocs_pass_through on;
            proxy_pass https://iis_brief/;
        }

        location /old/ {
            ocs_pass_through on;
            proxy_http_version 1.0;
            proxy_pass https://iis/;
        }

        location /stock/ {
            proxy_pass https://iis_stock/;
        }

        location /cwa/ {
            ocs_auth forms;
            proxy_pass https://iis_stock/;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

# what nginx -t refuses

my $bad = $conf;
$bad =~ s/(location \/one\/ \{\n\s*ocs_pass_through on;)/$1\n            ocs_auth forms;/;
my ($ok, $out) = $t->try_config($bad);
ok(!$ok, 'nginx -t: ocs_pass_through with ocs_auth forms refused');
like($out, qr/"ocs_pass_through" cannot be used with "ocs_auth forms".*"ocs_upstream_pin".*proxy_http_version 1\.1/,
     'nginx -t: what is needed, said');

$bad = $conf;
$bad =~ s/(location \/stock\/ \{)/$1\n            ocs_pass_through on;/;
($ok, $out) = $t->try_config($bad);
ok(!$ok, 'nginx -t: an upstream without ocs_upstream_pin refused');
like($out, qr/needs "proxy_pass" to an upstream\{\} with "ocs_upstream_pin"; "iis_stock"/,
     'nginx -t: which upstream, said');

$bad = $conf;
$bad =~ s/(ocs_upstream_pin max=1;)/$1\n        keepalive 2;/;
($ok, $out) = $t->try_config($bad);
ok(!$ok, 'nginx -t: keepalive after ocs_upstream_pin refused');
like($out, qr/must be the last balancer directive in upstream "iis_one"/,
     'nginx -t: keepalive after, said');

$bad = $conf =~ s/ocs_upstream_pin max=1;/ocs_upstream_pin max=0;/r;
($ok, $out) = $t->try_config($bad);
like($out, qr/"ocs_upstream_pin": max=0 is out of range: 1 to 65536/,
     'nginx -t: max=0 refused, the range said');

$bad = $conf =~ s/ocs_upstream_pin max=1;/ocs_upstream_pin max=1 limit=2;/r;
($ok, $out) = $t->try_config($bad);
like($out, qr/invalid parameter "limit=2" in "ocs_upstream_pin"/,
     'nginx -t: an unknown parameter refused');

$bad = $conf;
$bad =~ s/(location \/one\/ \{\n\s*ocs_pass_through on;)/$1\n            proxy_cache c;/;
$bad =~ s/(upstream iis \{)/proxy_cache_path %%TESTDIR%%\/cache keys_zone=c:1m;\n\n    $1/;
($ok, $out) = $t->try_config($bad);
like($out, qr/"ocs_pass_through" cannot be used with "proxy_cache"/,
     'nginx -t: proxy_cache refused');

$bad = $conf =~ s/ocs_upstream_pin max=1;/ocs_upstream_pin max=1 requests=2;/r;
($ok, $out) = $t->try_config($bad);
like($out, qr/requests=2 is too few: an NTLM sign-in alone takes 3 requests/,
     'nginx -t: requests=2 refused, why said');

$t->run($conf);

# curl --ntlm and curl --negotiate, end to end

my $r = ntlm('/who', 'alice');
is($r->status, 200, 'curl --ntlm: 200');
is($r->header('X-Upstream-User'), 'OCS\\alice', 'curl --ntlm: Apache saw alice');

$r = negotiate('/who', 'bob');
is($r->status, 200, 'curl --negotiate (NTLM inside): 200');
is($r->header('X-Upstream-User'), 'OCS\\bob', 'curl --negotiate: Apache saw bob');

$r = $t->get('/who');
is($r->status, 401, 'no credentials: the upstream\'s 401 passed');
like($r->raw_headers, qr/^WWW-Authenticate: NTLM\s*$/m,
     'the upstream\'s NTLM challenge passed');

# a session: one client connection, one upstream connection, one sign-in

my @s = session('/who', 20, '--ntlm', 'alice');
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @s), 20,
   'session: 20 requests, every one alice');
is(scalar(keys %{{ map { $_->{port} => 1 } @s }}), 1,
   'session: all on one upstream connection');

# the proxy's own cookie and identity header stay here

$r = ntlm('/who', 'alice', headers => [
    'Cookie: __Host-ocs_ticket=forged; app=1', 'X-User: mallory']);
is($r->header('X-Saw-Cookie'), 'app=1', 'the ticket cookie not passed');
is($r->header('X-Saw-User'), '', 'a client\'s identity header not passed');
like($t->error_log, qr/removed 1 client-supplied "X-User" header/,
     'the forged identity header logged');

# two users, interleaved, each on its own connection: never the other's

my $n = 1500;
my $run_a = start_session('/who', $n, '--ntlm', 'alice', 'a');
my $run_b = start_session('/who', $n, '--negotiate', 'bob', 'b');
my @a = finish_session($run_a);
my @b = finish_session($run_b);

my $subst = grep { $_->{user} eq 'OCS\\bob' } @a;
$subst += grep { $_->{user} eq 'OCS\\alice' } @b;

is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @a), $n,
   "interleaved: $n responses for alice, all alice");
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\bob' } @b), $n,
   "interleaved: $n responses for bob, all bob");
is($subst, 0, 'interleaved: zero substitutions');

# what the test would see without pinning: stock keep-alive hands the
# authenticated connection to whoever comes next

$r = ntlm('/stock/who', 'alice');
is($r->header('X-Upstream-User'), 'OCS\\alice', 'stock: alice signed in');
$r = $t->get('/stock/who');
is($r->header('X-Upstream-User'), 'OCS\\alice',
   'stock keep-alive: an anonymous client gets alice (what pinning stops)');

$r = $t->get('/who');
is($r->status, 401, 'pinned: an anonymous client is not alice');

# the cap: a pair held open (a NEGOTIATE sent, the challenge in), and
# another client that needs one

my $held = IO::Socket::INET->new(PeerAddr => '127.0.0.1:'
                                 . $t->port('plain'), Timeout => 5);
my ($code, $head) = exchange($held, '/one/who', type1());
is($code, 401, 'cap: the first client got its challenge');
like($head, qr/WWW-Authenticate: NTLM TlRM/, 'cap: an NTLM challenge');

$r = ntlm('/one/who', 'bob');
is($r->status, 503, 'cap reached: 503');
like($r->body, qr/as many authenticated connections/, 'cap reached: a page');
like($t->error_log,
     qr/\[error\].*1 pinned connections to upstream "iis_one" in use \(max=1\): request refused/,
     'cap reached: logged');

# the client goes mid-handshake: its pair ends, the slot is free again

close $held;
wait_for(sub { ntlm('/one/who', 'bob')->status == 200 });
$r = ntlm('/one/who', 'bob');
is($r->status, 200, 'client gone mid-handshake: the pair released');
is($r->header('X-Upstream-User'), 'OCS\\bob', 'released: bob on a new pair');

# a silent upstream: the request ends at proxy_read_timeout with a 504,
# and the slot its credentials reserved is given back (max=1: the second
# is not a 503)

my $start = time;
is(ntlm('/silent/who', 'alice')->status, 504, 'silent upstream: 504');
ok(time - $start < 10, 'silent upstream: within the timeout');
is(ntlm('/silent/who', 'alice')->status, 504,
   'silent upstream: the slot given back');
ok($silent->accepted >= 2, 'silent upstream: it was asked');

# a request that reserves a pair but never reaches the upstream (denied
# after the reservation) gives the slot back: junk NTLM headers on kept
# connections cannot fill the worker's max

my $junk = IO::Socket::INET->new(PeerAddr => '127.0.0.1:'
                                 . $t->port('plain'), Timeout => 5);
($code) = exchange($junk, '/one-denied/who', type1());
is($code, 403, 'reserved, then denied: 403');
$r = ntlm('/one/who', 'bob');
is($r->status, 200, 'reserved, then denied: the slot given back');
close $junk;

# the upstream ends a pinned connection (MaxKeepAliveRequests 3): the
# pair ends, the client signs in again on a new one

@s = session('/short/who', 8, '--ntlm', 'alice');
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @s), 8,
   'upstream ends the connection: every response still alice');
ok(scalar(keys %{{ map { $_->{port} => 1 } @s }}) > 1,
   'upstream ends the connection: new upstream connections');
like($t->error_log, qr/upstream "iis_short" ended a pinned connection/,
     'upstream ends the connection: logged');

# requests=3: the third request of a pair is its last, both sides close
# and the client signs in again on a new pair

@s = session('/few/who', 7, '--ntlm', 'alice');
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @s), 7,
   'requests=3: every response alice');
ok(scalar(keys %{{ map { $_->{cport} => 1 } @s }}) > 1,
   'requests=3: the client connection closed after the last');

# idle=1s: a pinned connection waits that long for its client

$held = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port('plain'),
                              Timeout => 5);
($code) = exchange($held, '/brief/who', type1());
is($code, 401, 'idle=1s: challenge in');
ok(wait_for(sub {
       $t->error_log =~ /pinned connection to upstream "iis_brief" idle for 1000 ms: closed/ }),
   'idle=1s: closed and logged');
($code) = exchange($held, '/brief/who');
is($code, 401, 'idle=1s: the next request on a new connection');
close $held;

# proxy_http_version 1.0: nothing can be pinned, and the log says why

is(ntlm('/old/who', 'alice')->status, 401,
   'proxy_http_version 1.0: NTLM cannot complete');
like($t->error_log, qr/connection not pinned: the response was not keep-alive \("proxy_http_version 1\.1"/,
     'proxy_http_version 1.0: logged with what is needed');

# the upstream closes an idle pinned connection (KeepAliveTimeout 1)

$held = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port('plain'),
                              Timeout => 5);
($code) = exchange($held, '/idle/who', type1());
is($code, 401, 'idle: challenge in');
ok(wait_for(sub {
       $t->error_log =~ /upstream "iis_idle" closed a pinned connection/ }),
   'idle: the upstream\'s close seen and logged');
($code) = exchange($held, '/idle/who');
is($code, 401, 'idle: the next request goes on a new connection, no hang');
close $held;

# HTTP/2: a stream is not a connection

SKIP: {
    skip 'nginx without HTTP/2', 5 unless $h2;

    $r = $t->get('/who', port => 'h2', curl => ['--http2']);
    is($r->status, 505, 'HTTP/2: refused');
    like($r->body, qr/HTTP\/1\.1/, 'HTTP/2: the page says HTTP/1.1');
    is($t->get('/nested/who', port => 'h2', curl => ['--http2'])->status,
       505, 'HTTP/2: a nested location inherits ocs_pass_through');
    is($t->get('/nested/off/who', port => 'h2', curl => ['--http2'])->status,
       401, 'HTTP/2: ocs_pass_through off in a nested location: passed');
    is($t->get('/nested/off/who', port => 'h2', curl => ['--http2'],
               headers => ['Authorization: ' . type1()])->status,
       401, 'HTTP/2 stream with NTLM: passed, never pinned');
}

$r = ntlm('/nested/who', 'bob');
is($r->header('X-Upstream-User'), 'OCS\\bob',
   'nested location: proxied as its parent');

# a reload with pairs open: the old worker finishes them

my $run = start_session('/who', 600, '--ntlm', 'alice', 'r');
wait_for(sub { ($t->access_log =~ tr/\n//) > 200 });
ok($t->reload, 'reloaded with a pair open');
@s = finish_session($run);
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @s), 600,
   'reload: every response of the session alice');

is(ntlm('/who', 'bob')->header('X-Upstream-User'), 'OCS\\bob',
   'after the reload: a new pair');

# an http block where no location issues tickets: the ticket cookie a
# client sends (for a CWA on another proxy of the cookie domain) still
# never reaches the upstream

my $plain = $conf;
$plain =~ s/\n        location \/cwa\/ \{.*?\n        \}\n//s;
$plain =~ s/\n        location = \/ocs\/signin \{.*?\n        \}\n//s;
unlike($plain, qr/ocs_auth forms|ocs_auth_signin;/, 'no ticket issued here');
ok($t->reload($plain), 'reloaded without a ticket-issuing location');

$r = ntlm('/who', 'alice', headers => [
    'Cookie: __Host-ocs_ticket=forged; app=1']);
is($r->header('X-Saw-Cookie'), 'app=1',
   'no ticket-issuing location: the ticket cookie not passed');

unlike($t->error_log, qr/\[crit\]/, 'no crit in the error log');
like($iis->error_log, qr/mod_auth_gssapi/, 'the upstream was Apache');

$iis->stop;
$silent->stop;
$t->done;


sub ntlm {
    my ($path, $user, %o) = @_;
    return $t->get($path, headers => $o{headers},
                   curl => ['--ntlm', '-u', "OCS\\$user:$user-pw"]);
}

sub negotiate {
    my ($path, $user) = @_;
    local $ENV{NTLM_USER_FILE} = $t->path("client-$user");
    return $t->get($path, curl => ['--negotiate', '-u', ':']);
}

# one curl process fetching $n URLs on one connection, in the background
sub start_session {
    my ($path, $n, $how, $user, $tag) = @_;

    my $url = $t->url($path);
    my $cfg = '';
    $cfg .= "url = \"$url?$_\"\noutput = \"/dev/null\"\n" for 1 .. $n;
    $t->write_file("session-$tag.cfg", $cfg);

    my @auth = $how eq '--ntlm' ? ('-u', "OCS\\$user:$user-pw") : ('-u', ':');
    my $pid = fork;

    if ($pid == 0) {
        $ENV{NTLM_USER_FILE} = $t->path("client-$user")
            if $how eq '--negotiate';
        open STDOUT, '>', $t->path("session-$tag.out");
        exec 'curl', '-s', '-k', '--max-time', 120, $how, @auth,
             '-w', '%{http_code} %{local_port} [%header{x-upstream-user}] '
                   . '%header{x-upstream-port}\n',
             '-K', $t->path("session-$tag.cfg")
            or POSIX::_exit(127);
    }

    return { pid => $pid, tag => $tag };
}

sub finish_session {
    my ($run) = @_;

    waitpid $run->{pid}, 0;

    my @r;
    for (split /\n/, $t->read_file("session-$run->{tag}.out")) {
        /^(\d+) (\d+) \[(.*)\] (\d*)$/ or next;
        # the 401s of the handshakes are not answers
        next if $1 == 401;
        push @r, { code => $1, cport => $2, user => $3, port => $4 };
    }

    return @r;
}

sub session {
    my ($path, $n, $how, $user) = @_;
    return finish_session(start_session($path, $n, $how, $user, 's'));
}

# curl's NTLM NEGOTIATE message (the upstream stand-in pads it)
sub type1 { 'NTLM TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=' }

# one request on a raw keep-alive connection: (status, headers)
sub exchange {
    my ($s, $path, $authorization) = @_;

    my $req = "GET $path HTTP/1.1\r\nHost: localhost\r\n";
    $req .= "Authorization: $authorization\r\n" if $authorization;
    print $s "$req\r\n";

    my $buf = '';
    my $deadline = time + 10;

    $s->blocking(0);

    while (time < $deadline) {
        my $got = sysread($s, my $chunk, 65536);
        last if defined $got && $got == 0;
        $buf .= $chunk if $got;

        if ($buf =~ /^(.*?\r\n\r\n)/s) {
            my $head = $1;
            my ($len) = $head =~ /Content-Length: (\d+)/i;
            last if length($buf) >= length($head) + ($len || 0);
        }

        sleep 0.01;
    }

    $s->blocking(1);

    my ($code) = $buf =~ /^HTTP\/1\.1 (\d+)/;
    my ($head) = $buf =~ /^(.*?\r\n\r\n)/s;

    return ($code || 0, $head || '');
}

sub wait_for {
    my ($cond) = @_;

    my $deadline = time + 15;

    while (time < $deadline) {
        return 1 if $cond->();
        sleep 0.1;
    }

    return 0;
}
