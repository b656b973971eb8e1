#!/usr/bin/perl

# The web farm preset (conf/ocs-r2-webfarm.conf) with real NTLM to the
# pool: Apache httpd with mod_auth_gssapi, gss-ntlmssp and
# GssapiConnectionBound On as IIS (OCS::Apache), over HTTPS with a
# private CA.  An external Communicator's Address Book download, DL
# expansion and dial-in page authenticate to IIS end to end through the
# preset; two users interleaving on their own connections always get
# their own; the proxy's ticket and identity header stay here; and no
# credential opens an /Int path or a method the service does not use.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use POSIX ();

use lib 't/lib';
use OCS::Apache;
use OCS::Test;
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $PRESET = "$ROOT/conf/ocs-r2-webfarm.conf";

my $t = OCS::Test->new;

if (my $why = OCS::Apache->missing) {
    plan skip_all => $why;
}

plan tests => 20;

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\nOCS:bob:bob-pw\n");
$t->write_file('client-bob', "OCS:bob:bob-pw\n");
$t->write_file('no-krb5.conf', "[libdefaults]\n");

$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');
$ENV{KRB5_CONFIG} = $t->path('no-krb5.conf');
$ENV{KRB5CCNAME} = 'FILE:' . $t->path('no.cc');

my $iis = OCS::Apache->new($t);
$iis->start(sites => [ { port => $t->port('iis') } ]);

# the pool's external virtual directories, as files
my %files = ('ABS/Ext/Handler/F-0a1b.lsabs' => "address book\n",
             'GroupExpansion/Ext/service.asmx' => "wsdl\n",
             'PhoneConferencing/Ext/default.aspx' => "dial-in\n",
             'ABS/Int/Handler/F-0a1b.lsabs' => "internal\n");

for my $f (sort keys %files) {
    my $path = $iis->dir . "/docs/$f";
    my $dir = dirname($path);
    system('mkdir', '-p', $dir) == 0 or die "mkdir $dir\n";
    chmod 0755, $dir, dirname($dir), dirname(dirname($dir));
    $t->write_file("apache/docs/$f", $files{$f});
    chmod 0644, $path;
}

my $ca = $iis->ca;
my $name = $iis->name;

my $conf = <<"EOF";
http {
    ocs_sso_identity_header X-User;

    upstream ocs_r2_pool {
        server 127.0.0.1:%%PORT_iis%%;
        keepalive 4;
        ocs_upstream_pin max=16 idle=60s;
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        server_name webfarm.contoso.com;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        set \$ocs_r2_pool_fqdn $name;
        set \$ocs_r2_host \$ocs_r2_pool_fqdn;
        proxy_ssl_trusted_certificate $ca;
        include $PRESET;
    }
}
EOF

$t->run($conf);

# Communicator outside: the Address Book, DL expansion, the dial-in page

my $r = ntlm('/ABS/Ext/Handler/F-0a1b.lsabs', 'alice');
ok($r->status == 200 && $r->body eq "address book\n",
   'address book: curl --ntlm through the preset');
is($r->header('X-Upstream-User'), 'OCS\\alice', 'address book: IIS saw alice');

$r = negotiate('/GroupExpansion/Ext/service.asmx', 'bob');
ok($r->status == 200 && $r->body eq "wsdl\n",
   'DL expansion: curl --negotiate through the preset');
is($r->header('X-Upstream-User'), 'OCS\\bob', 'DL expansion: IIS saw bob');

$r = ntlm('/PhoneConferencing/Ext/default.aspx', 'alice');
is($r->header('X-Upstream-User'), 'OCS\\alice', 'dial-in page: IIS saw alice');

$r = $t->get('/ABS/Ext/Handler/F-0a1b.lsabs');
is($r->status, 401, 'no credentials: IIS\'s 401');
like($r->raw_headers, qr/^WWW-Authenticate: NTLM\s*$/m,
     'no credentials: IIS\'s challenge passed');

# a synchronisation: many requests on one connection, one handshake

my @s = session('/ABS/Ext/Handler/F-0a1b.lsabs', 20, '--ntlm', 'alice', 's');
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @s), 20,
   'session: 20 downloads, every one alice');
is(scalar(keys %{{ map { $_->{port} => 1 } @s }}), 1,
   'session: one pool connection');

# two users at once, each on its own connection: never the other

my $n = 300;
my $a = start_session('/ABS/Ext/Handler/F-0a1b.lsabs', $n, '--ntlm',
                      'alice', 'a');
my $b = start_session('/GroupExpansion/Ext/service.asmx', $n,
                      '--negotiate', 'bob', 'b');
my @a = finish_session($a);
my @b = finish_session($b);

is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\alice' } @a), $n,
   "interleaved: $n for alice, all alice");
is(scalar(grep { $_->{code} == 200 && $_->{user} eq 'OCS\\bob' } @b), $n,
   "interleaved: $n for bob, all bob");
is(scalar(grep { $_->{user} eq 'OCS\\bob' } @a)
   + scalar(grep { $_->{user} eq 'OCS\\alice' } @b), 0,
   'interleaved: zero substitutions');

# what stays here: the proxy's ticket, a client's identity header

$r = ntlm('/ABS/Ext/Handler/F-0a1b.lsabs', 'alice', headers => [
    'Cookie: __Host-ocs_ticket=forged; ASP.NET_SessionId=1',
    'X-User: administrator']);
is($r->header('X-Saw-User'), '', 'the identity header does not reach IIS');
unlike($r->header('X-Saw-Cookie'), qr/ocs_ticket/,
       'the ticket cookie does not reach IIS');

# credentials open nothing the preset does not publish

$r = ntlm('/ABS/Int/Handler/F-0a1b.lsabs', 'alice');
is($r->status, 404, 'with credentials, /ABS/Int/: 404');
$r = ntlm('/ABS/Ext/..%2FInt/Handler/F-0a1b.lsabs', 'alice');
is($r->status, 400, 'with credentials, an encoded slash: 400');
is(ntlm('/ABS/Ext/Handler/F-0a1b.lsabs', 'alice', method => 'PUT')->status,
   403, 'with credentials, PUT: 403');
unlike($t->read_file('apache/access.log'), qr{/Int/|%2F}i,
       'IIS never saw an /Int path');

unlike($t->error_log, qr/\[crit\]/, 'no crit in the error log');

$iis->stop;
$t->done;


# --- helpers -----------------------------------------------------------

sub ntlm {
    my ($path, $user, %o) = @_;

    return $t->http($o{method} || 'GET', $path, headers => $o{headers},
                    curl => ['--path-as-is', '--ntlm',
                             '-u', "OCS\\$user:$user-pw"]);
}

sub negotiate {
    my ($path, $user) = @_;

    local $ENV{NTLM_USER_FILE} = $t->path("client-$user");

    return $t->get($path, curl => ['--negotiate', '-u', ':']);
}

# one curl fetching $n URLs on one connection, in the background; each
# line says the status, IIS's user and IIS's view of the connection
sub start_session {
    my ($path, $n, $how, $user, $tag) = @_;

    my $url = $t->url($path);
    $t->write_file("session-$tag.cfg", join '', map {
        "url = \"$url?n=$_\"\noutput = \"/dev/null\"\n" } 1 .. $n);

    my $pid = fork;
    die "cannot fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        $ENV{NTLM_USER_FILE} = $t->path("client-$user")
            if $how eq '--negotiate';
        # never unwinds into the test's destructors (they stop the servers)
        open STDOUT, '>', $t->path("session-$tag.out") or POSIX::_exit(127);
        { exec 'curl', '-s', '-k', '--max-time', '120', $how,
               '-u', $how eq '--ntlm' ? "OCS\\$user:$user-pw" : ':',
               '-w', '%{http_code} [%header{x-upstream-user}] '
                     . '%header{x-upstream-port}\n',
               '-K', $t->path("session-$tag.cfg") }
        POSIX::_exit(127);
    }

    return { pid => $pid, tag => $tag };
}

sub finish_session {
    my ($run) = @_;

    waitpid $run->{pid}, 0;

    my @r;

    for (split /\n/, $t->read_file("session-$run->{tag}.out")) {
        my ($code, $user, $port) = /^(\d+) \[(.*)\] (\d*)$/ or next;
        # a handshake's 401 is not an answer
        push @r, { code => $code, user => $user, port => $port }
            unless $code == 401;
    }

    return @r;
}

sub session {
    return finish_session(start_session(@_));
}
