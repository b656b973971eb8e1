#!/usr/bin/perl

# Logoff on Apache (SetHandler ocs-logoff, ocs-logoff-admin,
# OCSLogoffEverywhere, OCSLogoffAdmin, OCSLogoffRedirect,
# OCSLogoffClearSiteData, OCSAppLogoff) answers as nginx's ocs_logoff
# does (t/logoff.t, t/logoff_all.t, t/app_logoff.t): the question
# against other sites, the CSRF token, the revocation, the cleared
# cookies, the page or redirect, inheritance and "off" in a nested
# <Location>.  Tickets come from nginx (same key file) until the Apache
# sign-in lands.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 94;

$n->users(alice => 'pw', bob => 'pw2');
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

mkdir $a->path("htdocs");
for my $d (qw(app cwa cwa/inner)) {
    mkdir $a->path("htdocs/$d");
}
$a->write_file('htdocs/app/index.html', "app\n");
$a->write_file('htdocs/cwa/page.html', "cwa page\n");
$a->write_file('htdocs/cwa/signout.html', "cwa signed out\n");
$a->write_file('htdocs/cwa/inner/signout.html', "inner\n");

$a->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_http%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_http%%>
    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /cwa/>
        AuthType OCS-Forms
        Require valid-user
        OCSAppLogoff /cwa/signout.html ?Cmd=logoff
    </Location>
    <Location /cwa/inner/>
        OCSAppLogoff off
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>

    <Location /everywhere>
        SetHandler ocs-logoff
        OCSLogoffEverywhere on
    </Location>

    <Location /ev/>
        OCSLogoffEverywhere on
        SetHandler ocs-logoff
    </Location>
    <Location /ev/off>
        OCSLogoffEverywhere off
    </Location>

    <Location /out/>
        OCSLogoffRedirect /signed-out.html
        SetHandler ocs-logoff
    </Location>
    <Location /out/builtin>
        OCSLogoffRedirect off
    </Location>

    <Location /csd/>
        OCSLogoffClearSiteData cache cookies
        SetHandler ocs-logoff
    </Location>
    <Location /csd/none>
        OCSLogoffClearSiteData off
    </Location>

    <Location /admin/>
        OCSLogoffAdmin carol
        OCSLogoffAdmin ALICE
    </Location>
    <Location /admin/sessions>
        SetHandler ocs-logoff-admin
    </Location>
    <Location /admin/carol>
        SetHandler ocs-logoff-admin
        OCSLogoffAdmin carol
    </Location>
</VirtualHost>
EOF

my $origin = 'https://127.0.0.1:' . $a->port('https');
my $COOKIE = '__Host-ocs_ticket';

sub ticket {
    my ($user, $pw, $jar) = @_;
    $n->signin($user, $pw, jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
}

sub signed_in { $a->get('/app/index.html', jar => $_[0])->status == 200 }

my $same = ['Sec-Fetch-Site: same-origin'];

# another site cannot sign a user out

ticket('alice', 'pw', 'a');
$a->copy_jar('a', 'copy');
ok(signed_in('a'), 'signed in');

for my $h ([], ['Sec-Fetch-Site: cross-site']) {
    my $r = $a->get('/ocs/logoff', jar => 'a', headers => $h);
    is($r->status, 200, "get @$h: confirmation page");
    like($r->body, qr/Do you want to sign out\?/, "get @$h: asks");
    like($r->field('csrf'), qr/^[\w-]{43}$/, "get @$h: token");
    like($r->body, qr{action="/ocs/logoff"}, "get @$h: posts back here");
    ok(!$r->set_cookie($COOKIE), "get @$h: cookie kept");
    ok(signed_in('a'), "get @$h: still signed in");
}

my $r = $a->post('/ocs/logoff', jar => 'a', form => [x => 1]);
is($r->status, 403, 'post without token: refused');
like($r->body, qr/did not come from this site/,
     'post without token: message');
ok(signed_in('a'), 'post without token: still signed in');

ticket('bob', 'pw2', 'b');
my $bob_token = $a->get('/ocs/logoff', jar => 'b')->field('csrf');
$r = $a->post('/ocs/logoff', jar => 'a', form => [csrf => $bob_token]);
is($r->status, 403, "another session's token: refused");
ok(signed_in('a'), "another session's token: still signed in");

# the confirmation form signs out

my $token = $a->get('/ocs/logoff', jar => 'a')->field('csrf');
$r = $a->post('/ocs/logoff', jar => 'a', form => [csrf => $token]);
is($r->status, 200, 'confirmed: signed out');
like($r->body, qr/You have signed out/, 'signed-out page');
like($r->body, qr{href="/ocs/signin"}, 'signed-out page links to sign-in');
like($r->header('cache-control') // '', qr/no-store/, 'not cached');
like($r->set_cookie($COOKIE), qr/^__Host-ocs_ticket=; .*Max-Age=0/,
     'ticket cookie cleared');
like($r->set_cookie('__Host-ocs_ticket_csrf') // '', qr/Max-Age=0/,
     'csrf cookie cleared');
is($r->header('clear-site-data'), '"cache", "storage"',
   'clear-site-data: cache and storage by default');
ok(!signed_in('a'), 'cookie gone');
ok(!signed_in('copy'), 'the copied ticket is revoked');

# the site's own pages and the user sign out with a plain GET

my $g = 0;

for my $h (['Sec-Fetch-Site: same-origin'], ['Sec-Fetch-Site: same-site'],
           ['Sec-Fetch-Site: none'], ["Referer: $origin/app/page"])
{
    my $jar = 'g' . $g++;
    ticket('alice', 'pw', $jar);
    $a->copy_jar($jar, "$jar-copy");
    $r = $a->get('/ocs/logoff', jar => $jar, headers => $h);
    like($r->body, qr/You have signed out\./, "get @$h: signed out");
    ok(!signed_in("$jar-copy"), "get @$h: ticket revoked");
}

# the sign-out page of one's own, inherited and off

ticket('alice', 'pw', 'r');
$r = $a->get('/out/logoff', jar => 'r', headers => $same);
is($r->status, 302, 'redirect');
like($r->header('location') // '',
     qr{^https://127\.0\.0\.1:\d+/signed-out\.html$},
     'redirect: OCSLogoffRedirect, inherited');
like($r->set_cookie($COOKIE) // '', qr/Max-Age=0/,
     'redirect: cookie cleared');

ticket('alice', 'pw', 'r2');
$token = $a->get('/out/logoff', jar => 'r2')->field('csrf');
$r = $a->post('/out/logoff', jar => 'r2', form => [csrf => $token]);
is($r->status, 303, 'redirect after post: see other');

$r = $a->get('/out/builtin', headers => $same);
is($r->status, 200, 'OCSLogoffRedirect off: the built-in page');

# Clear-Site-Data of one's own, inherited, and off

$r = $a->get('/csd/logoff', headers => $same);
is($r->header('clear-site-data'), '"cache", "cookies"',
   'OCSLogoffClearSiteData inherited from the enclosing Location');
$r = $a->get('/csd/none', headers => $same);
ok(!$r->header('clear-site-data'), 'OCSLogoffClearSiteData off');

# nobody signed in: the cookies are cleared all the same

$r = $a->get('/ocs/logoff');
is($r->status, 200, 'not signed in: page');
like($r->body, qr/You are signed out: this browser held no session here\./,
     'not signed in: nothing to end');
like($r->set_cookie($COOKIE) // '', qr/Max-Age=0/, 'not signed in: cleared');

$r = $a->post('/ocs/logoff', form => [csrf => 'x']);
is($r->status, 200, 'not signed in, post: page');

# HTTPS policy, methods, sizes

$r = $a->get('/ocs/logoff', plain => 1);
is($r->status, 301, 'plain http GET: 301');
$r = $a->post('/ocs/logoff', plain => 1, form => [csrf => 'x']);
is($r->status, 403, 'plain http POST: 403');
$r = $a->http('PUT', '/ocs/logoff', jar => 'b');
is($r->status, 405, 'PUT: 405');
$r = $a->post('/ocs/logoff', jar => 'b', form => [csrf => 'x' x 3000]);
is($r->status, 413, 'a body over 2048 bytes: 413');
ok(signed_in('b'), 'bob still signed in');

# log off everywhere

ticket('alice', 'pw', 'e1');
ticket('alice', 'pw', 'e2');

$r = $a->get('/everywhere', jar => 'e1',
             headers => ['Sec-Fetch-Site: same-site']);
like($r->body, qr/sign out everywhere, on every device\?/,
     'everywhere: a sibling host gets the question');
ok(signed_in('e2'), 'everywhere: nothing ended yet');

my $etoken = $r->field('csrf');
$token = $a->get('/ocs/logoff', jar => 'e1')->field('csrf');
$r = $a->post('/everywhere', jar => 'e1', form => [csrf => $token]);
is($r->status, 403, "everywhere: a plain logoff's token does not work");

$r = $a->post('/everywhere', jar => 'e1', form => [csrf => $etoken]);
like($r->body, qr/You have signed out everywhere/,
     'everywhere: confirmed');
ok(!signed_in('e2'), 'everywhere: the other session ended');
ok(signed_in('b'), "everywhere: another user's session goes on");

ticket('alice', 'pw', 'e3');
ok(signed_in('e3'), 'everywhere: signing in again works');

# OCSLogoffEverywhere inherited, and off in a nested Location
ticket('alice', 'pw', 'e4');
$r = $a->get('/ev/logoff', jar => 'e3', headers => $same);
like($r->body, qr/signed out everywhere/, 'everywhere: inherited');
ok(!signed_in('e4'), 'everywhere inherited: the other session ended');

ticket('alice', 'pw', 'e5');
ticket('alice', 'pw', 'e6');
$r = $a->get('/ev/off', jar => 'e5', headers => $same);
like($r->body, qr/You have signed out\./, 'OCSLogoffEverywhere off: ...');
unlike($r->body, qr/everywhere/, '... this session only');
ok(signed_in('e6'), 'OCSLogoffEverywhere off: the other session goes on');

# a revoked copy signs itself out and nothing more
$a->copy_jar('e6', 'e6-copy');
$a->get('/ocs/logoff', jar => 'e6', headers => $same);
ticket('alice', 'pw', 'e7');
$r = $a->get('/everywhere', jar => 'e6-copy', headers => $same);
like($r->body, qr/You have signed out here\. Your sessions on other devices were not ended/,
     'everywhere with a revoked copy: this session only');
ok(signed_in('e7'), 'everywhere with a revoked copy: others go on');

# the administrators' page

$r = $a->get('/admin/sessions');
is($r->status, 403, 'admin: no ticket: 403');
like($r->body, qr/Sign in/i, 'admin: no ticket: sign in first');

$r = $a->get('/admin/sessions', jar => 'b');
is($r->status, 403, 'admin: bob is not named: 403');
like($r->body, qr/Your account may not end other users&#39; sessions\./,
     'admin: not an administrator');

ticket('alice', 'pw', 'adm');
$r = $a->get('/admin/sessions', jar => 'adm');
is($r->status, 200, 'admin: alice (ALICE, inherited) gets the form');
like($r->body, qr/<label for="user">User name<\/label>/, 'admin: form');
$token = $r->field('csrf');

$r = $a->post('/admin/sessions', jar => 'adm', form => [user => 'bob']);
is($r->status, 403, 'admin: without a token: refused');
ok(signed_in('b'), 'admin: without a token: bob still in');

$r = $a->post('/admin/sessions', jar => 'adm',
              form => [csrf => $token, user => '']);
is($r->status, 400, 'admin: no user name: 400');

$r = $a->post('/admin/sessions', jar => 'adm',
              form => [csrf => $token, user => 'BOB']);
is($r->status, 200, 'admin: done');
like($r->body, qr/every ticket issued to BOB before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(UTC\) is refused from now on/,
     'admin: says what was done');
ok(!signed_in('b'), "admin: bob's session ended");
ok(signed_in('adm'), "admin: the administrator's own goes on");

$r = $a->get('/admin/carol', jar => 'adm');
is($r->status, 403, "admin: a nested Location's own list replaces");

# the application's own sign-out URL

ticket('alice', 'pw', 'c1');
$a->copy_jar('c1', 'c1-copy');
$r = $a->get('/cwa/page.html', jar => 'c1');
is($r->status, 200, 'app: a page');
ok(!$r->set_cookie($COOKIE), 'app: a page keeps the cookie');

$r = $a->get('/cwa/signout.html', jar => 'c1');
is($r->status, 200, "app: the sign-out URL reaches the application");
like($r->body, qr/cwa signed out/, 'app: its answer');
like($r->set_cookie($COOKIE) // '', qr/^__Host-ocs_ticket=; .*Max-Age=0/,
     'app: the ticket cookie cleared');
ok(!signed_in('c1-copy'), 'app: the session is revoked');

ticket('alice', 'pw', 'c2');
$a->copy_jar('c2', 'c2-copy');
$a->get('/cwa/page.html?cmd=LOGOFF', jar => 'c2');
ok(!signed_in('c2-copy'), 'app: ?Cmd=logoff, without case');

ticket('alice', 'pw', 'c3');
$r = $a->get('/cwa/inner/signout.html', jar => 'c3');
is($r->status, 200, 'app: OCSAppLogoff off in a nested Location');
ok(signed_in('c3'), 'app: off: the session goes on');

# logs

my $log = $a->error_log;
like($log, qr/:notice\].*ocs logoff: user "alice" signed out/,
     'log: logoff');
like($log, qr/:error\].*sign-out of user "alice" without a valid csrf token/,
     'log: refused');
like($log, qr/:notice\].*every session of user "BOB" ended by "alice"/,
     'log: admin');
like($log, qr/:error\].*user "bob" is not an administrator of OCSLogoffAdmin/,
     'log: not an administrator');
like($log, qr/user "alice" signed out through the application's sign-out URL/,
     'log: app logoff');

$n->stop;
$a->done;
