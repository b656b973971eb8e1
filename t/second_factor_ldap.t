#!/usr/bin/perl

# A TOTP secret held in the directory (ocsTotpSecret in the test schema,
# "totp_attribute" in ocs_ldap_directory), readable by the service
# account only: the second step reads it through the service bind, in
# the thread pool.  A real slapd; codes from oathtool.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 20;

my $ldap = OCS::Slapd->new($t);
$ldap->start;

my $SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;

        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
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

$conf =~ s/%%DIRECTORY%%/$ldap->nginx_directory('totp_attribute ocsTotpSecret;')/e;

$t->run($conf);

# who may read the secret: the service account, not the user herself
sub secret_as {
    my ($dn, $password) = @_;
    open my $p, '-|', 'ldapsearch', '-x', '-LLL', '-H', $ldap->url('ldap'),
        '-D', $dn, '-w', $password, '-b', $ldap->user_dn('alice'),
        '-s', 'base', 'ocsTotpSecret'
        or die "cannot run ldapsearch: $!\n";
    local $/;
    my $out = <$p> // '';
    close $p;
    return $out;
}

(my $svc = $t->read_file($ldap->bind_password_file)) =~ s/\n.*//s;
like(secret_as($ldap->bind_dn, $svc), qr/^ocsTotpSecret: \Q$SECRET\E$/m,
     'the service account reads the secret');
my $own = secret_as($ldap->user_dn('alice'), 'alice-pw');
like($own, qr/^dn: /m, 'alice reads her own entry');
unlike($own, qr/ocsTotpSecret/, 'but not her secret');

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

is(step('alice', '000000')->status, 401, 'a wrong code: 401');

my $r = step('alice', totp());
is($r->status, 303, 'the code from the directory\'s secret: stepped up');
is($t->get('/app/', jar => 'alice')->body, "ok alice|password,totp\n",
   'both factors in the ticket');

is($t->signin('jeremy', 'jeremy-pw', jar => 'jeremy')->status, 303,
   'jeremy: the password');
$r = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => 'jeremy');
is($r->status, 403, 'no secret in the directory: 403 before a code is asked');
like($r->body, qr/no authenticator app or token is set up for your account/,
     'the page says so');
unlike($r->body, qr/name="code"/, 'no code asked for');
like($r->body, qr/name="step" value="signout"/, 'a way back: sign out');
like($t->error_log,
     qr/second step of user "jeremy": no TOTP secret for the user and no OTP server/,
     'logged');

# the directory down: the secret cannot be read

$ldap->stop;
is($t->signin('alice', 'alice-pw', jar => 'x')->status, 503,
   'the directory down: no first step either');
$r = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => 'alice');
is($r->status, 503, 'the directory down during the second step: 503');
like($r->body, qr/Your second factor cannot be checked now/,
     'the directory down: the page says so');
like($t->error_log, qr/\[error\].*second factor unavailable for user "alice": /,
     'the directory down: logged');
$ldap->start;

unlike($t->logs, qr/\Q$SECRET\E/, 'the secret is never logged');

$t->done;
