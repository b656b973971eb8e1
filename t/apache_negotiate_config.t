#!/usr/bin/perl

# The configuration of Negotiate on Apache httpd, as apachectl -t sees
# it: the directives' errors name the directive and the fix, and a
# keytab or a replay cache the worker user cannot use is warned about
# (as t/config.t checks for nginx), since it would refuse every token.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 16;

my $root = $> == 0;

$t->write_file('k', "keytab\n");
chmod 0644, $t->path('k');
$t->write_file('secret.k', "keytab\n");
chmod 0600, $t->path('secret.k');
mkdir $t->path('rcache'), 0700;
mkdir $t->path('rcache-open'), 0777;
chmod 0777, $t->path('rcache-open');

my $app = <<'EOF';
<Location /app/>
    AuthType OCS-Negotiate
    Require valid-user
    OCSKeytab %%KEYTAB%%
</Location>
EOF

sub check {
    my ($conf, $keytab, $rcache) = @_;

    local $ENV{KRB5RCACHEDIR} = $t->path($rcache || 'rcache-open');
    $conf =~ s/%%KEYTAB%%/$t->path($keytab || 'k')/ge;

    return $t->try_config($conf);
}

my ($ok, $out) = check($app);
ok($ok, 'a readable keytab, a writable replay cache: passes') or diag($out);
unlike($out, qr/keytab|replay cache/, 'nothing to warn about');

SKIP: {
    skip 'the workers are this user unless the tests run as root', 4
        unless $root;

    ($ok, $out) = check($app, 'secret.k');
    ok($ok, 'a keytab the workers cannot read: passes');
    like($out, qr{\[auth_ocs:warn\].*the keytab ".*/secret\.k" cannot be read by the worker user: every Negotiate token will be refused},
         'unreadable keytab: warned');

    ($ok, $out) = check($app, 'k', 'rcache');
    ok($ok, 'a replay cache the workers cannot write: passes');
    like($out, qr{\[auth_ocs:warn\].*the Kerberos replay cache directory ".*/rcache" is not writable by the worker user: every Negotiate token will be refused; set KRB5RCACHEDIR=},
         'unwritable replay cache: warned, naming the cause');
}

($ok, $out) = check("OCSNegotiateMaxToken big\n");
ok(!$ok, 'OCSNegotiateMaxToken big: refused');
like($out, qr/invalid OCSNegotiateMaxToken "big": use a size such as 48k/,
     'OCSNegotiateMaxToken: the message names the fix');

($ok, $out) = check("OCSServicePrincipal localhost\n");
ok(!$ok, 'OCSServicePrincipal without a service: refused');
like($out, qr/invalid OCSServicePrincipal "localhost": use a principal/,
     'OCSServicePrincipal: the message names the fix');

($ok, $out) = check("OCSNTLM maybe\n");
ok(!$ok, 'OCSNTLM maybe: refused');

($ok, $out) = check("OCSServicePrincipal any\nOCSNegotiateMaxToken 64k\n"
                    . "OCSNegotiateKeepRealm on\n");
ok($ok, 'the other values: pass') or diag($out);

# never from .htaccess: policy and key material stay the admin's
$t->write_file('htdocs/.htaccess', "OCSKeytab /tmp/k\n");
my $htaccess = <<'EOF';
Listen 127.0.0.1:%%PORT_http%%
<Directory %%TESTDIR%%/htdocs>
    AllowOverride All
</Directory>
EOF
($ok, $out) = $t->try_config($htaccess);
ok($ok, 'a configuration that allows .htaccess: passes') or diag($out);
$t->run($htaccess);
my $r = $t->get('/x', plain => 1);
is($r->status, 500, '.htaccess with OCSKeytab: 500');
like($t->error_log, qr/OCSKeytab not allowed here/,
     '.htaccess with OCSKeytab: not allowed');

# that [core:alert] line is Apache's own word for it, expected here
$t->write_file('error.log', '');

$t->done;
