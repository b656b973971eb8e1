#!/usr/bin/perl

# Sign-in against a real slapd on Apache, as t/ldap.t on nginx: account
# names, account states, filter injection, the sign-in address, groups
# and the OCS_* variables, OCSLDAP off in a nested location.  The
# directory's part of the sign-in (ocs_ap_ldap_login_conf, _fill_ticket,
# _has_sip) under the sign-in page's POST (ocs_ap_signin); skipped in a
# build without that POST.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;
use FindBin;

my $root = "$FindBin::Bin/..";
my $posts = join '', map { local (@ARGV, $/) = ($_); <> }
            glob("$root/mod_ocs_apache/ocs_ap_signin*.c");
plan(skip_all => 'no sign-in POST in this build (ocs_ap_signin)')
    unless $posts =~ /ocs_ap_ldap_login_conf\s*\(/;

my $t = OCS::Test::Apache->new;
plan tests => 56;

my $ldap = OCS::Slapd->new($t);
$ldap->start;
my $keys = $t->keyfile('ticket.keys', 1);
$t->users(lou => 'lou-pw');

my $echo = OCS::Echo->new($t);
$echo->start;

my $url = $ldap->url('ldap');
my $bind = $ldap->bind_dn;
my $pw = $ldap->bind_password_file;
my $ca = $ldap->ca_file;

$t->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<OCSDirectory contoso>
    url $url
    starttls on
    ca_file $ca
    bind_dn "$bind"
    bind_password_file $pw
    base "dc=contoso,dc=com"
    filter "(objectClass=inetOrgPerson)"
</OCSDirectory>

<OCSDirectory adrule>
    url $url
    bind_dn "$bind"
    bind_password_file $pw
    base "dc=contoso,dc=com"
    filter "(objectClass=inetOrgPerson)"
    nested_groups ad
</OCSDirectory>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSLDAP contoso

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        RequestHeader set X-Info "%{OCS_SIP_URI}e|%{OCS_DISPLAY_NAME}e|%{OCS_GROUPS}e"
        RequestHeader set X-User "%{OCS_USER}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
    </Location>

    <Location /adrule/signin>
        SetHandler ocs-signin
        OCSLDAP adrule
    </Location>

    <Location /cwa/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire ocs_enabled
        ProxyPass http://127.0.0.1:%%PORT_echo%%/cwa/
    </Location>

    <Location /local/signin>
        SetHandler ocs-signin
        OCSLDAP off
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>
EOF

my $n = 0;

sub signin {
    my ($user, $password, %o) = @_;
    my $jar = $o{jar} || 'j' . $n++;
    my $page = $t->get('/ocs/signin', jar => $jar);
    my $r = $t->post('/ocs/signin', jar => $jar,
                     form => [csrf => $page->field('csrf'), r => '/app/',
                              username => $user, password => $password,
                              sip => $o{sip} || '']);
    $r->{jar} = $jar;
    return $r;
}

sub info {
    my ($jar) = @_;
    my $body = $t->get('/app/', jar => $jar)->body;
    my ($user) = $body =~ /^X-User: (.*?)\r?$/mi;
    my ($info) = $body =~ /^X-Info: (.*?)\r?$/mi;
    return ($user // '') . ' ' . ($info // '');
}

# account names

for my $name ('alice', 'CONTOSO\\alice', 'alice@contoso.com', 'ALICE') {
    my $r = signin($name, 'alice-pw');
    is($r->status, 303, "$name: signed in");
    is(info($r->{jar}), 'alice sip:alice@contoso.com|Alice Example|'
       . 'CWA Users,Remote Access', "$name: identity, sip, name, groups");
}

my $r = signin('sam', 'pass word: with colons: and spaces');
is($r->status, 303, 'password with spaces and colons');

$r = signin('nick', 'nick-pw');
like(info($r->{jar}), qr/\|Sales EMEA,Sales$/, 'nested group');

$r = $t->signin('nick', 'nick-pw', jar => 'adrule',
                signin => '/adrule/signin');
is($r->status, 303, 'OCSLDAP in a nested location: its directory');
like(info('adrule'), qr/\|Sales EMEA$/,
     'nested_groups ad on a server without the rule: direct groups');

# one answer for a wrong password and an unknown user

my $wrong = signin('alice', 'wrong');
my $unknown = signin('nobody', 'wrong');
is($wrong->status, 401, 'wrong password');
is($unknown->status, 401, 'unknown user');
like($wrong->body, qr/The user name or password is incorrect\./,
     'wrong password message');
(my $x = $wrong->body) =~ s/value="[^"]*"//g;
(my $y = $unknown->body) =~ s/value="[^"]*"//g;
is($x, $y, 'unknown user and wrong password look the same');

# account states: told only to the account's owner

my @states = (
    ['dave', qr/Your account is disabled/, 'account disabled'],
    ['lucy', qr/Your account is locked out/, 'account locked out'],
    ['eve', qr/Your password has expired/, 'password expired'],
    ['mark', qr/You must change your password/, 'password must be changed'],
);

for my $s (@states) {
    my ($user, $message, $log) = @$s;
    $r = signin($user, "$user-pw");
    is($r->status, 401, "$user: refused");
    like($r->body, $message, "$user: says why");
    ok(!$r->set_cookie('__Host-ocs_ticket'), "$user: no ticket");
    like($t->error_log, qr/sign-in failed for user "$user": $log/,
         "$user: log");
}

# filter injection

for my $name ('*', '*)(sAMAccountName=*', 'al*ce', 'alice)(|(cn=*') {
    is(signin($name, 'alice-pw')->status, 401,
       "injection '$name' signs nobody in");
}

is(signin('st*r', 'star-pw')->status, 303,
   'a literal asterisk in a real name');

# the sign-in address

like($t->get('/ocs/signin')->body, qr/name="sip"/,
     'a directory: the sign-in address field');
unlike($t->get('/local/signin')->body, qr/name="sip"/,
       'OCSLDAP off: no field');

$r = signin('vadim', 'vadim-pw', sip => 'sip:jeremy@contoso.com');
is($r->status, 403, 'sip of another account: refused');
like($r->body, qr/The sign-in address does not match/, 'sip mismatch message');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'sip mismatch: no ticket');

is(signin('CONTOSO\\vadim', 'vadim-pw', sip => 'VADIM@Contoso.com')->status,
   303, 'own sip without prefix, other case');

# OCSLDAP off in a nested location: the user file there

is($t->signin('lou', 'lou-pw', jar => 'local', signin => '/local/signin')
   ->status, 303, 'OCSLDAP off in a nested location: the user file');
is($t->signin('jeremy', 'jeremy-pw', jar => 'local2',
              signin => '/local/signin')->status,
   401, 'OCSLDAP off: a directory user is unknown there');
is(signin('lou', 'lou-pw')->status, 401,
   'the directory does not know the user file\'s user');

# the other way round: Apache's tickets, with Apache's facts, on nginx
# (the same requirements: no re-check there)

my $ng = OCS::Test::Nginx->new;
$ng->write_file('ticket.keys', $t->read_file('ticket.keys'));
chmod 0600, $ng->path('ticket.keys');
my $ndir = $ldap->nginx_directory();
my $eport = $echo->port;

$ng->run(<<"NGINX");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    $ndir

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;

        location /cwa/ {
            ocs_auth forms;
            ocs_auth_require ocs_enabled;
            proxy_pass http://127.0.0.1:$eport;
            proxy_set_header X-Fleet "\$ocs_user \$ocs_groups";
        }

        location = /ocs/signin {
            ocs_auth_signin;
        }
    }
}
NGINX

for my $user (qw(alice nora)) {
    signin($user, "$user-pw", jar => "fleet-$user");
    is($t->get('/cwa/', jar => "fleet-$user")->status,
       $user eq 'alice' ? 200 : 403, "apache: $user, her own ticket");
    $ng->write_file("jar-fleet-$user", $t->read_file("jar-fleet-$user"));
}

my $nr = $ng->get('/cwa/', jar => 'fleet-alice');
is($nr->status, 200, 'nginx: Apache\'s ticket, its facts met');
like($nr->body, qr/^X-Fleet: alice CWA Users,Remote Access\r?$/m,
   'nginx: the user and groups Apache read');
$nr = $ng->get('/cwa/', jar => 'fleet-nora');
is($nr->status, 403, 'nginx: Apache\'s facts, not enabled');
unlike($ng->error_log, qr/re-checked/, 'nginx: Apache\'s facts as they are');
$ng->stop;

my $log = $t->error_log;
like($log, qr/\[auth_ocs:notice\].*user "alice" signed in with a password from directory "contoso"/,
     'log: success');
like($log, qr/sign-in address "sip:jeremy\@contoso.com" does not match/,
     'log: sip mismatch');
unlike($t->logs, qr/alice-pw|pass word|vadim-pw|jeremy-pw|dave-pw|lou-pw/,
       'no password in the logs');

$echo->stop;
$t->done;
