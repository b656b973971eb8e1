#!/usr/bin/perl

# The second-factor directives on Apache httpd: what apachectl -t says of
# a wrong one (the directive and the fix, as nginx -t does), and that a
# .htaccess cannot set them (RSRC_CONF and ACCESS_CONF only): it cannot
# lift a directory's second factor.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $a = OCS::Test::Apache->new;
plan tests => 14;

my $keys = $a->keyfile('ticket.keys', 1);

sub check {
    my ($line) = @_;
    return $a->try_config(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys
<Location /app/>
    AuthType OCS-Forms
    Require valid-user
    $line
</Location>
EOF
}

my @cases = (
    ['OCSSecondFactor external',
     qr/OCSSecondFactor needs a factor: totp, otp or certificate/],
    ['OCSSecondFactor totp sms',
     qr/invalid value "sms" in OCSSecondFactor: use totp, otp, certificate, external or off/],
    ['OCSOTPServer http://otp.example/validate/check',
     qr/invalid URL "http:\/\/otp\.example\/validate\/check" in OCSOTPServer: use https:\/\//],
    ['OCSOTPServer https://otp.example/validate/check timeout=90s',
     qr/invalid parameter "timeout=90s" in OCSOTPServer: use a time from 1ms to 60s/],
    ['OCSOTPServer https://otp.example/validate/check retries=3',
     qr/invalid parameter "retries=3" in OCSOTPServer: use ca=FILE, timeout=TIME \(up to 60s\) or realm=NAME/],
    ['OCSClientCertificate identity=dn',
     qr/invalid parameter "identity=dn" in OCSClientCertificate: use identity=upn\|email\|cn, domain=NAME, only or off/],
    ['OCSClientCertificate off only',
     qr/OCSClientCertificate takes no parameters with "off"/],
    ['OCSTOTP maybe', qr/OCSTOTP must be On or Off/],
);

for my $c (@cases) {
    my ($ok, $out) = check($c->[0]);
    ok(!$ok && $out =~ $c->[1], "apachectl -t: $c->[0]")
        or diag($out);
}

my ($ok, $out) = check('OCSSecondFactor totp otp certificate external');
ok($ok, 'every factor and external: accepted') or diag($out);

($ok, $out) = check('OCSOTPServer https://otp.example/v ca=ca.pem '
                    . 'timeout=250ms realm=staff');
ok($ok, 'an OTP server with its parameters: accepted') or diag($out);

# a .htaccess cannot lift the second factor

mkdir $a->path('htdocs');
mkdir $a->path('htdocs/app');
$a->write_file('htdocs/app/index.html', "the app\n");
$a->write_file('htdocs/app/.htaccess', "OCSSecondFactor off\n");
$a->keyfile('ticket.keys', 1);

$a->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Directory "%%TESTDIR%%/htdocs/app">
        AllowOverride All
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp
    </Directory>
</VirtualHost>
EOF

my $r = $a->get('/app/index.html');
is($r->status, 500, '.htaccess with OCSSecondFactor: refused (500)');
like($a->error_log, qr/OCSSecondFactor not allowed here/,
     '.htaccess: "not allowed here" logged');
unlike($r->body, qr/the app/, '.htaccess: the page not served');

# httpd logs that refusal at [core:alert], the one alert this file
# expects: every other still fails it
$a->stop;
$a->write_file('error.log',
               join '', grep { !/\.htaccess: OCSSecondFactor not allowed/ }
                        split /^/, $a->error_log);
$a->done;
