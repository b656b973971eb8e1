#!/usr/bin/perl

# The sign-in form on Apache httpd with the password checked by Kerberos
# (OCSKerberosPassword, OCSKeytab, OCSServicePrincipal,
# OCSKerberosTimeout), with the answers of t/kerberos_password.t on
# nginx: a TGT from the realm's KDC, verified against the proxy's
# keytab; account states; a rogue KDC; the KDC down, silent and back.
# The directory on top is t/apache_ldap*.t's.  A real MIT KDC.

use strict;
use warnings;

use lib 't/lib';
use OCS::Kdc;
use OCS::Test;
use OCS::Test::Apache;
use OCS::Echo;
use IO::Socket::INET;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 38;
my $kdc = OCS::Kdc->new($t);

$kdc->start;

my $SPACES = 'pass word: with colons: and spaces';

$kdc->addprinc($_, "$_-pw") for qw(alice dave eve);
$kdc->addprinc('sam', $SPACES);
$kdc->addprinc('kim', 'kim-pw');
$t->users(lou => 'lou-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

my $rogue = OCS::Kdc->new($t, name => 'rogue');
$rogue->addprinc('HTTP/localhost');
my $foreign = $rogue->keytab('foreign.keytab', 'HTTP/localhost');

sub kadmin {
    my ($query) = @_;
    my ($rc, $out) = $kdc->run('/usr/sbin/kadmin.local', '-r', $kdc->realm,
                               '-q', $query);
    is($rc, 0, "kadmin: $query") or diag($out);
}

kadmin('modprinc -allow_tix dave');
kadmin('modprinc -pwexpire "2000-01-01 00:00:00" eve');

$t->keyfile('ticket.keys', 1);

my %env = $kdc->env;
@ENV{keys %env} = values %env;

my $echo = OCS::Echo->new($t);
$echo->start;

$t->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSKeytab $keytab
    OCSIdentityHeader X-User

    # alice fails on purpose more often than the default lockout allows
    OCSLockout account=10

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSKerberosPassword on
    </Location>

    <Location /rogue/signin>
        SetHandler ocs-signin
        OCSKerberosPassword on
        OCSKeytab $foreign
    </Location>

    <Location /timeout/signin>
        SetHandler ocs-signin
        OCSKerberosPassword on
        OCSKerberosTimeout 1s
    </Location>

    <Location /pinned/signin>
        SetHandler ocs-signin
        OCSKerberosPassword on
        OCSServicePrincipal HTTP/nothere\@OCS.TEST
    </Location>

    <Location /kpw/>
        OCSKerberosPassword on
        OCSServicePrincipal HTTP/nothere\@OCS.TEST
        OCSKerberosTimeout 1s
    </Location>

    <Location /kpw/signin>
        SetHandler ocs-signin
        OCSServicePrincipal any
    </Location>

    <Location /kpw/pinned/signin>
        SetHandler ocs-signin
    </Location>

    <Location /kpw/off/signin>
        SetHandler ocs-signin
        OCSKerberosPassword off
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>
EOF

sub signin {
    my ($user, $password, %o) = @_;
    return $t->signin($user, $password, jar => $o{jar} || "j-$user",
                      signin => $o{signin});
}

my $FAILED = qr/The user name or password is incorrect/;

# the right password: a TGT that the keytab verifies

my $r = signin('alice', 'alice-pw', jar => 'alice');
is($r->status, 303, 'alice: signed in with a password Kerberos checked');
is($t->get('/app/', jar => 'alice')->body =~ /^X-User: (.*?)\r?$/mi
   ? $1 : '', 'alice',
   'alice: the user is the principal without its realm');
like($t->error_log,
     qr/\[auth_ocs:notice\].*user "alice" signed in with a password from Kerberos/,
     'alice: logged with the method');

# ocs_auth_kerberos_password off in a location nested in one that turns
# it on: the user file there, not the KDC

is(signin('lou', 'lou-pw', signin => '/kpw/off/signin')->status, 303,
   'kerberos_password off in a nested location: the user file');
is(signin('kim', 'kim-pw', signin => '/kpw/off/signin')->status, 401,
   'kerberos_password off: the KDC is not asked');
is(signin('kim', 'kim-pw', signin => '/kpw/signin')->status, 303,
   'OCSKerberosPassword on inherited; OCSServicePrincipal any below a pin');
is(signin('kim', 'kim-pw', signin => '/kpw/pinned/signin')->status, 401,
   'OCSServicePrincipal inherited: a principal not in the keytab');
is(signin('kim', 'kim-pw')->status, 303,
   'kim: the KDC knows her where the password goes to Kerberos');

is(signin('OCS\\alice', 'alice-pw')->status, 303,
   'DOMAIN\\user: the domain is not the realm; the user part counts');
# user@domain goes to the KDC as an enterprise name, which AD maps to
# the account by userPrincipalName; MIT's KDC knows no such mapping
is(signin('alice@ocs.test', 'alice-pw')->status, 401,
   'an enterprise name the KDC cannot map: refused like an unknown user');
is(signin('sam', $SPACES)->status, 303,
   'a password with spaces and colons');

# wrong password and unknown user look the same

$r = signin('alice', 'wrong');
is($r->status, 401, 'wrong password: 401');
like($r->body, $FAILED, 'wrong password: the generic message');
my $wrong = $r->body;

$r = signin('nobody', 'whatever');
is($r->status, 401, 'unknown user: 401');
like($r->body, $FAILED, 'unknown user: the same message');

$r = signin('alice', '');
is($r->status, 401, 'empty password: refused before the KDC');

# a name that would be another principal's instance is one component

is(signin('HTTP/localhost', 'x', jar => 'sp')->status, 401,
   'a service principal name cannot sign in through the form');

# the KDC's word on the account

$r = signin('dave', 'dave-pw');
is($r->status, 401, 'tickets not allowed: 401');
like($r->body, qr/disabled/i, 'tickets not allowed: said so');
like($t->error_log, qr/sign-in failed for user "dave": account disabled/,
     'dave: logged');

$r = signin('eve', 'eve-pw');
is($r->status, 401, 'expired password: 401');
like($r->body, qr/password has expired/i, 'expired password: said so');

# a KDC the keytab does not know: never a sign-in

$r = signin('alice', 'alice-pw', signin => '/rogue/signin');
is($r->status, 401, 'TGT not verifiable with the keytab: 401');
like($r->body, $FAILED, 'rogue: the generic message');
like($t->error_log,
     qr/\[auth_ocs:error\].*sign-in refused for user "alice": Kerberos: the ticket failed verification against the keytab/,
     'rogue: one ERR line says why');

$r = signin('alice', 'alice-pw', signin => '/pinned/signin');
is($r->status, 401, 'service principal not in the keytab: 401');

# the KDC down: 503, not "wrong password"; back: fine

$kdc->stop;

$r = signin('alice', 'alice-pw');
is($r->status, 503, 'KDC down: 503');
like($r->body, qr/sign-in service is unavailable/, 'KDC down: the page');
like($t->error_log,
     qr/\[auth_ocs:error\].*Kerberos password check unavailable: Kerberos: the KDC: no KDC of realm "OCS.TEST" answered: "127.0.0.1:${\ $kdc->port}" \(connection refused\)/,
     'KDC down: one ERR line, with the KDC');

# a KDC that takes the connection and never answers (libkrb5 alone
# would wait about 25 s): ocs_auth_kerberos_timeout ends the wait;
# t/kdc_timeout.t has the other ways of being silent

my $silent = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                   LocalPort => $kdc->port, Proto => 'tcp',
                                   Listen => 5, ReuseAddr => 1)
    or die "cannot listen on the KDC's port: $!";

$r = signin('alice', 'alice-pw', signin => '/timeout/signin');
is($r->status, 503, 'silent KDC: 503 after the timeout');
like($t->error_log,
     qr/\[auth_ocs:error\].*Kerberos password check unavailable: Kerberos: the KDC: no KDC of realm "OCS.TEST" answered: "127.0.0.1:${\ $kdc->port}" \(no answer in 1000 ms\)/,
     'silent KDC: logged, with the KDC');

my $t0 = time;
$r = signin('alice', 'alice-pw', signin => '/kpw/signin');
is($r->status, 503, 'OCSKerberosTimeout inherited: 503');
ok(time - $t0 < 4, 'OCSKerberosTimeout inherited: 1s, not the default 5s');

close $silent;

$kdc->start;

is(signin('alice', 'alice-pw')->status, 303, 'KDC back: signed in');

unlike($t->error_log, qr/alice-pw|ghost-pw|kim-pw|lou-pw|\Q$SPACES\E/,
       'no password in the log');

$echo->stop;
$t->done;
