#!/usr/bin/perl

# What apachectl -t says of the sign-in and lockout directives: each
# mistake named with the directive and the fix, as nginx -t names them;
# and a .htaccess cannot set them (RSRC_CONF and ACCESS_CONF only).

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 15;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

sub refused {
    my ($lines) = @_;
    my ($ok, $out) = $t->try_config(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
<Location /ocs/signin>
    SetHandler ocs-signin
    $lines
</Location>
EOF
    return $ok ? 'accepted' : $out;
}

like(refused('OCSLockout bogus=1'),
     qr/invalid parameter "bogus=1" in OCSLockout: use account=N, address=N, total=N, window=TIME, lock=TIME or off/,
     'OCSLockout: an unknown parameter');
like(refused('OCSLockout account=0'),
     qr/invalid parameter "account=0" in OCSLockout/,
     'OCSLockout: account=0');
like(refused('OCSLockout window=soon'),
     qr/invalid parameter "window=soon" in OCSLockout/,
     'OCSLockout: a time that is not one');
like(refused('OCSLockout off account=3'),
     qr/OCSLockout takes no parameters with "off"/, 'OCSLockout: off alone');
is(refused('OCSLockout account=5 total=0 window=15m lock=1h30m'),
   'accepted', 'OCSLockout: nginx\'s times');
like(refused('OCSReturnHosts cwa.example/x'),
     qr/invalid return host "cwa\.example\/x" in OCSReturnHosts: use host or host:port/,
     'OCSReturnHosts: a path');
like(refused('OCSReturnHosts off cwa.example'),
     qr/OCSReturnHosts: "off" goes alone/, 'OCSReturnHosts: off alone');
like(refused('OCSDefaultReturn javascript:alert(1)'),
     qr/invalid OCSDefaultReturn "javascript:alert\(1\)"/,
     'OCSDefaultReturn: not a URL of this site');
like(refused('OCSKerberosTimeout soon'),
     qr/invalid OCSKerberosTimeout "soon": use a time from 1ms to 1h/,
     'OCSKerberosTimeout: not a time');
is(refused('OCSKerberosTimeout 500ms'), 'accepted',
   'OCSKerberosTimeout: milliseconds');
like(refused('OCSSignInTemplate %%TESTDIR%%/missing.html'),
     qr/OCSSignInTemplate: cannot open ".*missing\.html"/,
     'OCSSignInTemplate: a missing file');
like(refused('OCSSignInSIP maybe'), qr/OCSSignInSIP must be On or Off/,
     'OCSSignInSIP: on or off');

# a .htaccess cannot point the sign-in at a file of its own

mkdir $t->path('htdocs');
mkdir $t->path('htdocs/site');
$t->write_file('htdocs/site/.htaccess',
               "OCSUserFile %%TESTDIR%%/users\n");
$t->write_file('htdocs/site/index.html', "site\n");

$t->run(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
SSLEngine on
SSLCertificateFile %%CERT%%
SSLCertificateKeyFile %%KEY%%

<Directory %%TESTDIR%%/htdocs/site>
    AllowOverride All
</Directory>
EOF

my $r = $t->get('/site/index.html');
is($r->status, 500, '.htaccess with OCSUserFile: refused');
like($t->error_log, qr/OCSUserFile not allowed here/,
     '.htaccess: Apache says the directive is not allowed there');

# Apache logs that refusal at alert, which done() counts as a failure:
# it is this test's point, so it goes from the log before done() looks
$t->write_file('error.log',
               join '', grep { !/\.htaccess: OCSUserFile not allowed/ }
                        split /^/, $t->error_log);

$t->done;
