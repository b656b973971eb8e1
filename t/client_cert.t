#!/usr/bin/perl

# Client certificates (smart cards) with nginx's ssl_verify_client
# optional and a CA of the test's own (openssl ca): as a second factor
# whose identity (UPN in subjectAltName, e-mail, or subject CN) must
# match the signed-in account, and as the only factor.  Expired, revoked
# (ssl_crl) and unknown-CA certificates are refused by nginx before the
# module sees them.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 33;
my $ldap = OCS::Slapd->new($t);
$ldap->start;

my $ca = $t->path('ca');
mkdir $ca;
mkdir "$ca/new";
$t->write_file('ca/index.txt', '');
$t->write_file('ca/serial', "1000\n");
$t->write_file('ca/crlnumber', "1000\n");
$t->write_file('ca/ca.cnf', <<"EOF");
[ca]
default_ca = test

[test]
database = $ca/index.txt
new_certs_dir = $ca/new
certificate = $ca/ca.pem
private_key = $ca/ca.key
serial = $ca/serial
crlnumber = $ca/crlnumber
default_md = sha256
default_crl_days = 1
policy = any
unique_subject = no
copy_extensions = copy

[any]
commonName = supplied
EOF

sub openssl {
    my @cmd = ('openssl', @_);
    my $out = `@cmd 2>&1`;
    die "openssl @_ failed: $out" if $?;
    return $out;
}

openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
        '-subj', '/CN=OCS\ Test\ CA', '-keyout', "$ca/ca.key",
        '-out', "$ca/ca.pem");

# a client certificate signed by the CA: name, subject CN, alt names,
# and dates (-days 1, or -startdate/-enddate)
sub issue {
    my ($name, $cn, $san, @dates) = @_;

    my $p = $t->path($name);
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt',
            'ec_paramgen_curve:P-256', '-nodes', '-subj', "'/CN=$cn'",
            $san ? ('-addext', "'subjectAltName=$san'") : (),
            '-keyout', "$p.key", '-out', "$p.csr");
    openssl('ca', '-batch', '-config', "$ca/ca.cnf", '-in', "$p.csr",
            '-out', "$p.pem", @dates ? @dates : ('-days', '1'));

    return $p;
}

my $UPN = 'otherName:1.3.6.1.4.1.311.20.2.3;UTF8';

my $alice = issue('alice', 'Alice Example',
                  "$UPN:alice\@contoso.com,email:alice\@contoso.com");
my $bob = issue('bob', 'bob', "$UPN:bob\@contoso.com");
my $evil = issue('evil', 'alice', "$UPN:alice\@evil.example");
my $dave = issue('dave', 'dave', "$UPN:dave\@contoso.com");
my $nora = issue('nora', 'nora', "$UPN:nora\@contoso.com");
my $ghost = issue('ghost', 'ghost', "$UPN:ghost\@contoso.com");
my $expired = issue('expired', 'Alice Example', "$UPN:alice\@contoso.com",
                    '-startdate', '20200101000000Z',
                    '-enddate', '20200102000000Z');
my $revoked = issue('revoked', 'Alice Example', "$UPN:alice\@contoso.com");

openssl('ca', '-config', "$ca/ca.cnf", '-revoke', "$revoked.pem");
openssl('ca', '-config', "$ca/ca.cnf", '-gencrl', '-out', "$ca/crl.pem");

# the same names from a CA nginx does not trust
my $foreign = $t->path('foreign');
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
        '-subj', '/CN=Alice\ Example',
        '-addext', "'subjectAltName=$UPN:alice\@contoso.com'",
        '-keyout', "$foreign.key", '-out', "$foreign.pem");

$t->users(alice => 'alice-pw', bob => 'bob-pw');
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_client_certificate %%TESTDIR%%/ca/ca.pem;
        ssl_verify_client optional;
        ssl_crl %%TESTDIR%%/ca/crl.pem;

        ocs_auth_user_file %%TESTDIR%%/users;
        ocs_auth_certificate identity=upn domain=contoso.com;

        location /smart/ {
            ocs_auth forms;
            ocs_auth_second_factor certificate;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
        }

        location /cn/ {
            ocs_auth forms;
            ocs_auth_certificate identity=cn;
            ocs_auth_second_factor certificate;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
        }

        location /card/ {
            ocs_auth forms;
            ocs_auth_certificate identity=email domain=contoso.com only;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";

            location /card/off/ {
                ocs_auth_certificate off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
                proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
            }
        }

        # the card alone, the account from the directory by its UPN
        location /dircard/ {
            ocs_auth forms;
            ocs_auth_ldap contoso;
            ocs_auth_certificate identity=upn only;
            ocs_auth_require ocs_enabled;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method|$ocs_sip_uri";
        }

        location = /ocs/signin {
            ocs_auth_signin;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok $http_x_info\n";
        }
    }
}
EOF

$conf =~ s/%%DIRECTORY%%/$ldap->nginx_directory()/e;

$t->run($conf);

sub with_cert {
    my ($path, $cert, %o) = @_;
    return $t->get($path, jar => $o{jar},
                   headers => ['Accept: text/html'],
                   curl => $cert ? ['--cert', "$cert.pem",
                                    '--key', "$cert.key"] : []);
}

# a second factor: the certificate of the signed-in account

is($t->signin('alice', 'alice-pw', jar => 'alice')->status, 303,
   'alice: the password');

my $r = with_cert('/smart/', undef, jar => 'alice');
is($r->status, 403, 'no certificate: 403');
like($r->body, qr/needs your smart card or client certificate/,
     'no certificate: the page says what is missing');

$r = with_cert('/smart/', $alice, jar => 'alice');
is($r->status, 200, 'her certificate: in');
is($r->body, "ok alice|password,certificate\n",
   'the ticket records the certificate (UPN alice@contoso.com is alice)');
like($t->error_log,
     qr/\[notice\].*user "alice" stepped up with a client certificate/,
     'the step-up logged');

is(with_cert('/smart/', undef, jar => 'alice')->status, 200,
   'the stepped-up ticket works without the certificate');

# another account's certificate, or the same name in another domain

is($t->signin('bob', 'bob-pw', jar => 'bob')->status, 303, 'bob: password');
$r = with_cert('/smart/', $alice, jar => 'bob');
is($r->status, 403, 'alice\'s certificate for bob: 403');
like($t->error_log,
     qr/\[error\].*the client certificate of "alice\@contoso\.com" does not match user "bob"/,
     'the mismatch logged');

is($t->signin('alice', 'alice-pw', jar => 'alice2')->status, 303, 'alice2');
is(with_cert('/smart/', $evil, jar => 'alice2')->status, 403,
   'alice@evil.example is not alice@contoso.com');

# the subject CN as the identity

is(with_cert('/cn/', $bob, jar => 'bob')->body,
   "ok bob|password,certificate\n", 'identity=cn: the CN "bob" is bob');

# certificates nginx refuses: expired, revoked, an unknown CA

is(with_cert('/smart/', $expired, jar => 'alice2')->status, 400,
   'an expired certificate: 400 from nginx');
is(with_cert('/smart/', $revoked, jar => 'alice2')->status, 400,
   'a revoked certificate (ssl_crl): 400');
is(with_cert('/smart/', $foreign, jar => 'alice2')->status, 400,
   'a certificate from an unknown CA: 400');
is(with_cert('/smart/', undef, jar => 'alice2')->status, 403,
   'none of them stepped the session up');

# the only factor: the certificate signs the user in

$r = with_cert('/card/', $alice, jar => 'card');
is($r->status, 200, 'only: the certificate alone signs in');
is($r->body, "ok alice|certificate\n",
   'only: e-mail alice@contoso.com is alice, by certificate');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'only: a ticket issued');
like($t->error_log,
     qr/\[notice\].*user "alice" signed in with a client certificate/,
     'only: logged');

$r = with_cert('/card/', undef, jar => 'nocard');
is($r->status, 302, 'only, without a certificate: the sign-in form');

$r = with_cert('/card/off/', $alice, jar => 'offcard');
is($r->status, 302,
   'certificate off in a nested location: the card signs no one in');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'certificate off: no ticket');

# the only factor with a directory: the account the UPN names, its state
# and the location's requirements

$r = with_cert('/dircard/', $alice, jar => 'dircard');
is($r->status, 200, 'directory: alice\'s card signs her in');
is($r->body, "ok alice|certificate|sip:alice\@contoso.com\n",
   'directory: the account found by UPN, its SIP URI in the ticket');

$r = with_cert('/dircard/', $dave);
is($r->status, 403, 'directory: a disabled account\'s card: 403');
like($t->error_log,
     qr/certificate sign-in refused for user "dave\@contoso\.com": account disabled/,
     'disabled: logged');

is(with_cert('/dircard/', $nora)->status, 403,
   'directory: a requirement the account does not meet: 403');
like($t->error_log, qr/user "nora" denied: not enabled for OCS/,
     'requirement: logged');

$r = with_cert('/dircard/', $ghost);
is($r->status, 403, 'directory: a card for no account: 403');
like($t->error_log,
     qr/certificate user "ghost\@contoso\.com" has no account in directory "contoso"/,
     'no account: logged');

$t->done;
