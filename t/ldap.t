#!/usr/bin/perl

# Sign-in against a real slapd: account names, account states, filter
# injection, the SIP URI check, groups and the variables.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 70;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    ocs_ldap_directory contoso {
        url %%URL%%;
        starttls on;
        ca_file %%CA%%;
        bind_dn "%%BINDDN%%";
        bind_password_file %%PWFILE%%;
        base "dc=contoso,dc=com";
        filter "(objectClass=inetOrgPerson)";
    }

    ocs_ldap_directory adrule {
        url %%URL%%;
        bind_dn "%%BINDDN%%";
        bind_password_file %%PWFILE%%;
        base "dc=contoso,dc=com";
        filter "(objectClass=inetOrgPerson)";
        nested_groups ad;
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;
        ocs_sso_identity_header X-User;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info
                "$ocs_sip_uri|$ocs_display_name|$ocs_groups";
        }

        location /cwa/ {
            ocs_auth forms;
            ocs_auth_sip_claim $http_x_sip_uri;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
        }

        location = /adrule/signin {
            ocs_auth_signin;
            ocs_auth_ldap adrule;
        }

        location /nosip/ {
            ocs_auth_signin_sip off;

            location = /nosip/signin {
                ocs_auth_signin;
            }

            location = /nosip/on {
                ocs_auth_signin;
                ocs_auth_signin_sip on;
            }
        }

        location /sipon/ {
            ocs_auth_signin_sip on;

            location = /sipon/off {
                ocs_auth_signin;
                ocs_auth_signin_sip off;
            }
        }

        location = /local/signin {
            ocs_auth_signin;
            ocs_auth_ldap off;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "user=$http_x_user info=$http_x_info\n";
        }
    }
}
EOF

$conf =~ s/%%URL%%/$ldap->url('ldap')/ge;
$conf =~ s/%%CA%%/$ldap->ca_file/ge;
$conf =~ s/%%BINDDN%%/$ldap->bind_dn/ge;
$conf =~ s/%%PWFILE%%/$ldap->bind_password_file/ge;

$t->users(lou => 'lou-pw');
$t->run($conf);

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

# account names

for my $name ('alice', 'CONTOSO\\alice', 'alice@contoso.com', 'ALICE') {
    my $r = signin($name, 'alice-pw');
    is($r->status, 303, "$name: signed in");
    is($t->get('/app/', jar => $r->{jar})->body,
       "user=alice info=sip:alice\@contoso.com|Alice Example|"
       . "CWA Users,Remote Access\n", "$name: identity, sip, name, groups");
}

my $page;
my $r = signin('sam', 'pass word: with colons: and spaces');
is($r->status, 303, 'password with spaces and colons');

$r = signin('nick', 'nick-pw');
like($t->get('/app/', jar => $r->{jar})->body, qr/\|Sales EMEA,Sales\n$/,
     'nested group');

# slapd has no LDAP_MATCHING_RULE_IN_CHAIN: "nested_groups ad" keeps the
# direct groups
$r = $t->signin('nick', 'nick-pw', jar => 'adrule', signin => '/adrule/signin');
is($r->status, 303, 'nested_groups ad: signed in');
like($t->get('/app/', jar => 'adrule')->body, qr/\|Sales EMEA\n$/,
     'nested_groups ad on a server without the rule: direct groups');

# a directory value with a line break cannot split an upstream header

$ldap->modify(<<'LDIF');
dn: cn=jeremy,ou=Users,dc=contoso,dc=com
changetype: modify
replace: displayName
displayName:: SmVyZW15DQpYLUFkbWluOiB0cnVl
LDIF

$r = $t->signin('jeremy', 'jeremy-pw', jar => 'crlf');
$r = $t->get('/app/', jar => 'crlf');
like($r->body, qr/\|Jeremy\?\?X-Admin: true\|/,
     'control characters in a directory value become "?"');

# one answer for a wrong password and an unknown user

my $wrong = signin('alice', 'wrong');
my $unknown = signin('nobody', 'wrong');
is($wrong->status, 401, 'wrong password');
is($unknown->status, 401, 'unknown user');
like($wrong->body, qr/The user name or password is incorrect\./,
     'wrong password message');
(my $a = $wrong->body) =~ s/value="[^"]*"//g;
(my $b = $unknown->body) =~ s/value="[^"]*"//g;
is($a, $b, 'unknown user and wrong password look the same');

$r = signin('alice', '');
is($r->status, 401, 'empty password refused');

# account states: told only to the account's owner

my @states = (
    ['dave', 'dave-pw', qr/Your account is disabled/, 'account disabled'],
    ['lucy', 'lucy-pw', qr/Your account is locked out/, 'account locked out'],
    ['eve', 'eve-pw', qr/Your password has expired/, 'password expired'],
    ['mark', 'mark-pw', qr/You must change your password/,
     'password must be changed'],
);

for my $s (@states) {
    my ($user, $pw, $message, $log) = @$s;
    $r = signin($user, $pw);
    is($r->status, 401, "$user: refused");
    like($r->body, $message, "$user: says why");
    ok(!$r->set_cookie('__Host-ocs_ticket'), "$user: no ticket");
    like($t->error_log, qr/sign-in failed for user "$user": $log/,
         "$user: log");
}

$r = signin('dave', 'wrong');
like($r->body, qr/The user name or password is incorrect/,
     'disabled account, wrong password: nothing revealed');

# filter injection

for my $name ('*', '*)(sAMAccountName=*', 'a*', 'al*ce', 'alice)(|(cn=*',
              '*@contoso.com', 'alice*@contoso.com')
{
    $r = signin($name, 'alice-pw');
    is($r->status, 401, "injection '$name' signs nobody in");
}

# a NUL byte cannot travel in curl's arguments: send the body as is
$page = $t->get('/ocs/signin', jar => 'nul');
$r = $t->post('/ocs/signin', jar => 'nul',
              body => 'csrf=' . $page->field('csrf')
                      . '&username=alice%00x&password=alice-pw');
is($r->status, 401, 'a NUL byte in the name signs nobody in');

$r = signin('st*r', 'star-pw');
is($r->status, 303, 'a literal asterisk in a real name');

# the sign-in address

$r = signin('vadim', 'vadim-pw', sip => 'sip:jeremy@contoso.com');
is($r->status, 403, 'sip of another account: refused');
like($r->body, qr/The sign-in address does not match/, 'sip mismatch message');
is($r->field('sip'), 'sip:jeremy@contoso.com', 'sip mismatch: address kept');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'sip mismatch: no ticket');

$r = signin('vadim', 'vadim-pw', sip => 'sip:vadim@contoso.com');
is($r->status, 303, 'own sip');

# the sign-in address field: shown with a directory, off and on again

like($t->get('/ocs/signin')->body,
     qr/<label for="sip">Sign-in address \(optional\)<\/label>\n<input id="sip" name="sip"/,
     'a directory: the sign-in address field');
unlike($t->get('/nosip/signin')->body, qr/name="sip"/,
       'ocs_auth_signin_sip off, inherited: no field');
like($t->get('/nosip/on')->body, qr/name="sip"/,
     'ocs_auth_signin_sip on in a nested location: the field again');
unlike($t->get('/sipon/off')->body, qr/name="sip"/,
       'ocs_auth_signin_sip off in a nested location under on: no field');
$r = $t->signin('vadim', 'vadim-pw', jar => 'nosip', signin => '/nosip/signin');
is($r->status, 303, 'no field: a sign-in without an address');
$page = $t->get('/nosip/signin', jar => 'nosip2');
$r = $t->post('/nosip/signin', jar => 'nosip2',
              form => [csrf => $page->field('csrf'), username => 'vadim',
                       password => 'vadim-pw',
                       sip => 'sip:jeremy@contoso.com']);
is($r->status, 403, 'no field: an address sent all the same is checked');

$page = $t->get('/ocs/signin', jar => 'badsip');
$r = $t->post('/ocs/signin', jar => 'badsip',
              body => 'csrf=' . $page->field('csrf')
                      . '&username=vadim&password=vadim-pw&sip=%zz');
is($r->status, 403, 'an unreadable sign-in address is not skipped');

$r = signin('CONTOSO\\vadim', 'vadim-pw', sip => 'VADIM@Contoso.com');
is($r->status, 303, 'own sip without prefix, other case');

# ocs_auth_ldap off in a location under a server that sets it: the user
# file there, not the directory

$r = $t->signin('lou', 'lou-pw', jar => 'local', signin => '/local/signin');
is($r->status, 303, 'ocs_auth_ldap off in a nested location: the user file');
is($t->signin('jeremy', 'jeremy-pw', jar => 'local2',
              signin => '/local/signin')->status,
   401, 'ocs_auth_ldap off: a directory user is unknown there');
is(signin('lou', 'lou-pw')->status, 401,
   'the directory above it does not know the user file\'s user');

# a sign-in address the client states on each request

$r = signin('jeremy', 'jeremy-pw', jar => 'claim');
is($t->get('/cwa/', jar => 'claim',
           headers => ['X-SIP-URI: sip:jeremy@contoso.com'])->status,
   200, 'claim matches');
is($t->get('/cwa/', jar => 'claim')->status, 200, 'no claim');
$r = $t->get('/cwa/', jar => 'claim',
             headers => ['X-SIP-URI: sip:alice@contoso.com']);
is($r->status, 403, 'claim of another account');
like($r->body, qr/does not match the account you signed in with/,
     'claim mismatch message');

# logs

my $log = $t->error_log;
like($log, qr/\[notice\].*user "alice" signed in with a password from directory "contoso"/,
     'log: success');
like($log, qr/\[error\].*sign-in failed for user "nobody", client/,
     'log: unknown user');
like($log, qr/sign-in address "sip:jeremy\@contoso.com" does not match/,
     'log: sip mismatch');
like($log, qr/user "jeremy" denied: the sign-in address does not match/,
     'log: claim mismatch');
unlike($t->logs, qr/alice-pw|pass word|vadim-pw|jeremy-pw|dave-pw|lou-pw/,
       'no password in the logs');

$t->done;
