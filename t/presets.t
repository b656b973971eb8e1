#!/usr/bin/perl

# The OCS 2007 R2 external web farm preset (conf/ocs-r2-webfarm.conf),
# included as docs/publishing.md says, in front of a pool that speaks
# HTTPS with a certificate of an internal CA: a TLS server for
# pool01.contoso.local that hands each request to a recorder (OCS::Echo)
# unchanged, request line included.  Every published path, in odd case
# and percent-encoding, reaches the pool as the client sent it, with its
# policy: credentials passed through where IIS authenticates, none
# where anyone may download.  Every /Int twin, the internal update site,
# every dot-segment and encoded-slash trick and every unlisted path is
# refused, and none of them reaches the pool.  Methods a service does
# not use get 403, plain http gets the HTTPS policy, and the Host header
# is the pool's FQDN unless the original one is asked for.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);

use lib 't/lib';
use OCS::Test;
use OCS::Echo;
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $PRESET = "$ROOT/conf/ocs-r2-webfarm.conf";
my $POOL = 'pool01.contoso.local';

# what reaches the pool, with the method and the policy of each service
my @published = (
    [GET  => '/ABS/Ext/Handler/F-0a1b.lsabs',             'auth'],
    [GET  => '/abs/ext/handler/f-0a1b.lsabs',             'auth'],
    [GET  => '/aBs/%45xt/Handler/D-0a1b-0a1c.dabs',       'auth'],
    [POST => '/GroupExpansion/Ext/service.asmx',          'auth'],
    [POST => '/GROUPEXPANSION/ext/Service.asmx',          'auth'],
    [GET  => '/groupexpansion/ext/service.asmx?WSDL',     'auth'],
    [GET  => '/Conf/Ext/Tenant/meeting.ppt',              'anon'],
    [GET  => '/conf/EXT/%54enant/meeting%20notes.ppt',    'anon'],
    [GET  => '/etc/place/null/1A2B3C4D/content',          'anon'],
    [GET  => '/ETC/Place/NULL/1a2b3c4d/content',          'anon'],
    [POST => '/RequestHandler/ucdevice.upx',              'anon'],
    [GET  => '/requesthandler/UCDEVICE.UPX?v=1',          'anon'],
    [POST => '/RequestHandlerExt/ucdevice.upx',           'anon'],
    [GET  => '/requesthandlerEXT/x',                      'anon'],
    [GET  => '/DeviceUpdateFiles_Ext/UCPhone/CX700/CPE.nbt', 'anon'],
    [GET  => '/deviceupdatefiles_ext/ucphone/cx700/%43PE.nbt', 'anon'],
    [GET  => '/AutoUpdate/Ext/Files/x86/OCS.msp',         'anon'],
    [GET  => '/autoUPDATE/ext/files/x86/ocs.msp',         'anon'],
    [GET  => '/PhoneConferencing/Ext/default.aspx',       'auth'],
    [POST => '/phoneconferencing/EXT/Default.aspx',       'auth'],
);

# what never reaches it, and the status that refuses it
my @refused = (
    # the internal twins and the internal update site
    [404 => '/ABS/Int/Handler/F-0a1b.lsabs'],
    [404 => '/abs/INT/handler/'],
    [404 => '/%41BS/%49nt/Handler/'],
    [404 => '/Conf/Int/x.ppt'],
    [404 => '/conf/int'],
    [404 => '/DeviceUpdateFiles_Int/UCPhone/x.nbt'],
    [404 => '/deviceupdatefiles_INT/'],
    [404 => '/GroupExpansion/Int/service.asmx'],
    [404 => '/AutoUpdate/Int/Files/x.msp'],
    [404 => '/PhoneConferencing/Int/'],
    [404 => '/sites/ucupdateserver/default.aspx'],
    [404 => '/SITES/UCUpdateServer'],

    # tricks that IIS would decode into an internal path
    [400 => '/ABS/Ext/../Int/Handler/'],
    [400 => '/ABS/Ext/Handler/../../Int/Handler/'],
    [400 => '/ABS/Ext/%2E%2E/Int/Handler/'],
    [400 => '/ABS/Ext/.%2e/Int/Handler/'],
    [400 => '/ABS/Ext%2F..%2FInt/Handler/'],
    [400 => '/ABS/Ext/..%2FInt/Handler/'],
    [400 => '/ABS/Ext/Handler/..%5C..%5CInt/'],
    [400 => '/ABS/Ext/Handler/%5C'],
    [400 => '/ABS/Ext/Handler\\..\\..\\Int\\'],
    [400 => '/ABS/Ext/%252E%252E/Int/'],
    [400 => '/ABS/Ext%252F..%252FInt/'],
    [400 => '/ABS/Ext/%C0%AE%C0%AE/Int/'],
    [400 => '/ABS/Ext%C0%AF..%C0%AFInt/'],
    [400 => '/ABS/Ext/%u002e%u002e/Int/'],
    [400 => '/ABS/Ext/.../Int/'],
    [400 => '/Conf/Ext/x%00.ppt'],
    [400 => '/DeviceUpdateFiles_Ext/..%2FDeviceUpdateFiles_Int/x.nbt'],
    [400 => '/conf/ext/./x.ppt'],

    # paths the web farm does not publish
    [404 => '/'],
    [404 => '/ABS/'],
    [404 => '/ABS/Ext'],
    [404 => '/ABS/Extra/Handler/'],
    [404 => '/RequestHandler/other.upx'],
    [404 => '/RequestHandler/ucdevice.upx.bak'],
    [404 => '/CWA/'],
    [404 => '/Reach/Client/'],
);

# methods a service does not use
my @methods = (
    [POST     => '/ABS/Ext/Handler/'],
    [PUT      => '/Conf/Ext/x.ppt'],
    [DELETE   => '/GroupExpansion/Ext/service.asmx'],
    [OPTIONS  => '/AutoUpdate/Ext/Files/'],
    [PROPFIND => '/DeviceUpdateFiles_Ext/'],
    [PUT      => '/RequestHandlerExt/x'],
);

my $t = OCS::Test->new;
plan tests => 4 * @published + @refused + @methods + 25;

make_pool_certificates($t);

my $echo = OCS::Echo->new($t)->start;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_cookie_domain contoso.com;

    upstream ocs_r2_pool {
        server 127.0.0.1:%%PORT_pool%%;
        keepalive 4;
        ocs_upstream_pin max=8 idle=60s;
    }

    # the web farm's external FQDN, as docs/publishing.md sets it up
    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        server_name webfarm.contoso.com;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_identity_header X-Remote-User;

        set $ocs_r2_pool_fqdn pool01.contoso.local;
        set $ocs_r2_host $ocs_r2_pool_fqdn;
        proxy_ssl_trusted_certificate %%TESTDIR%%/ca.pem;
        include %%PRESET%%;
    }

    # CWA beside it, with the forms sign-in: its ticket is valid on
    # every host of contoso.com, and never reaches the web farm's pool
    server {
        listen 127.0.0.1:%%PORT_cwa%% ssl;
        server_name cwa.contoso.com;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location / {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    # the same, forwarding the original Host header
    server {
        listen 127.0.0.1:%%PORT_original%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        set $ocs_r2_pool_fqdn pool01.contoso.local;
        set $ocs_r2_host $host;
        proxy_ssl_trusted_certificate %%TESTDIR%%/ca.pem;
        include %%PRESET%%;
    }

    # the directives on their own: inherited, and off in a location
    server {
        listen 127.0.0.1:%%PORT_inherit%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_path_strict on;
        ocs_publish anonymous;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /loose/ {
            ocs_path_strict off;
            ocs_publish off;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /redirect/ {
            ocs_publish off;
            error_page 418 = /x;
            return 418;
        }
    }

    # the pool: TLS for its internal name, then the recorder, unchanged
    server {
        listen 127.0.0.1:%%PORT_pool%% ssl;
        server_name pool01.contoso.local;
        ssl_certificate %%TESTDIR%%/pool.pem;
        ssl_certificate_key %%TESTDIR%%/pool.key;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
            proxy_set_header Host $http_host;
            proxy_set_header X-Pool-SNI $ssl_server_name;
        }

        # IIS adds a slash to a directory with its own name
        location = /ABS/Ext/Handler {
            return 301 https://pool01.contoso.local/ABS/Ext/Handler/;
        }
    }
}
EOF

$conf =~ s/%%PRESET%%/$PRESET/g;

# without the two lines the preset reads, or the CA, nginx -t says so
{
    (my $bad = $conf) =~ s/^\s*set \$ocs_r2_pool_fqdn [^;]*;\n//mg;
    my ($good, $out) = $t->try_config($bad);
    ok(!$good && $out =~ /unknown "ocs_r2_pool_fqdn" variable/,
       'nginx -t: the pool fqdn is required') or diag($out);

    ($bad = $conf) =~ s/^\s*proxy_ssl_trusted_certificate [^;]*;\n//mg;
    ($good, $out) = $t->try_config($bad);
    ok(!$good && $out =~ /proxy_ssl_trusted_certificate/,
       'nginx -t: the internal CA is required') or diag($out);

    ($bad = $conf) =~ s/^\s*ocs_upstream_pin [^;]*;\n//mg;
    ($good, $out) = $t->try_config($bad);
    ok(!$good && $out =~ /"ocs_upstream_pin"; "ocs_r2_pool"/,
       'nginx -t: pinned pool connections are required') or diag($out);
}

$t->run($conf);

my $sent = 0;
my @credentials = ('Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAA',
                   'Cookie: ocs_ticket=abc; ASP.NET_SessionId=s1',
                   'Proxy-Authorization: Basic YTpi',
                   'X-Remote-User: administrator');

for my $c (@published) {
    my ($method, $path, $policy) = @$c;
    my $r = request($method, $path, headers => \@credentials);
    my $got = $r->body;
    $sent++;

    is($r->status, 200, "$method $path: reaches the pool");
    like($got, qr{\A\Q$method $path\E HTTP/1\.[01]\r\n},
         "$method $path: the request target as sent");
    like($got, qr{^Host: \Q$POOL\E\r$}m, "$method $path: the pool's Host");

    if ($policy eq 'anon') {
        unlike($got,
               qr{^(Authorization|Cookie|Proxy-Authorization|X-Remote-User):}mi,
               "$method $path: anonymous: no credentials, no identity");
    } else {
        ok($got =~ /^Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAA\r$/m
           && $got =~ /^Cookie: ASP\.NET_SessionId=s1\r$/m
           && $got !~ /^X-Remote-User:/mi,
           "$method $path: pass-through: Authorization, no ticket, "
           . "no identity header");
    }
}

for my $c (@refused) {
    my ($status, $path) = @$c;

    is(request(GET => $path)->status, $status, "GET $path: $status");
}

for my $c (@methods) {
    my ($method, $path) = @$c;

    is(request($method, $path)->status, 403, "$method $path: 403");
}

is(scalar(my @seen = $echo->requests), $sent,
   'only the published requests reached the pool');

like($t->error_log,
     qr/ocs publish: refused the request target: encoded slash at byte 8/,
     'the log says why');

# the absolute form of the request line: its path is what counts
is(request(GET => '/', curl => ['--request-target',
           'https://webfarm.contoso.com/ABS/Ext%2F..%2FInt/Handler/'])->status,
   400, 'absolute form, an encoded slash: 400');
like(request(GET => '/', curl => ['--request-target',
             'https://webfarm.contoso.com/Conf/Ext/x.ppt'])->body,
     qr{^Host: \Q$POOL\E\r$}m, 'absolute form, a published path: passed');
$sent++;

# a HEAD is a GET to limit_except
is(request(HEAD => '/AutoUpdate/Ext/Files/x86/OCS.msp')->status, 200,
   'HEAD on a GET service');
$sent++;

# the pool's name was the TLS name, checked against the internal CA
like(request(GET => '/Conf/Ext/x.ppt')->body, qr{^X-Pool-SNI: \Q$POOL\E\r$}m,
     'the pool gets its FQDN as the TLS name');
$sent++;


# IIS's redirects to its internal name come back with the web farm's
my $r = request(GET => '/ABS/Ext/Handler');
ok($r->status == 301
   && $r->header('Location')
      =~ m{^(https://127\.0\.0\.1:\d+)?/ABS/Ext/Handler/$},
   'a redirect to the pool: the web farm\'s name') or diag($r->raw_headers);

# the option: the original Host header
like(request(GET => '/Conf/Ext/x.ppt', port => 'original',
             headers => ['Host: webfarm.contoso.com'])->body,
     qr{^Host: webfarm\.contoso\.com\r$}m, 'the original Host on request');
$sent++;

# HTTPS only, as on the other modules' locations
$r = request(GET => '/Conf/Ext/x.ppt', plain => 1,
                headers => ['Host: webfarm.contoso.com']);
ok($r->status == 301
   && $r->header('Location') eq 'https://webfarm.contoso.com/Conf/Ext/x.ppt',
   'plain http GET: 301 to https');
is(request(POST => '/GroupExpansion/Ext/service.asmx', plain => 1,
           body => 'x')->status,
   403, 'plain http POST: 403');

# the directives on their own, and off in a nested location
is(request(GET => '/a%2Fb', port => 'inherit')->status, 400,
   'ocs_path_strict: inherited');
like(request(GET => '/loose/a%2Fb', port => 'inherit')->body,
     qr{\AGET /loose/a%2Fb HTTP}, 'ocs_path_strict off: passed on');
$sent++;
unlike(request(GET => '/x', port => 'inherit',
               headers => \@credentials)->body,
       qr/^(Authorization|Cookie|Proxy-Authorization):/mi,
       'ocs_publish anonymous: inherited');
$sent++;
like(request(GET => '/loose/x', port => 'inherit',
             headers => \@credentials)->body,
     qr/^Authorization: NTLM/m, 'ocs_publish off: credentials passed on');
$sent++;
unlike(request(GET => '/redirect/', port => 'inherit',
               headers => \@credentials)->body,
       qr/^(Authorization|Cookie|Proxy-Authorization):/mi,
       'ocs_publish anonymous: after an internal redirect too');
$sent++;

# a real ticket from CWA's sign-in, sent to the web farm as a browser
# under contoso.com sends it: the pool never sees it
$r = $t->signin('alice', 'pw', port => 'cwa', jar => 'cwa');
my ($ticket) = $r->raw_headers =~ /^Set-Cookie: ocs_ticket=([^;\r]+)/mi;
$ticket //= '';
ok($r->status == 303 && length $ticket > 40
   && $r->raw_headers =~ /^Set-Cookie: ocs_ticket=[^\r]*Domain=contoso\.com/mi,
   'CWA: signed in, the ticket for contoso.com') or diag($r->raw_headers);

my $through = request(GET => '/ABS/Ext/Handler/F-0a1b.lsabs',
                      headers => ["Cookie: ocs_ticket=$ticket; a=1"])->body;
my $anon = request(GET => '/Conf/Ext/x.ppt',
                   headers => ["Cookie: ocs_ticket=$ticket; a=1"])->body;
$sent += 2;
ok($through =~ /^Cookie: a=1\r$/m && $through !~ /\Q$ticket\E/
   && $anon !~ /^Cookie:/mi,
   'the ticket reaches neither a pass-through nor an anonymous service');

is(scalar(@seen = $echo->requests), $sent, 'nothing else reached the pool');

unlike($t->error_log, qr/TlRMTVNTUAAB|YTpi|ocs_ticket=abc/,
       'no credential in the log');

# a pool name its certificate does not have: no connection.  New
# workers, so that no kept-alive connection or TLS session checked for
# the right name is reused: both are kept per upstream, not per name.
(my $wrong = $conf) =~ s/(set \$ocs_r2_pool_fqdn) pool01\./$1 pool02./;
$t->reload($wrong);

is(request(GET => '/Conf/Ext/x.ppt')->status, 502,
   'a pool certificate without the name: 502');
like($t->error_log, qr/upstream SSL certificate does not match "pool02/,
     'a pool certificate without the name: logged');

$t->done;


# --- helpers -----------------------------------------------------------

# the target exactly as written: no dot-segment folding by curl
sub request {
    my ($method, $path, %o) = @_;

    return $t->http($method, $path, %o,
                    curl => ['--path-as-is', @{$o{curl} || []}]);
}

# an internal CA and the pool's certificate from it
sub make_pool_certificates {
    my ($t) = @_;

    my $d = $t->dir;
    my $ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

    $t->write_file('pool.ext', "subjectAltName=DNS:$POOL\n");

    for my $cmd ("openssl req -x509 $ec -days 2 -subj /CN=Contoso-Root-CA"
                 . " -keyout $d/ca.key -out $d/ca.pem",
                 "openssl req $ec -subj /CN=$POOL"
                 . " -keyout $d/pool.key -out $d/pool.csr",
                 "openssl x509 -req -in $d/pool.csr -CA $d/ca.pem"
                 . " -CAkey $d/ca.key -CAcreateserial -days 2"
                 . " -extfile $d/pool.ext -out $d/pool.pem")
    {
        system("$cmd 2>/dev/null") == 0 or die "failed: $cmd\n";
    }
}
