#!/usr/bin/perl

# NTLM for internal clients through gss-ntlmssp, with no domain
# controller: the accounts come from its NTLM_USER_FILE.  Raw
# "Authorization: NTLM" (curl --ntlm) and NTLM inside SPNEGO
# (curl --negotiate without a Kerberos ticket), two round trips on one
# connection, then the proxy's own ticket.  The mechanism is loaded from
# a private GSS_MECH_CONFIG; nothing system-wide is read for it.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::Test;
use Test::More;

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');
plan skip_all => 'gss-ntlmssp is not installed (tools/install-deps '
                 . 'installs it)' unless $so;

my $t = OCS::Test->new;
plan tests => 32;
my $kdc = OCS::Kdc->new($t);

# Negotiate needs a keytab even when only NTLM is used
$kdc->start;
$kdc->addprinc('carol', 'carol-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\nOCS:bob:bob-pw\n");
chmod 0644, $t->path('ntlm-users');

# what a client's gss-ntlmssp signs in with: the file's first line
$t->write_file('client-alice', "OCS:alice:alice-pw\n");

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env(ccache => $t->path('none.cc'));
@ENV{keys %env} = values %env;
$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');

my $main = join '', map { "env $_;\n" }
    qw(KRB5_CONFIG KRB5RCACHEDIR GSS_MECH_CONFIG NTLM_USER_FILE);

$t->run(<<"EOF", main => $main);
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    # the documented limit on NTLM attempts (kerberos.md): requests that
    # carry an NTLM or Negotiate header, per client; others not counted
    map \$http_authorization \$ocs_ntlm_client {
        ~*^(NTLM|Negotiate)\\s  \$binary_remote_addr;
        default                "";
    }
    limit_req_zone \$ocs_ntlm_client zone=ntlm:1m rate=1r/m;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_ntlm on;
        ocs_auth_internal_networks 127.0.0.0/8;

        location /app/ {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /domain/ {
            ocs_auth_negotiate_keep_realm on;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /pinned/ {
            ocs_auth_service_principal HTTP/otherhost\@OCS.TEST;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /limited/ {
            limit_req zone=ntlm burst=3 nodelay;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /no-ntlm/ {
            ocs_auth_ntlm off;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_external%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_ntlm on;
        ocs_auth_internal_networks 10.0.0.0/8;

        location /app/ {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok \$http_x_info\\n";
        }
    }
}
EOF

my $page = ['Accept: text/html'];

sub ntlm {
    my ($path, $user, %o) = @_;
    return $t->get($path, jar => $o{jar}, port => $o{port}, headers => $page,
                   curl => ['--ntlm', '-u', $user]);
}

# offered to internal clients

my $r = $t->get('/app/', headers => $page);
is($r->status, 401, 'no credentials: 401');
like($r->raw_headers, qr/WWW-Authenticate: Negotiate\r?\n/,
     'Negotiate offered');
like($r->raw_headers, qr/WWW-Authenticate: NTLM\r?\n/, 'NTLM offered');

# raw NTLM: NEGOTIATE, CHALLENGE, AUTHENTICATE on one connection

$r = ntlm('/app/', 'OCS\\alice:alice-pw', jar => 'alice');
is($r->status, 200, 'curl --ntlm: signed in after two round trips');
is($r->body, "ok alice|ntlm\n",
   'the user without the domain, the method recorded');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'the proxy issues its own ticket');
like($t->error_log, qr/\[notice\].*user "alice" signed in with NTLM/,
     'the sign-in logged');

is($t->get('/app/x', jar => 'alice')->body, "ok alice|ntlm\n",
   'later requests ride the ticket, with no NTLM');

$r = ntlm('/domain/', 'OCS\\bob:bob-pw');
is($r->body, "ok OCS\\bob|ntlm\n", 'keep_realm: DOMAIN\\user kept');

$r = ntlm('/app/', 'alice:alice-pw');
is($r->status, 200, 'no domain sent: the file\'s entry still matches');

# refusals

$r = ntlm('/app/', 'OCS\\alice:wrong');
is($r->status, 401, 'wrong password: 401');
is($r->set_cookie('__Host-ocs_ticket'), undef, 'wrong password: no ticket');
like($t->error_log, qr/\[error\].*NTLM: token refused/,
     'wrong password: one ERR line in GSSAPI\'s words');

is(ntlm('/app/', 'OCS\\mallory:x')->status, 401, 'unknown user: 401');

$r = $t->get('/app/', headers => [@$page, 'Authorization: NTLM AAAA']);
is($r->status, 401, 'garbage NTLM token: 401');

$r = ntlm('/no-ntlm/', 'OCS\\alice:alice-pw');
is($r->status, 401, 'ocs_auth_ntlm off: raw NTLM refused');
like($t->error_log, qr/NTLM refused: "ocs_auth_ntlm" is off/,
     'ocs_auth_ntlm off: logged');
unlike($t->get('/no-ntlm/', headers => $page)->raw_headers,
       qr/WWW-Authenticate: NTLM/, 'ocs_auth_ntlm off: NTLM not offered');

$r = ntlm('/app/', 'OCS\\alice:alice-pw', port => 'external');
isnt($r->status, 200, 'external client: NTLM refused');
like($t->error_log,
     qr/NTLM from a client outside "ocs_auth_internal_networks" refused/,
     'external client: logged');
unlike($t->get('/app/', port => 'external', headers => $page)->raw_headers,
       qr/WWW-Authenticate: (NTLM|Negotiate)/,
       'external client: neither offered');

# limit_req on the requests that carry NTLM: a sign-in (two legs) goes
# through, the attempts after the burst get 503 before gss-ntlmssp sees
# them, and the signed-in client's ticket requests are not counted

$r = ntlm('/limited/', 'OCS\\alice:alice-pw', jar => 'limited');
is($r->status, 200, 'limit_req: a sign-in within the burst');
my @codes = map { ntlm('/limited/', 'OCS\\alice:wrong')->status } 1 .. 3;
is($codes[-1], 503, 'limit_req: attempts past the burst refused (503): '
                    . "@codes");
is(join(' ', map { $t->get('/limited/', jar => 'limited')->status } 1 .. 5),
   '200 200 200 200 200', 'limit_req: ticket requests not counted');

# NTLM inside SPNEGO: curl --negotiate with no Kerberos ticket falls back
# to NTLM, with the client's own NTLM_USER_FILE

{
    local $ENV{NTLM_USER_FILE} = $t->path('client-alice');

    $r = $t->get('/app/', jar => 'spnego', headers => $page,
                 curl => ['--negotiate', '-u', ':']);
}

is($r->status, 200, 'SPNEGO with NTLM inside: signed in');
is($r->body, "ok alice|ntlm\n", 'SPNEGO: the NTLM user');

# Kerberos still works where NTLM is on: SPNEGO picks it when the client
# holds a ticket (the keytab comes through the process-wide acceptor
# identity then)

my ($rc, $out) = $kdc->kinit('carol', 'carol-pw',
                             ccache => $t->path('carol.cc'));
is($rc, 0, 'kinit carol') or diag($out);

my $port = $t->port('https');

{
    local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('carol.cc');

    $r = $t->get("https://localhost:$port/app/", headers => $page,
                 resolve => "localhost:$port:127.0.0.1",
                 curl => ['--negotiate', '-u', ':']);
    is($r->status, 200, 'NTLM on: Kerberos sign-in still works');
    is($r->body, "ok carol|kerberos\n", 'NTLM on: the method is kerberos');

    $r = $t->get("https://localhost:$port/pinned/", headers => $page,
                 resolve => "localhost:$port:127.0.0.1",
                 curl => ['--negotiate', '-u', ':']);
    is($r->status, 401,
       'NTLM on, service principal pinned: a ticket for another one '
       . 'is refused');
    like($t->error_log,
         qr/Negotiate: ticket for another service principal/,
         'pinned: logged');
}

$t->done;
