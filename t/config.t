#!/usr/bin/perl

# Configuration: the module loads into the stock nginx, and every mistake
# gets an "nginx -t" error that names the directive or the file.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Nginx;
use Test::More;

my $t = OCS::Test::Nginx->new;
plan tests => 167;

$t->users(alice => 'pw');
$t->keyfile('good.keys', 2);
$t->write_file('open.keys', `openssl rand -base64 32`, 0644);
$t->write_file('bad.keys', "# one key\nnot-a-key\n", 0600);
$t->write_file('empty.keys', '', 0600);
$t->write_file('huge.keys', ('A' x 5000) . "\n", 0600);
$t->write_file('empty.pw', "\nsecond line\n", 0600);

my $base = <<'EOF';
http {
    %%HTTP%%
    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location / {
            %%LOC%%
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

sub check {
    my ($http, $loc) = @_;
    (my $c = $base) =~ s/%%HTTP%%/$http/;
    $c =~ s/%%LOC%%/$loc/;
    return $t->try_config($c);
}

my ($ok, $out) = check('ocs_sso_key_file %%TESTDIR%%/good.keys;',
                       'ocs_auth forms;');
ok($ok, 'a good configuration passes nginx -t') or diag($out);

my @bad = (
    ['', 'ocs_auth bogus;', qr/invalid value "bogus" in "ocs_auth": use "forms" or "off"/],
    ['', 'ocs_auth_signin;',
     qr/"ocs_auth_signin" needs "ocs_auth_user_file", "ocs_auth_ldap" or "ocs_auth_kerberos_password"/],
    ['', 'ocs_auth_signin; ocs_auth_signin;',
     qr/"ocs_auth_signin" directive is duplicate/],
    ['ocs_sso_key_file %%TESTDIR%%/missing.keys;', '',
     qr/open\(\) ".*missing\.keys" failed/],
    ['ocs_sso_key_file %%TESTDIR%%/open.keys;', '',
     qr/".*open\.keys" is readable by every user/],
    ['ocs_sso_key_file %%TESTDIR%%/bad.keys;', '',
     qr/invalid key file ".*bad\.keys": line 2: a key must be 32 random bytes/],
    ['ocs_sso_key_file %%TESTDIR%%/empty.keys;', '',
     qr/".*empty\.keys" is empty/],
    ['ocs_sso_key_file %%TESTDIR%%/huge.keys;', '',
     qr/".*huge\.keys" is too large \(5001 bytes, at most 4096\)/],
    ['ocs_sso_zone nosize;', '', qr/invalid ocs_sso_zone "nosize"/],
    ['ocs_sso_zone z:1k;', '', qr/ocs_sso_zone "z:1k" is too small/],
    ['', 'ocs_sso_lifetime 0;', qr/"ocs_sso_lifetime" directive must be at least 1s/],
    ['', 'ocs_sso_idle_timeout soon;',
     qr/"ocs_sso_idle_timeout" directive invalid value/],
    ['', 'ocs_auth_hsts forever;', qr/invalid ocs_auth_hsts max-age "forever"/],
    ['', 'ocs_auth_hsts 1y preload;',
     qr/invalid ocs_auth_hsts parameter "preload"/],
    ['', 'ocs_auth_signin_url login;',
     qr/"ocs_auth_signin_url" directive must be a path/],
    ['', 'ocs_auth_default_return "/a b";',
     qr/"ocs_auth_default_return" directive has a character not allowed/],
    ['', 'ocs_auth_return_hosts evil.com/x;',
     qr/invalid return host "evil\.com\/x"/],
    ['', 'ocs_auth_https_port 70000;',
     qr/invalid port "70000" in "ocs_auth_https_port": use a number between 1/],
    ['', 'ocs_auth_signin; ocs_auth_user_file %%TESTDIR%%/users;'
         . ' ocs_auth_thread_pool nope;', qr/unknown thread pool "nope"/],
    ['', 'ocs_auth_signin_template %%TESTDIR%%/none.html;',
     qr/open\(\) ".*none\.html" failed/],
    ['', 'ocs_logoff_redirect ftp://x;',
     qr/"ocs_logoff_redirect" directive must be a path or an http\(s\)/],
    ['', 'ocs_sso_cookie_domain a; ocs_sso_cookie_domain b;',
     qr/"ocs_sso_cookie_domain" directive is duplicate/],
    ['', 'ocs_sso_cookie_domain "a;b";',
     qr/invalid value "a;b" in "ocs_sso_cookie_domain"/],
    ['', 'ocs_sso_identity_header "X User";',
     qr/invalid value "X User" in "ocs_sso_identity_header"/],
    ['ocs_sso_cookie "a=b";', '',
     qr/"ocs_sso_cookie" directive has a character not allowed/],
    ['ocs_sso_cookie __Host-sso;', 'ocs_sso_cookie_domain contoso.test;',
     qr/invalid value "contoso\.test" in "ocs_sso_cookie_domain": "ocs_sso_cookie" names a __Host- cookie, which browsers refuse with a Domain/],
    ['ocs_sso_cookie_domain contoso.test; ocs_sso_cookie __host-sso;', '',
     qr/"ocs_sso_cookie" directive names a __Host- cookie, which browsers refuse with the Domain that "ocs_sso_cookie_domain" adds/],
    ['', 'ocs_sso_strip_headers "X User";',
     qr/invalid header name "X User" in "ocs_sso_strip_headers"/],
    ['', 'ocs_sso_strip_headers X-A off;',
     qr/"ocs_sso_strip_headers" directive takes "off" only alone/],
    ['', 'ocs_sso_strip_headers X-A; ocs_sso_strip_headers X-B;',
     qr/"ocs_sso_strip_headers" directive is duplicate/],
    ['', 'ocs_sso_pass_cookies yes;',
     qr/invalid value "yes" in "ocs_sso_pass_cookies" directive/],
    ['', 'ocs_auth_signin; ocs_auth_ldap nowhere;',
     qr/unknown ocs_ldap_directory "nowhere" in "ocs_auth_ldap"/],
    ['ocs_ldap_directory d { base "dc=x"; }', '',
     qr/ocs_ldap_directory "d" needs "url" and "base"/],
    ['ocs_ldap_directory d { url http://x; base "dc=x"; }', '',
     qr/invalid url "http:\/\/x" in ocs_ldap_directory "d": use ldap/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; bogus 1; }', '',
     qr/unknown directive "bogus" in ocs_ldap_directory "d"/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; bind_dn "cn=a"; }',
     '', qr/ocs_ldap_directory "d" needs both "bind_dn" and/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; scope all; }', '',
     qr/"scope" in ocs_ldap_directory "d" must be "base", "one" or "sub"/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; timeout 1h; }', '',
     qr/"timeout" in ocs_ldap_directory "d" must be a time between 1ms/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; }'
     . ' ocs_ldap_directory d { url ldap://y; base "dc=y"; }', '',
     qr/ocs_ldap_directory "d" is already defined/],
    ['ocs_ldap_directory d { url ldap://x; base "dc=x"; bind_dn "cn=a";'
     . ' bind_password_file %%TESTDIR%%/empty.pw; }', '',
     qr/"bind_password_file" in ocs_ldap_directory "d" names a file whose first line is empty/],
    ['', 'ocs_auth_app_logoff logoff.aspx;',
     qr/invalid value "logoff\.aspx" in "ocs_auth_app_logoff": use a path/],
    ['', 'ocs_sso_computer shared idle=1m;',
     qr/invalid computer class "shared" in "ocs_sso_computer"/],
    ['', 'ocs_sso_computer public idle=soon;',
     qr/invalid parameter "idle=soon" in "ocs_sso_computer"/],
    ['', 'ocs_sso_service cwa idle;',
     qr/invalid parameter "idle" in "ocs_sso_service": use idle=TIME/],
    ['', 'ocs_sso_service "c w a";',
     qr/invalid service name "c w a" in "ocs_sso_service"/],
    ['', 'ocs_sso_service off idle=1m;',
     qr/"ocs_sso_service" directive takes no parameters with "off"/],
    ['', join(' ', map { "location /s$_/ { ocs_sso_service s$_; }" } 1 .. 17),
     qr/more than 16 services in "ocs_sso_service"/],
    ['', 'ocs_logoff_admin;',
     qr/invalid number of arguments in "ocs_logoff_admin"/],
    ['', 'ocs_auth forms; ocs_auth_negotiate on;',
     qr/"ocs_auth_negotiate" needs "ocs_auth_keytab"/],
    ['', 'ocs_auth forms; ocs_auth_negotiate on; ocs_auth_keytab /k;',
     qr/"ocs_auth_negotiate" needs "ocs_auth_internal_networks": Kerberos is offered to internal clients only/],
    ['', 'ocs_auth_negotiate_max_token big;',
     qr/"ocs_auth_negotiate_max_token" directive invalid value/],
    ['', 'ocs_auth_quick_signin;',
     qr/"ocs_auth_quick_signin" needs "ocs_auth_negotiate on"/],
    ['', 'location = /s { ocs_auth_signin; ocs_auth_kerberos_password on; }',
     qr/"ocs_auth_kerberos_password" needs "ocs_auth_keytab": the KDC's answer is checked with it/],
    ['', 'ocs_auth forms; ocs_auth_negotiate on; ocs_auth_ntlm on;'
     . ' ocs_auth_internal_networks 10.0.0.0/8; ocs_auth_keytab /k1;'
     . ' location /a/ { ocs_auth_keytab /k2; }',
     qr/"ocs_auth_ntlm" needs the same "ocs_auth_keytab" everywhere it is on: "\/k1" and "\/k2"/],
    ['', 'ocs_auth_second_factor sms;',
     qr/invalid value "sms" in "ocs_auth_second_factor": use totp, otp, certificate, external or off/],
    ['', 'ocs_auth_second_factor external;',
     qr/"ocs_auth_second_factor" directive needs a factor: totp, otp or certificate/],
    ['', 'ocs_auth forms; ocs_auth_second_factor certificate;',
     qr/"ocs_auth_second_factor certificate" needs "ocs_auth_certificate"/],
    ['', 'ocs_auth_otp_server http://otp/validate/check;',
     qr/invalid URL "http:\/\/otp\/validate\/check" in "ocs_auth_otp_server": use https:\/\//],
    ['', 'ocs_auth_otp_server https://otp/ timeout=2m;',
     qr/invalid parameter "timeout=2m" in "ocs_auth_otp_server": use ca=FILE, timeout=TIME \(up to 60s\) or realm=NAME/],
    ['', 'ocs_auth_certificate identity=dn;',
     qr/invalid parameter "identity=dn" in "ocs_auth_certificate": use identity=upn\|email\|cn, domain=NAME, only or off/],
    ['', 'ocs_auth_lockout account=0;',
     qr/invalid parameter "account=0" in "ocs_auth_lockout": use account=N, address=N, total=N, window=TIME, lock=TIME or off/],
    ['', 'ocs_auth_lockout off lock=1m;',
     qr/"ocs_auth_lockout" directive takes no parameters with "off"/],
    ['ocs_auth_zone z;', '',
     qr/invalid ocs_auth_zone "z": use name:size/],
    ['ocs_auth_zone z:1k;', '',
     qr/ocs_auth_zone "z:1k" is too small/],
    ['', 'ocs_auth_kerberos_timeout soon;',
     qr/"ocs_auth_kerberos_timeout" directive invalid value/],
    ['', 'ocs_auth forms; ocs_auth_negotiate on; ocs_auth_keytab /k;'
     . ' ocs_auth_internal_networks 10.0.0.0/8;'
     . ' ocs_auth_require ocs_enabled;',
     qr/"ocs_auth_negotiate" with directory requirements needs "ocs_auth_ldap" in the same location: Kerberos users are looked up there/],
    ['', 'ocs_logoff somewhere;',
     qr/invalid parameter "somewhere" in "ocs_logoff": use "everywhere"/],
    ['', 'ocs_logoff_clear_site_data cache everything;',
     qr/invalid value "everything" in "ocs_logoff_clear_site_data"/],
    ['', 'ocs_auth_require membership x;',
     qr/invalid "ocs_auth_require membership": use ocs_enabled/],
    ['', 'ocs_auth_require filter nofilter;',
     qr/"ocs_auth_require" directive needs an LDAP filter in parentheses/],
    ['', 'ocs_auth_remote_access everyone;',
     qr/invalid "ocs_auth_remote_access everyone": use attribute/],
    ['', 'ocs_auth_internal_networks 10.0.0.0/99;',
     qr/invalid network "10\.0\.0\.0\/99" in "ocs_auth_internal_networks"/],
);

for my $case (@bad) {
    my ($http, $loc, $want) = @$case;
    ($ok, $out) = check($http, $loc);
    ok(!$ok, "refused: $http$loc");
    like($out, qr/\[emerg\].*$want/, "message: $http$loc") or diag($out);
}

# --- where the sign-in URL goes: never a redirect loop --------------------

sub server {
    my ($body, %o) = @_;
    my $listen = $o{plain} ? 'listen 127.0.0.1:%%PORT_http%%;'
                           : 'listen 127.0.0.1:%%PORT_https%% ssl;';
    return $t->try_config(<<"EOF", main => $o{main});
http {
    server {
        $listen
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        $body
    }
}
EOF
}

my $signin = 'location = /ocs/signin { ocs_auth_signin; '
             . 'ocs_auth_user_file %%TESTDIR%%/users; }';

($ok, $out) = server('location /app/ { ocs_auth forms; }');
ok(!$ok, 'no sign-in location: refused');
like($out, qr{\[emerg\].*"ocs_auth forms" in location "/app/" sends users to the sign-in URL "/ocs/signin", but no location of the same server answers it: add "location = /ocs/signin \{ ocs_auth_signin; \.\.\. \}" or point "ocs_auth_signin_url" at the sign-in location},
     'no sign-in location: the message names the missing location');

($ok, $out) = server('location / { ocs_auth forms; }');
ok(!$ok, 'the sign-in URL caught by a protected location: refused');
like($out, qr{\[emerg\].*but location "/" answers it without "ocs_auth_signin" and protects it: every visit would be redirected for ever},
     'protected catch-all: says why');

($ok, $out) = server('ocs_auth forms; location /app/ { }');
ok(!$ok, 'server-level ocs_auth without a sign-in location: refused');
like($out, qr{"ocs_auth forms" in location "\(the server level\)"},
     'server level: named as such');

($ok, $out) = server('location /app/ { ocs_auth forms; '
                     . 'ocs_auth_signin_url /login; } '
                     . 'location ~ ^/log { ocs_auth forms; } ' . $signin);
ok(!$ok, 'a regex location takes the sign-in URL: refused');
like($out, qr{location "\^/log" answers it without "ocs_auth_signin" and protects it},
     'regex: the location named');

($ok, $out) = server('location / { ocs_auth forms; } ' . $signin);
ok($ok, 'an exact sign-in location beside a protected catch-all passes')
    or diag($out);

($ok, $out) = server('location / { ocs_auth forms; '
                     . 'location /ocs/ { ocs_auth_signin; '
                     . 'ocs_auth_user_file %%TESTDIR%%/users; } }');
ok($ok, 'a nested sign-in location passes') or diag($out);

($ok, $out) = server('location /app/ { ocs_auth forms; '
                     . 'ocs_auth_signin_url /sso/signin; } '
                     . 'location /sso/ { proxy_pass http://127.0.0.1:9; }');
ok($ok, 'a sign-in URL passed to another server: not refused');
like($out, qr{\[warn\].*sign-in URL "/sso/signin", which location "/sso/" passes elsewhere without "ocs_auth_signin": make sure a sign-in page answers there},
     'passed elsewhere: warned');

($ok, $out) = server('location /app/ { ocs_auth forms; ocs_auth_signin_url '
                     . 'https://login.contoso.test/ocs/signin; }');
ok($ok, 'a sign-in page on another host: not checked') or diag($out);

# --- warnings ----------------------------------------------------------

($ok, $out) = server('location /app/ { ocs_auth forms; }', plain => 1);
ok($ok, 'plain-http server: passes');
like($out, qr{\[warn\].*"ocs_auth" in location "/app/" of a server with no "ssl" listener},
     'plain-http server: warned');

$t->write_file('secret-users', "alice:x\n", 0600);
chmod 0700, $t->path('.');
($ok, $out) = server('location = /ocs/signin { ocs_auth_signin; '
                     . 'ocs_auth_user_file %%TESTDIR%%/secret-users; }');
chmod 0755, $t->path('.');
ok($ok, 'a user file the workers cannot read: passes');
like($out, qr{\[warn\].*the user file ".*secret-users" of location "/ocs/signin" cannot be read by the worker user},
     'unreadable user file: warned');
($ok, $out) = server($signin);
unlike($out, qr/cannot be read/, 'a readable user file: no warning');

# a replay cache directory only root may write in
mkdir $t->path('rcache'), 0700;
my $negotiate = 'location /app/ { ocs_auth forms; ocs_auth_negotiate on; '
    . 'ocs_auth_keytab %%TESTDIR%%/k; '
    . 'ocs_auth_internal_networks 10.0.0.0/8; } ' . $signin;

($ok, $out) = server($negotiate, main => 'env KRB5RCACHEDIR=%%TESTDIR%%/rcache;');
ok($ok, 'an unwritable replay cache: passes');
like($out, qr{\[warn\].*the Kerberos replay cache directory ".*/rcache" is not writable by the worker user: every Negotiate token will be refused; set "env KRB5RCACHEDIR=},
     'unwritable replay cache: warned, naming the cause');

chmod 0777, $t->path('rcache');
($ok, $out) = server($negotiate, main => 'env KRB5RCACHEDIR=%%TESTDIR%%/rcache;');
unlike($out, qr/replay cache/, 'a writable replay cache: no warning');

$t->done;
