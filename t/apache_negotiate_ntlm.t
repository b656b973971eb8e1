#!/usr/bin/perl

# NTLM on Apache httpd through gss-ntlmssp, with no domain controller:
# the scenarios and answers of t/ntlm.t.  Raw "Authorization: NTLM"
# (curl --ntlm) and NTLM inside SPNEGO (curl --negotiate without a
# Kerberos ticket), two round trips on one connection, then the proxy's
# own ticket; under mpm_event, which may hand the connection to another
# thread between the legs, and under mpm_prefork.  And the
# configuration check: one OCSKeytab wherever OCSNTLM is on.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');
plan skip_all => 'gss-ntlmssp is not installed (tools/install-deps '
                 . 'installs it)' unless $so;

my $t = OCS::Test::Apache->new;
plan tests => 2 * 25 + 7;
my $kdc = OCS::Kdc->new($t);

# Negotiate needs a keytab even when only NTLM is used
$kdc->start;
$kdc->addprinc('carol', 'carol-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\nOCS:bob:bob-pw\n");
chmod 0644, $t->path('ntlm-users');
chmod 0644, $t->path('mech.conf');

# what a client's gss-ntlmssp signs in with: the file's first line
$t->write_file('client-alice', "OCS:alice:alice-pw\n");

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env(ccache => $t->path('none.cc'));
@ENV{keys %env} = values %env;
$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');

my $echo = OCS::Echo->new($t)->start;

my $conf = <<"EOF";
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    KeepAlive On

    OCSKeytab $keytab
    OCSNTLM on
    OCSInternalNetworks 127.0.0.0/8

    <Location /app/>
        AuthType OCS-Negotiate
        Require valid-user
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /domain/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNegotiateKeepRealm on
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/domain/
    </Location>

    <Location /pinned/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSServicePrincipal HTTP/otherhost\@OCS.TEST
        ProxyPass http://127.0.0.1:%%PORT_echo%%/pinned/
    </Location>

    <Location /no-ntlm/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNTLM off
        ProxyPass http://127.0.0.1:%%PORT_echo%%/no-ntlm/
    </Location>
</VirtualHost>
EOF

my $page = ['Accept: text/html'];

sub ntlm {
    my ($path, $user, %o) = @_;
    return $t->get($path, jar => $o{jar}, headers => $page,
                   curl => ['--ntlm', '-u', $user]);
}

sub info {
    my ($r) = @_;
    return $r->body =~ /^X-Info: (.*?)\r?$/m ? $1 : '';
}

for my $mpm (qw(event prefork)) {
    # each MPM's lines alone
    $t->write_file('error.log', '');
    $t->run($conf, mpm => $mpm);

    # offered to internal clients

    my $r = $t->get('/app/', headers => $page);
    is($r->status, 401, "$mpm: no credentials: 401");
    like($r->raw_headers, qr/WWW-Authenticate: Negotiate\r?\n/,
         "$mpm: Negotiate offered");
    like($r->raw_headers, qr/WWW-Authenticate: NTLM\r?\n/,
         "$mpm: NTLM offered");

    # raw NTLM: NEGOTIATE, CHALLENGE, AUTHENTICATE on one connection

    $r = ntlm('/app/', 'OCS\\alice:alice-pw', jar => "alice-$mpm");
    is($r->status, 200, "$mpm: curl --ntlm: signed in after two round "
       . 'trips');
    is(info($r), 'alice|ntlm',
       "$mpm: the user without the domain, the method recorded");
    like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
         "$mpm: the proxy issues its own ticket");
    like($t->error_log,
         qr/\[auth_ocs:notice\].*user "alice" signed in with NTLM/,
         "$mpm: the sign-in logged");
    unlike($r->body, qr/^Authorization:/mi, "$mpm: no NTLM token upstream");

    is(info($t->get('/app/x', jar => "alice-$mpm")), 'alice|ntlm',
       "$mpm: later requests ride the ticket, with no NTLM");

    $r = ntlm('/domain/', 'OCS\\bob:bob-pw');
    is(info($r), 'OCS\\bob|ntlm', "$mpm: keep realm: DOMAIN\\user kept");

    $r = ntlm('/app/', 'alice:alice-pw');
    is($r->status, 200, "$mpm: no domain sent: the file's entry still "
       . 'matches');

    # handshakes at once, each on its connection: 8 with the right
    # password, 4 with a wrong one
    {
        my $url = $t->url('/app/');
        my $cmd = join ' ', map {
            my $pw = $_ > 8 ? 'wrong' : 'alice-pw';
            "curl -s -k --ntlm -u 'OCS\\alice:$pw' -H 'Accept: text/html'"
            . " -o /dev/null -w '%{http_code}' '$url' > "
            . $t->path("par$_") . " &"
        } 1 .. 12;
        system("$cmd wait");

        my @codes = map { $t->read_file("par$_") } 1 .. 12;
        is(join(' ', @codes), join(' ', ('200') x 8, ('401') x 4),
           "$mpm: 12 handshakes at once: each its own outcome");
    }

    # refusals

    $r = ntlm('/app/', 'OCS\\alice:wrong');
    is($r->status, 401, "$mpm: wrong password: 401");
    is($r->set_cookie('__Host-ocs_ticket'), undef,
       "$mpm: wrong password: no ticket");
    like($t->error_log, qr/\[auth_ocs:error\].*NTLM: token refused/,
         "$mpm: wrong password: one ERR line in GSSAPI's words");

    is(ntlm('/app/', 'OCS\\mallory:x')->status, 401,
       "$mpm: unknown user: 401");

    $r = $t->get('/app/', headers => [@$page, 'Authorization: NTLM AAAA']);
    is($r->status, 401, "$mpm: garbage NTLM token: 401");

    $r = ntlm('/no-ntlm/', 'OCS\\alice:alice-pw');
    is($r->status, 401, "$mpm: OCSNTLM off: raw NTLM refused");
    like($t->error_log, qr/NTLM refused: "OCSNTLM" is off/,
         "$mpm: OCSNTLM off: logged");
    unlike($t->get('/no-ntlm/', headers => $page)->raw_headers,
           qr/WWW-Authenticate: NTLM/, "$mpm: OCSNTLM off: NTLM not offered");

    # NTLM inside SPNEGO: curl --negotiate with no Kerberos ticket falls
    # back to NTLM, with the client's own NTLM_USER_FILE

    {
        local $ENV{NTLM_USER_FILE} = $t->path('client-alice');

        $r = $t->get('/app/', jar => "spnego-$mpm", headers => $page,
                     curl => ['--negotiate', '-u', ':']);
    }

    is($r->status, 200, "$mpm: SPNEGO with NTLM inside: signed in");
    is(info($r), 'alice|ntlm', "$mpm: SPNEGO: the NTLM user");

    # Kerberos still works where NTLM is on: SPNEGO picks it when the
    # client holds a ticket (the keytab comes through the process-wide
    # acceptor identity then)

    my ($rc, $out) = $kdc->kinit('carol', 'carol-pw',
                                 ccache => $t->path('carol.cc'));
    my $port = $t->port('https');

    {
        local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('carol.cc');

        $r = $t->get("https://localhost:$port/app/", headers => $page,
                     resolve => "localhost:$port:127.0.0.1",
                     curl => ['--negotiate', '-u', ':']);
        is(info($r), 'carol|kerberos',
           "$mpm: NTLM on: Kerberos sign-in still works") or diag($out);

        $r = $t->get("https://localhost:$port/pinned/", headers => $page,
                     resolve => "localhost:$port:127.0.0.1",
                     curl => ['--negotiate', '-u', ':']);
        is($r->status, 401,
           "$mpm: NTLM on, service principal pinned: a ticket for another "
           . 'one is refused');
        like($t->error_log,
             qr/Negotiate: ticket for another service principal/,
             "$mpm: pinned: logged");
    }

    $t->stop;
}

# NTLM is the process's: one keytab wherever it is on

my ($ok, $out) = $t->try_config(<<'EOF');
OCSKeytab /k1
OCSNTLM on
<Location /a/>
    OCSKeytab /k2
</Location>
EOF
ok(!$ok, 'two keytabs with OCSNTLM: refused');
like($out, qr/"OCSNTLM" needs the same "OCSKeytab" everywhere it is on: "\/k1" and "\/k2"/,
     'two keytabs with OCSNTLM: the message names both');

# a keytab of a nested section, under a section with OCSNTLM on
($ok, $out) = $t->try_config(<<'EOF');
OCSKeytab /k1
<Location /a/>
    OCSNTLM on
</Location>
<Location /a/b/>
    OCSKeytab /k2
</Location>
<Location /c/>
    OCSKeytab /k3
</Location>
EOF
ok(!$ok, 'a nested section with another keytab under OCSNTLM: refused');
like($out, qr/"OCSNTLM" needs the same "OCSKeytab" everywhere it is on: "\/k1" and "\/k2"/,
     'the nested section: the message names both');

($ok, $out) = $t->try_config(<<'EOF');
<Location /a/>
    OCSNTLM on
</Location>
EOF
ok(!$ok, 'OCSNTLM without a keytab: refused');
like($out, qr/"OCSNTLM" needs "OCSKeytab"/,
     'OCSNTLM without a keytab: said');

$echo->stop;
$t->done;
