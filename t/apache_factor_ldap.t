#!/usr/bin/perl

# The Apache module's second step with a TOTP secret held in the
# directory (ocsTotpSecret, "totp_attribute" in <OCSDirectory>): read
# through the service bind, as t/second_factor_ldap.t shows for nginx.
# And "external": the step only from outside OCSInternalNetworks.  A
# real slapd; codes from oathtool.

use strict;
use warnings;

use lib 't/lib';
use OCS::Echo;
use OCS::Slapd;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 11;

my $ldap = OCS::Slapd->new($t);
$ldap->start;

my $SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';
$t->keyfile('ticket.keys', 1);

my $echo = OCS::Echo->new($t);
$echo->start;

my ($url, $bind, $pw) = ($ldap->url('ldap'), $ldap->bind_dn,
                         $ldap->bind_password_file);

$t->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<OCSDirectory contoso>
    url $url
    bind_dn "$bind"
    bind_password_file $pw
    base "dc=contoso,dc=com"
    filter "(objectClass=inetOrgPerson)"
    totp_attribute ocsTotpSecret
</OCSDirectory>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSLDAP contoso

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    # "external": the step only from outside the internal networks
    <Location /inside/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp external
        OCSInternalNetworks 127.0.0.0/8
        ProxyPass http://127.0.0.1:%%PORT_echo%%/inside/
    </Location>
    <Location /outside/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp external
        OCSInternalNetworks 10.0.0.0/8
        ProxyPass http://127.0.0.1:%%PORT_echo%%/outside/
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSTOTP On
    </Location>
</VirtualHost>
EOF

sub totp {
    my $into = time % 30;
    sleep(31 - $into) if $into > 25;
    my $code = `oathtool --totp -b $SECRET`;
    chomp $code;
    return $code;
}

sub step {
    my ($jar, $code) = @_;
    my $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $jar);
    return $t->post('/ocs/signin', jar => $jar,
                    form => [step => 2, state => $page->field('state'),
                             csrf => $page->field('csrf'), r => '/app/',
                             code => $code]);
}

is($t->signin('alice', 'alice-pw', jar => 'alice')->status, 303,
   'alice: the directory password');
is($t->get('/app/', jar => 'alice', headers => ['Accept: text/html'])
   ->status, 302, 'alice: on to the second step');
is($t->get('/inside/', jar => 'alice')->status, 200,
   'external, from inside: the password is enough');
is($t->get('/outside/', jar => 'alice', headers => ['Accept: text/html'])
   ->status, 302, 'external, from outside: the second step');

is(step('alice', '000000')->status, 401, 'a wrong code: 401');

my $r = step('alice', totp());
is($r->status, 303, 'the code from the directory\'s secret: stepped up');
like($t->get('/app/', jar => 'alice')->body,
     qr/^X-Info: alice\|password,totp\r?$/mi, 'both factors in the ticket');

is($t->signin('jeremy', 'jeremy-pw', jar => 'jeremy')->status, 303,
   'jeremy: the password');
$r = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => 'jeremy');
is($r->status, 403, 'no secret in the directory: 403 before a code is asked');

unlike($t->logs, qr/\Q$SECRET\E|alice-pw/, 'no secret in the logs');

$echo->stop;
$t->done;
