#!/usr/bin/perl

# Kerberos users and the directory: the principal maps to its Active
# Directory account (realm stripped: sAMAccountName; realm kept:
# userPrincipalName), and the directory's rules apply to it as to a
# forms user.  A real MIT KDC in the realm CONTOSO.COM and a real slapd
# holding the same users.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 31;
my $ldap = OCS::Slapd->new($t);
my $kdc = OCS::Kdc->new($t, realm => 'CONTOSO.COM');

$ldap->start;
$kdc->start;

# alice: enabled; nora: not enabled for OCS; dave: disabled in AD;
# ghost: a principal with no account in the directory
$kdc->addprinc($_, "$_-pw") for qw(alice nora dave ghost);
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env;
@ENV{keys %env} = values %env;

my $conf = <<"EOF";
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_ldap contoso;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 127.0.0.0/8;

        location /cwa/ {
            ocs_auth_require ocs_enabled;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info
                "\$ocs_user|\$ocs_sip_uri|\$ocs_display_name|\$ocs_groups";
        }

        location /upn/ {
            ocs_auth_negotiate_keep_realm on;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_sip_uri";
        }

        location = /ocs/quick {
            ocs_auth_quick_signin;
        }

        location = /ocs/signin {
            ocs_auth_signin;
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

$conf =~ s/%%DIRECTORY%%/$ldap->nginx_directory()/e;

$t->run($conf, main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");

my $port = $t->port('https');
my $base = "https://localhost:$port";
my $resolve = "localhost:$port:127.0.0.1";

# a page request with Negotiate, as $user (kinit first, own cache)
sub kerberos {
    my ($user, $path, %o) = @_;

    my $cc = $t->path("$user.cc");
    $ENV{KRB5CCNAME} = "FILE:$cc";

    return $t->get("$base$path", jar => $o{jar}, resolve => $resolve,
                   headers => ['Accept: text/html'],
                   curl => ['--negotiate', '-u', ':']);
}

for my $user (qw(alice nora dave ghost)) {
    my ($rc, $out) = $kdc->kinit($user, "$user-pw",
                                 ccache => $t->path("$user.cc"));
    is($rc, 0, "kinit $user") or diag($out);
}

# the account behind the principal, with what the directory says

my $r = kerberos('alice', '/cwa/', jar => 'alice');
is($r->status, 200, 'alice: Kerberos, then the directory: in');
is($r->body, "ok alice|sip:alice\@contoso.com|Alice Example|"
             . "CWA Users,Remote Access\n",
   'alice: SIP URI, display name and groups from the directory');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'alice: the proxy ticket issued');
like($t->error_log, qr/\[notice\].*user "alice" signed in with Kerberos/,
     'alice: the sign-in logged');

$r = $t->get("$base/cwa/x", jar => 'alice', resolve => $resolve);
is($r->status, 200, 'alice: later requests ride the ticket');

# the location's rules apply to a Kerberos user as to a forms user

$r = kerberos('nora', '/cwa/', jar => 'nora');
is($r->status, 403, 'nora, not enabled for OCS: 403');
like($r->body, qr/not enabled for Office Communications Server/,
     'nora: the page says why');
like($t->error_log, qr/user "nora" denied: not enabled for OCS/,
     'nora: the log says why');

# the account's own state

$r = kerberos('dave', '/cwa/');
is($r->status, 403, 'dave, disabled in the directory: 403');
like($r->body, qr/disabled/i, 'dave: the page says the account is disabled');
like($t->error_log,
     qr/Kerberos sign-in refused for user "dave": account disabled/,
     'dave: one log line');
is($r->set_cookie('__Host-ocs_ticket'), undef, 'dave: no ticket');

$r = kerberos('ghost', '/cwa/');
is($r->status, 403, 'a principal with no account: 403');
like($r->body, qr/not found in the directory/, 'ghost: the page says so');
like($t->error_log,
     qr/Kerberos user "ghost" has no account in directory "contoso"/,
     'ghost: one log line');

# the quick sign-in URL takes the same path

$r = kerberos('dave', '/ocs/quick?r=/cwa/');
is($r->status, 403, 'quick sign-in, disabled account: 403');

$r = kerberos('alice', '/ocs/quick?r=/cwa/', jar => 'quick');
is($r->status, 302, 'quick sign-in, alice: redirected');
like($r->header('Location') // '', qr{/cwa/$}, 'quick sign-in: to the service');
is($t->get("$base/cwa/", jar => 'quick', resolve => $resolve)->status, 200,
   'quick sign-in: the ticket works');

# realm kept: the principal is the userPrincipalName (case aside)

$r = kerberos('alice', '/upn/', jar => 'upn');
is($r->status, 200, 'keep_realm: alice@CONTOSO.COM found by UPN');
is($r->body, "ok alice|sip:alice\@contoso.com\n",
   'keep_realm: the account name as the directory spells it');

# the directory down: 503, not "refused"; back: in again

$ldap->stop;

$r = kerberos('alice', '/cwa/');
is($r->status, 503, 'directory down: 503');
like($r->body, qr/directory cannot be reached/, 'directory down: the page');
like($t->error_log, qr/directory "contoso" unavailable/,
     'directory down: logged');

is($t->get("$base/cwa/y", jar => 'alice', resolve => $resolve)->status, 200,
   'directory down: a session that holds a ticket goes on');

$ldap->start;

$r = kerberos('alice', '/cwa/');
is($r->status, 200, 'directory back: Kerberos sign-in works again');

$t->done;
