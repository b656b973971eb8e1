#!/usr/bin/perl

# Kerberos users and the directory on Apache, as t/negotiate_ldap.t on
# nginx: the principal maps to its account (realm stripped:
# sAMAccountName; realm kept: userPrincipalName), the directory's facts
# go into the ticket (ocs_ap_ldap_login_conf and _fill_ticket under
# Negotiate), and the directory's rules apply to it as to a forms user.
# A real MIT KDC in the realm CONTOSO.COM and a real slapd.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::Slapd;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 29;
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

my $echo = OCS::Echo->new($t);
$echo->start;

my $url = $ldap->url('ldap');
my $bind = $ldap->bind_dn;
my $pw = $ldap->bind_password_file;

$t->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<OCSDirectory contoso>
    url $url
    bind_dn "$bind"
    bind_password_file $pw
    base "dc=contoso,dc=com"
    filter "(objectClass=inetOrgPerson)"
</OCSDirectory>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSKeytab $keytab
    OCSLDAP contoso
    OCSInternalNetworks 127.0.0.0/8

    <Location /cwa/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSRequire ocs_enabled
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_SIP_URI}e|%{OCS_DISPLAY_NAME}e|%{OCS_GROUPS}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/cwa/
    </Location>

    <Location /upn/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNegotiateKeepRealm on
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_SIP_URI}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/upn/
    </Location>

    <Location /ocs/quick>
        AuthType OCS-Negotiate
        SetHandler ocs-quick-signin
    </Location>
</VirtualHost>
EOF

my $port = $t->port('https');
my $base = "https://localhost:$port";
my $resolve = "localhost:$port:127.0.0.1";

# a page request with Negotiate, as $user (kinit first, own cache)
sub kerberos {
    my ($user, $path, %o) = @_;

    $ENV{KRB5CCNAME} = 'FILE:' . $t->path("$user.cc");

    return $t->get("$base$path", jar => $o{jar}, resolve => $resolve,
                   headers => ['Accept: text/html'],
                   curl => ['--negotiate', '-u', ':']);
}

sub info {
    my ($r) = @_;
    return $r->body =~ /^X-Info: (.*?)\r?$/mi ? $1 : '';
}

for my $user (qw(alice nora dave ghost)) {
    my ($rc, $out) = $kdc->kinit($user, "$user-pw",
                                 ccache => $t->path("$user.cc"));
    is($rc, 0, "kinit $user") or diag($out);
}

# the account behind the principal, with what the directory says

my $r = kerberos('alice', '/cwa/', jar => 'alice');
is($r->status, 200, 'alice: Kerberos, then the directory: in');
is(info($r), 'alice|sip:alice@contoso.com|Alice Example|'
             . 'CWA Users,Remote Access',
   'alice: SIP URI, display name and groups from the directory');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'alice: the proxy ticket issued');

$r = $t->get("$base/cwa/x", jar => 'alice', resolve => $resolve);
is($r->status, 200, 'alice: later requests ride the ticket');
unlike($t->error_log, qr/re-checked/,
       'alice: the ticket\'s facts are the current ones');

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
is($t->get("$base/cwa/", jar => 'quick', resolve => $resolve)->status, 200,
   'quick sign-in: the ticket works');

# realm kept: the principal is the userPrincipalName (case aside)

$r = kerberos('alice', '/upn/', jar => 'upn');
is($r->status, 200, 'keep realm: alice@CONTOSO.COM found by UPN');
is(info($r), 'alice|sip:alice@contoso.com',
   'keep realm: the account name as the directory spells it');

# the directory down: 503, not "refused"; a ticket goes on

$ldap->stop;

$r = kerberos('alice', '/cwa/');
is($r->status, 503, 'directory down: 503');
like($t->error_log, qr/directory "contoso" unavailable/,
     'directory down: logged');
is($t->get("$base/cwa/y", jar => 'alice', resolve => $resolve)->status, 200,
   'directory down: a session that holds a ticket goes on');

$ldap->start;

$r = kerberos('alice', '/cwa/');
is($r->status, 200, 'directory back: Kerberos sign-in works again');

$echo->stop;
$t->done;
