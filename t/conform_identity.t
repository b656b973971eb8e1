#!/usr/bin/perl

# Conformance: what goes upstream and what comes back, on nginx and
# Apache.  The identity header carries the user, the client's copies of
# it and of its look-alikes go, the proxy's own cookies never reach the
# application; the responses the module makes itself carry the security
# headers, HSTS where it is set, and the site's name on its pages.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;

my $c = OCS::Conform->new(tests => 38);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-User;
    ocs_site_name "Contoso <Remote>";
    underscores_in_headers on;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        # a mistake nginx -t cannot see: a sign-in URL led into a
        # protected location, for the page that says so
        rewrite ^/loop/signin$ /loop/page last;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /app/noheader/ {
                ocs_sso_identity_header off;
                ocs_sso_strip_headers off;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }

            location /app/other/ {
                ocs_sso_identity_header X-Remote-Identity;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /open/ {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /pass/ {
            ocs_auth forms;
            ocs_sso_pass_cookies on;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /hsts/ {
            ocs_auth forms;
            ocs_auth_hsts 1y includeSubDomains;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /hsts/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }

            location /hsts/off/ {
                ocs_auth_hsts off;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
        }

        location /plainhsts/ {
            ocs_auth_hsts 1d;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /loop/ {
            ocs_auth forms;
            ocs_auth_signin_url /loop/signin;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /loop/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

$c->apache(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_http%%>
    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSIdentityHeader X-User
    OCSSiteName "Contoso <Remote>"

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /app/noheader/>
        OCSIdentityHeader off
        OCSStripHeaders off
    </Location>

    <Location /app/other/>
        OCSIdentityHeader X-Remote-Identity
    </Location>

    <Location /open/>
        ProxyPass http://127.0.0.1:%%PORT_echo%%/open/
    </Location>

    <Location /pass/>
        AuthType OCS-Forms
        Require valid-user
        OCSPassCookies on
        ProxyPass http://127.0.0.1:%%PORT_echo%%/pass/
    </Location>

    <Location /hsts/>
        AuthType OCS-Forms
        Require valid-user
        OCSHSTS 1y includeSubDomains
        ProxyPass http://127.0.0.1:%%PORT_echo%%/hsts/
    </Location>

    <Location /hsts/off/>
        OCSHSTS off
    </Location>

    <Location /plainhsts/>
        OCSHSTS 1d
        ProxyPass http://127.0.0.1:%%PORT_echo%%/plainhsts/
    </Location>

    <Location /loop/>
        AuthType OCS-Forms
        Require valid-user
        OCSSignInURL /loop/signin
        ProxyPass http://127.0.0.1:%%PORT_echo%%/loop/
    </Location>
</VirtualHost>
EOF

my %SECURITY = (
    'Cache-Control'           => 'no-store',
    'X-Frame-Options'         => 'DENY',
    'Content-Security-Policy' => "default-src 'none'; style-src "
        . "'unsafe-inline'; img-src 'self'; form-action 'self'; "
        . "frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options'  => 'nosniff',
    'Referrer-Policy'         => 'same-origin',
);

$c->run(sub {
    my ($t) = @_;

    my $ticket = $c->ticket('alice');
    my $cookie = $c->cookie($ticket);

    # the identity header, the client's copies gone

    $c->log_mark;
    my $r = $t->get('/app/', headers => [$cookie, 'X-User: admin',
                                         'x-user: root', 'X_User: sa',
                                         'X-Forwarded-User: admin',
                                         'Remote-User: admin']);
    is($r->status, 200, 'in with the ticket');
    my @ids = $r->body =~ /^x[-_]user:\s*(\S*)/mgi;
    is("@ids", 'alice', 'the identity header, once, the copies gone');
    unlike($r->body, qr/^X-Forwarded-User:/mi, 'a look-alike gone');
    unlike($r->body, qr/^Remote-User:/mi, 'another look-alike gone');
    my $n = $c->differ('copies of a header counted in the log',
                       nginx => 3, apache => 2,
                       why => 'Apache joins repeated request headers '
                              . '(X-User and x-user) into one before any '
                              . 'module sees them; X_User stays apart');
    $c->log_like('error', qr/ocs sso: removed $n client-supplied "X-User" /
                 . qr/headers$/, 'log: the forged identity, at error');
    $c->log_like('info', qr/ocs sso: removed 1 client-supplied /
                 . qr/"X-Forwarded-User" header$/, 'log: a look-alike, at info');

    $r = $t->get('/open/', headers => ['X-User: admin']);
    unlike($r->body, qr/^X-User:/mi,
           'the copy goes where no one signed in too');

    $r = $t->get('/app/noheader/', headers => [$cookie, 'X-User: admin']);
    like($r->body, qr/^X-User: admin\r?$/mi,
         'identity header and stripping off in a nested place');

    $r = $t->get('/app/other/', headers => [$cookie, 'X-User: admin',
                                            'X-Remote-Identity: x']);
    like($r->body, qr/^X-Remote-Identity: alice\r?$/mi,
         'a renamed identity header');
    unlike($r->body, qr/^X-User:/mi, 'the old name still goes, a look-alike');

    # the proxy's cookies never reach the application

    $r = $t->get('/app/', headers => ["Cookie: a=1; __Host-ocs_ticket=$ticket;"
                                      . ' b=2; __Host-ocs_ticket_csrf=zz',
                                      'Cookie: ocs_ticket=x; c=3']);
    is($r->status, 200, 'several cookies: in');
    my @cookies = $r->body =~ /^Cookie:\s*(.*?)\r?$/mgi;
    my @names = map { /^\s*([^=]+)=/ ? $1 : () } map { split /;/ } @cookies;
    is("@names", 'a b c', 'the others pass, in order');
    $c->same('cookie header', join('|', @cookies),
             'the Cookie headers upstream');

    $r = $t->get('/app/', headers => [$cookie]);
    unlike($r->body, qr/^Cookie:/mi, 'only the ticket: no Cookie upstream');

    $r = $t->get('/pass/', headers => ["Cookie: a=1; __Host-ocs_ticket=$ticket"]);
    like($r->body, qr/^Cookie: a=1; __Host-ocs_ticket=\Q$ticket\E\r?$/mi,
         'pass cookies on: the ticket goes upstream too');

    # the responses of the module: the security headers

    $r = $t->get('/app/x', headers => ['Accept: text/html']);
    is($r->header($_), $SECURITY{$_}, "302: $_") for sort keys %SECURITY;

    $r = $t->post('/app/x', body => 'a=b');
    is(join('|', map { $r->header($_) // '' } sort keys %SECURITY),
       join('|', map { $SECURITY{$_} } sort keys %SECURITY),
       '401: the security headers');

    $r = $t->post('/app/x', plain => 1, body => 'a=b');
    is(join('|', map { $r->header($_) // '' } sort keys %SECURITY),
       join('|', map { $SECURITY{$_} } sort keys %SECURITY),
       '403 over http: the security headers');

    $r = $t->get('/app/', headers => [$cookie]);
    ok(!defined $r->header('X-Frame-Options'),
       'a proxied response: passed through unchanged');

    # HSTS

    my $hsts = 'max-age=31536000; includeSubDomains';

    is($t->get('/hsts/x')->header('Strict-Transport-Security'), $hsts,
       'hsts on the 302');
    is($t->get('/hsts/x', headers => [$cookie])
         ->header('Strict-Transport-Security'), $hsts,
       'hsts on a proxied response');
    is($t->get('/hsts/inner/x', headers => [$cookie])
         ->header('Strict-Transport-Security'), $hsts, 'hsts inherits');
    ok(!$t->get('/hsts/off/x', headers => [$cookie])
          ->header('Strict-Transport-Security'), 'hsts off nested');
    ok(!$t->get('/app/x', headers => [$cookie])
          ->header('Strict-Transport-Security'), 'no hsts by default');
    ok(!$t->get('/hsts/x', plain => 1)->header('Strict-Transport-Security'),
       'no hsts over http');
    ok(!$t->get('/plainhsts/x')->header('Strict-Transport-Security'),
       'no hsts where nothing is protected');

    # the site's name on the module's pages

    $r = $t->get('/loop/signin', headers => ['Accept: text/html']);
    is($r->status, 500, 'a page of the module: the sign-in not set up');
    like($r->header('Content-Type') // '', qr{^text/html; charset=utf-8$},
         'the page: html, utf-8');
    like($r->body, qr/<title>[^<]* \x{e2}\x{80}\x{93} Contoso &lt;Remote&gt;<\/title>/,
         'the page: the site in the title, escaped');
    like($r->body, qr/<p class="site">Contoso &lt;Remote&gt;<\/p>/,
         'the page: the site above the heading');
    $c->same('page', $r->body, 'the page, byte for byte');

    # 401 and 403 are plain text, without the site
    $r = $t->post('/app/x', body => 'a=b');
    $c->same('401 body', $r->body, 'the 401\'s body');
    $r = $t->post('/app/x', plain => 1, body => 'a=b');
    $c->same('403 body', $r->body, 'the 403\'s body');
    $c->same('403 type', $r->header('Content-Type'), 'the 403\'s type');
});
