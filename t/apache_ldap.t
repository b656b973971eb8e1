#!/usr/bin/perl

# The directory on Apache: <OCSDirectory> sections read through the
# core's settings, with the errors of nginx's ocs_ldap_directory block
# (naming the setting and its line) and its warnings; the errors of the
# authorization directives; .htaccess cannot use them; and under
# mpm_prefork, the directory's handles per child and a re-check bounded
# by the directory's timeouts when the server stops answering.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;
use Time::HiRes qw(sleep time);

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 73;

my $ldap = OCS::Slapd->new($n);
$ldap->start;
my $keys = $n->keyfile('ticket.keys', 1);

my $url = $ldap->url('ldap');
my $bind = $ldap->bind_dn;
my $pw = $ldap->bind_password_file;

sub section {
    my ($name, @lines) = @_;
    @lines = ("url $url", "bind_dn \"$bind\"", "bind_password_file $pw",
              'base "dc=contoso,dc=com"') unless @lines;
    return "<OCSDirectory $name>\n" . join('', map { "    $_\n" } @lines)
           . "</OCSDirectory>\n";
}

# apachectl -t: fails, says what, on the line of the setting
sub refused {
    my ($conf, $re, $line_re, $name) = @_;
    my ($ok, $out) = $a->try_config($conf);
    ok(!$ok, "$name: refused");
    like($out, $re, "$name: says why");
    return unless $line_re;
    my ($line) = $out =~ /on line (\d+) of/;
    my @lines = split /\n/, $a->read_file('httpd.conf');
    like($line ? $lines[$line - 1] : '', $line_re, "$name: names the line");
}

# the section's settings: the core's sentences

refused(section('d', "url $url", 'base "dc=x"', 'scope all'),
        qr/"scope" in OCSDirectory "d" must be "base", "one" or "sub"/,
        qr/^\s*scope all$/, 'a bad value');
refused(section('d', "url $url", 'bogus 1', 'base "dc=x"'),
        qr/unknown directive "bogus" in OCSDirectory "d"/,
        qr/^\s*bogus 1$/, 'an unknown setting');
refused(section('d', 'url http://dc1', 'base "dc=x"'),
        qr{invalid url "http://dc1" in OCSDirectory "d": use ldap:// or ldaps://},
        undef, 'a bad url');
refused(section('d', 'url ' . join(' ', map { "ldap://dc$_" } 1 .. 9),
                'base "dc=x"'),
        qr/"url" in OCSDirectory "d" needs between 1 and 8 URLs in all/,
        undef, 'nine urls');
refused(section('d', "url $url"),
        qr/OCSDirectory "d" needs "url" and "base"/, undef, 'no base');
refused(section('d', "url $url", 'base "dc=x"', "bind_dn \"$bind\""),
        qr/OCSDirectory "d" needs both "bind_dn" and "bind_password_file", or neither/,
        undef, 'bind_dn alone');
refused(section('d', "url $url", 'base "dc=x"', 'timeout 1h'),
        qr/"timeout" in OCSDirectory "d" must be a time/, undef,
        'a timeout over 10m');
refused(section('d', "url $url", 'base "dc=x"', 'base "dc=y" "dc=z"'),
        qr/"base" in OCSDirectory "d" takes one value/, undef,
        'two values');
refused(section('d', "url $url", 'base "dc=x"', "bind_dn \"$bind\"",
                "bind_password_file $pw", "bind_password_file $pw"),
        qr/"bind_password_file" in OCSDirectory "d" is duplicate/, undef,
        'a second password file');

$a->write_file('open.pw', "secret\n");
chmod 0644, $a->path('open.pw');
refused(section('d', "url $url", 'base "dc=x"', "bind_dn \"$bind\"",
                'bind_password_file ' . $a->path('open.pw')),
        qr/OCSDirectory "d": bind_password_file: ".*open.pw" is readable by every user; chmod o-rwx it/,
        qr/bind_password_file/, 'a password file others can read');

$a->write_file('blank.pw', "\nsecret\n");
chmod 0600, $a->path('blank.pw');
refused(section('d', "url $url", 'base "dc=x"', "bind_dn \"$bind\"",
                'bind_password_file ' . $a->path('blank.pw')),
        qr/"bind_password_file" in OCSDirectory "d" names a file whose first line is empty/,
        undef, 'a password file with an empty first line');

refused(section('d') . section('d'),
        qr/OCSDirectory "d" is already defined/, undef, 'a name twice');
refused("<VirtualHost 127.0.0.1:1>\n" . section('d') . "</VirtualHost>\n",
        qr/<OCSDirectory> cannot occur within <VirtualHost> section/, undef,
        'in a virtual host');
refused("<OCSDirectory>\n</OCSDirectory>\n",
        qr/<OCSDirectory> takes one name/, undef, 'no name');

# the directives that use it

refused("OCSLDAP nowhere\n" . section('nowhere'),
        qr/unknown OCSDirectory "nowhere" in "OCSLDAP": define it with <OCSDirectory nowhere> before its first use/,
        undef, 'OCSLDAP before the section');
refused(section('d') . "OCSLDAP d\nOCSLDAP off\n",
        qr/OCSLDAP is duplicate/, undef, 'OCSLDAP twice');
refused("<Location />\nOCSRequire membership\n</Location>\n",
        qr/invalid "OCSRequire membership": use ocs_enabled, enhanced_presence, group NAME, filter FILTER or off/,
        undef, 'OCSRequire: a bad kind');
refused("<Location />\nOCSRequire filter sn=x\n</Location>\n",
        qr/OCSRequire needs an LDAP filter in parentheses/, undef,
        'OCSRequire: a filter without parentheses');
refused("<Location />\nOCSRequire off\nOCSRequire ocs_enabled\n"
        . "</Location>\n",
        qr/OCSRequire cannot follow "OCSRequire off"/, undef,
        'OCSRequire after off');
refused("<Location />\nOCSRequire ocs_enabled\nOCSRequire off\n"
        . "</Location>\n",
        qr/OCSRequire is duplicate/, undef, 'OCSRequire off after one');
refused("<Location />\n"
        . join('', map { "OCSRequire group g$_\n" } 1 .. 33)
        . "</Location>\n",
        qr/more than 32 different access requirements/, undef,
        '33 requirements');
refused("<Location />\nOCSRemoteAccess everyone\n</Location>\n",
        qr/invalid "OCSRemoteAccess everyone": use attribute, group NAME, filter FILTER or off/,
        undef, 'OCSRemoteAccess: a bad kind');
refused("<Location />\nOCSInternalNetworks 10.0.0.0/99\n</Location>\n",
        qr{invalid network "10.0.0.0/99" in "OCSInternalNetworks"}, undef,
        'OCSInternalNetworks: a bad prefix');
refused("<Location />\nOCSInternalNetworks 10.0.0.0/8 off\n</Location>\n",
        qr{invalid network "off" in "OCSInternalNetworks"}, undef,
        'OCSInternalNetworks: off with networks');
refused("<Location />\nOCSRecheck soon\n</Location>\n",
        qr/invalid OCSRecheck "soon": use a time such as 2m or 1h, or 0/,
        undef, 'OCSRecheck: not a time');
refused("<Location />\nOCSSIPClaim \"%{HTTP:X\"\n</Location>\n",
        qr/OCSSIPClaim: cannot parse/, undef, 'OCSSIPClaim: a bad expression');

# a good configuration: the warnings nginx gives, at start

my ($ok, $out) = $a->try_config(
    section('clear', "url $url", 'base "dc=x"', 'tls_verify off')
    . "<Location />\nOCSInternalNetworks 10.1.0.0/8 ::1\n</Location>\n");
ok($ok, 'a good configuration');
like($out, qr/OCSDirectory "clear": "\Q$url\E" without starttls sends passwords in clear/,
     'warning: passwords in clear');
like($out, qr/OCSDirectory "clear": certificate verification is off, the directory's identity is not checked/,
     'warning: verification off');
like($out, qr{low address bits of 10.1.0.0/8 are meaningless},
     'warning: host bits in a network');

# under mpm_prefork: every child its own handle; a directory that stops
# answering costs a re-check its timeouts, and the session goes on

my $dir = $ldap->nginx_directory('connect_timeout 500ms;', 'timeout 1s;');

$n->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    $dir

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;

        location /f/ { ocs_auth forms; ocs_auth_require group "CWA Users"; }

        location = /ocs/signin {
            ocs_auth_signin;
        }
    }
}
EOF

my $echo = OCS::Echo->new($a);
$echo->start;

mkdir $a->path('htdocs/ht');
$a->write_file('htdocs/ht/.htaccess', "OCSRequire off\n");
$a->write_file('htdocs/ht/index.html', "hello\n");
chmod 0755, $a->path('htdocs/ht');
chmod 0644, $a->path('htdocs/ht/.htaccess'), $a->path('htdocs/ht/index.html');

my $htdocs = $a->path('htdocs');

$a->run(section('contoso', "url $url", "bind_dn \"$bind\"",
                "bind_password_file $pw", 'base "dc=contoso,dc=com"',
                'filter "(objectClass=inetOrgPerson)"',
                'connect_timeout 500ms', 'timeout 1s', 'starttls on',
                'ca_file ' . $ldap->ca_file) . <<"EOF", mpm => 'prefork');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSLDAP contoso

    <Location /live/>
        AuthType OCS-Forms
        Require valid-user
        OCSRecheck 2s
        OCSRequire group "CWA Users"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/live/
    </Location>

    <Directory "$htdocs/ht">
        AllowOverride All
        AuthType OCS-Forms
        Require valid-user
        OCSRequire group Nobody
    </Directory>
</VirtualHost>
EOF

sub signin {
    my ($user, $jar) = @_;
    my $r = $n->signin($user, "$user-pw", jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
    return $r;
}

is(signin('jeremy', 'j')->status, 303, 'nginx: signed in');
is($a->get('/live/', jar => 'j')->status, 200, 'apache: in');

my $r = $a->get('/ht/', jar => 'j');
is($r->status, 500, '.htaccess: the directive is refused');
like($a->error_log, qr/OCSRequire not allowed here/,
     '.htaccess: not allowed here');

# every child answers with its own handle (prefork: one request at a time)
my %pids = map { $_ => 1 } $a->children;
ok(keys %pids >= 3, 'three children');

# several due re-checks in a row: each child asks the directory itself
sleep 2.2;
my $ok_all = 1;
for my $k (1 .. 6) {
    signin('jeremy', "k$k");
}
sleep 2.2;
for my $k (1 .. 6) {
    $ok_all &&= $a->get('/live/', jar => "k$k")->status == 200;
}
ok($ok_all, 'due re-checks in every child');
my @rechecks = $a->error_log
               =~ /\[pid (\d+):tid \d+\].*user "jeremy" re-checked/g;
my %by = map { $_ => 1 } @rechecks;
# (and jeremy's first ticket, at once: nginx has no "group Nobody")
is(scalar @rechecks, 7, 'seven re-checks, by ' . scalar(keys %by)
   . ' children');

# the directory stops answering: the re-check ends at its timeouts
sleep 2.2;
kill 'STOP', $ldap->pid;
my $t0 = time;
$r = $a->get('/live/', jar => 'j');
my $took = time - $t0;
kill 'CONT', $ldap->pid;

is($r->status, 200, 'directory silent: the ticket\'s facts');
ok($took < 6, sprintf('directory silent: answered in %.1f s', $took));
like($a->error_log,
     qr/\[auth_ocs:error\].*directory "contoso" unavailable for the re-check of user "jeremy": .*in time/,
     'directory silent: logged with the step that ran out of time');
ok($r->set_cookie('__Host-ocs_ticket'), 'directory silent: checked now');
is($a->get('/live/', jar => 'j')->status, 200,
   'the directory back: not asked again before the interval');

unlike($a->logs, qr/jeremy-pw|svc-pw/, 'no password in the logs');

# Apache logs a bad .htaccess at alert: that line is the one expected
my $log = $a->error_log;
$log =~ s/^.*\[core:alert\].*OCSRequire not allowed here\n//mg;
$a->write_file('error.log', $log);

$n->stop;
$echo->stop;
$a->done;
