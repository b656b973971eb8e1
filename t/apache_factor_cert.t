#!/usr/bin/perl

# Client certificates (smart cards) on Apache httpd, through mod_ssl
# (SSLVerifyClient optional, a CA of the test's own, a CRL): as a second
# factor whose identity (UPN, e-mail or subject CN: OCSClientCertificate)
# must match the signed-in account, and as the only factor (only).  The
# same scenarios as t/client_cert.t on nginx.  Expired, revoked and
# unknown-CA certificates are refused by mod_ssl in the handshake, before
# the module sees them (nginx answers those with its own 400).  Until the
# Apache sign-in form lands, nginx signs the users in with the same key
# file.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 34;

my $ca = $a->path('ca');
mkdir $ca;
mkdir "$ca/new";
$a->write_file('ca/index.txt', '');
$a->write_file('ca/serial', "1000\n");
$a->write_file('ca/crlnumber', "1000\n");
$a->write_file('ca/ca.cnf', <<"EOF");
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

    my $p = $a->path($name);
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
my $nosan = issue('nosan', 'Carol Example', '');
my $expired = issue('expired', 'Alice Example', "$UPN:alice\@contoso.com",
                    '-startdate', '20200101000000Z',
                    '-enddate', '20200102000000Z');
my $revoked = issue('revoked', 'Alice Example', "$UPN:alice\@contoso.com");

openssl('ca', '-config', "$ca/ca.cnf", '-revoke', "$revoked.pem");
openssl('ca', '-config', "$ca/ca.cnf", '-gencrl', '-out', "$ca/crl.pem");

# the same names from a CA Apache does not trust
my $foreign = $a->path('foreign');
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
        '-subj', '/CN=Alice\ Example',
        '-addext', "'subjectAltName=$UPN:alice\@contoso.com'",
        '-keyout', "$foreign.key", '-out', "$foreign.pem");

$n->users(alice => 'alice-pw', bob => 'bob-pw', carol => 'carol-pw');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

my $echo = OCS::Echo->new($a);
$echo->start;

$a->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    SSLCACertificateFile $ca/ca.pem
    SSLCARevocationFile $ca/crl.pem
    SSLCARevocationCheck chain
    SSLVerifyClient optional
    SSLVerifyDepth 2

    OCSClientCertificate identity=upn domain=contoso.com
    RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
    ProxyPass / http://127.0.0.1:%%PORT_echo%%/

    <Location /smart/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor certificate
    </Location>

    <Location /cn/>
        AuthType OCS-Forms
        Require valid-user
        OCSClientCertificate identity=cn
        OCSSecondFactor certificate
    </Location>

    <Location /card/>
        AuthType OCS-Forms
        Require valid-user
        OCSClientCertificate identity=email domain=contoso.com only
    </Location>

    <Location /card/off/>
        OCSClientCertificate off
    </Location>

    <Location /nocert/>
        AuthType OCS-Forms
        Require valid-user
        OCSClientCertificate off
        OCSSecondFactor certificate
    </Location>
</VirtualHost>
EOF

sub with_cert {
    my ($path, $cert, %o) = @_;
    return $a->get($path, jar => $o{jar},
                   headers => ['Accept: text/html'],
                   curl => $cert ? ['--cert', "$cert.pem",
                                    '--key', "$cert.key"] : []);
}

sub info {
    my ($r) = @_;
    my ($v) = $r->body =~ /^X-Info: (.*?)\r?$/mi;
    return $v // '';
}

# a password session from nginx, in a jar of Apache's
sub signin {
    my ($user, $jar) = @_;
    my $r = $n->signin($user, "$user-pw", jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
    return $r->status;
}

# a second factor: the certificate of the signed-in account

is(signin('alice', 'alice'), 303, 'alice: the password (nginx)');

my $r = with_cert('/smart/', undef, jar => 'alice');
is($r->status, 403, 'no certificate: 403');
like($r->body, qr/needs your smart card or client certificate/,
     'no certificate: the page says what is missing');
like($r->body, qr/value="signout"/, 'no certificate: a way back');

$r = with_cert('/smart/', $alice, jar => 'alice');
is($r->status, 200, 'her certificate: in');
is(info($r), 'alice|password,certificate',
   'the ticket records the certificate (UPN alice@contoso.com is alice)');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'the ticket sealed again');
like($a->error_log,
     qr/\[auth_ocs:notice\].*ocs auth: user "alice" stepped up with a client certificate/,
     'the step-up logged');

is(with_cert('/smart/', undef, jar => 'alice')->status, 200,
   'the stepped-up ticket works without the certificate');

# another account's certificate, or the same name in another domain

is(signin('bob', 'bob'), 303, 'bob: the password (nginx)');
$r = with_cert('/smart/', $alice, jar => 'bob');
is($r->status, 403, 'alice\'s certificate for bob: 403');
like($a->error_log,
     qr/\[auth_ocs:error\].*the client certificate of "alice\@contoso\.com" does not match user "bob"/,
     'the mismatch logged');

is(signin('alice', 'alice2'), 303, 'alice2: the password (nginx)');
is(with_cert('/smart/', $evil, jar => 'alice2')->status, 403,
   'alice@evil.example is not alice@contoso.com');

# the subject CN as the identity; a certificate without a UPN

is(info(with_cert('/cn/', $bob, jar => 'bob')),
   'bob|password,certificate', 'identity=cn: the CN "bob" is bob');

is(signin('carol', 'carol'), 303, 'carol: the password (nginx)');
is(with_cert('/smart/', $nosan, jar => 'carol')->status, 403,
   'a certificate without a UPN: 403');
like($a->error_log,
     qr/ocs auth: the client certificate names no usable identity/,
     'no UPN: logged');

# certificates mod_ssl refuses: expired, revoked, an unknown CA

isnt(with_cert('/smart/', $expired, jar => 'alice2')->status, 200,
     'an expired certificate: refused by mod_ssl');
isnt(with_cert('/smart/', $revoked, jar => 'alice2')->status, 200,
     'a revoked certificate (SSLCARevocationFile): refused');
isnt(with_cert('/smart/', $foreign, jar => 'alice2')->status, 200,
     'a certificate from an unknown CA: refused');
is(with_cert('/smart/', undef, jar => 'alice2')->status, 403,
   'none of them stepped the session up');

# the only factor: the certificate signs the user in

$r = with_cert('/card/', $alice, jar => 'card');
is($r->status, 200, 'only: the certificate alone signs in');
is(info($r), 'alice|certificate',
   'only: e-mail alice@contoso.com is alice, by certificate');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'only: a ticket issued');
like($a->error_log,
     qr/\[auth_ocs:notice\].*ocs auth: user "alice" signed in with a client certificate/,
     'only: logged');
is(info(with_cert('/card/', undef, jar => 'card')), 'alice|certificate',
   'only: the ticket goes on without the certificate');

$r = with_cert('/card/', undef, jar => 'nocard');
is($r->status, 302, 'only, without a certificate: the sign-in form');

$r = with_cert('/card/off/', $alice, jar => 'offcard');
is($r->status, 302,
   'OCSClientCertificate off in a nested location: the card signs no one in');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'certificate off: no ticket');

$r = with_cert('/card/sub/', $alice, jar => 'subcard');
is(info($r), 'alice|certificate',
   'OCSClientCertificate inherited by a nested location: signed in');

# a certificate required where none is read: said in the log

$r = with_cert('/nocert/', $alice, jar => 'alice2');
is($r->status, 403, 'OCSSecondFactor certificate without a certificate '
   . 'source: 403');
like($a->error_log, qr/"OCSSecondFactor certificate" needs "OCSClientCertificate" for "\/nocert\/"/,
     'the missing OCSClientCertificate logged');

$n->stop;
$echo->stop;
$a->done;
