#!/usr/bin/perl

# Secure logoff: revocation in the shared zone (every worker, across a
# reload), cleared cookies, the sign-out page or redirect, and CSRF.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 66;

$t->users(alice => 'pw', bob => 'pw2');
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /ocs/logoff {
            ocs_logoff;
        }

        location /out/ {
            ocs_logoff_redirect /signed-out.html;

            location = /out/logoff {
                ocs_logoff;
            }

            location = /out/builtin {
                ocs_logoff;
                ocs_logoff_redirect off;
            }
        }

        location /csd/ {
            ocs_logoff_clear_site_data cache cookies;

            location = /csd/logoff {
                ocs_logoff;
            }

            location = /csd/none {
                ocs_logoff;
                ocs_logoff_clear_site_data off;
            }
        }
    }

    server {
        listen 127.0.0.1:%%PORT_domain%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_cookie_domain contoso.test;

        location = /ocs/logoff {
            ocs_logoff;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "backend\n";
        }
    }
}
EOF

$t->run($conf, workers => 2);

my $origin = 'https://127.0.0.1:' . $t->port('https');

sub signed_in {
    my ($jar) = @_;
    return $t->get('/app/', jar => $jar)->status == 200;
}

# another site cannot sign a user out

$t->signin('alice', 'pw', jar => 'a');
$t->copy_jar('a', 'copy');
ok(signed_in('a'), 'signed in');

for my $h ([], ['Sec-Fetch-Site: cross-site'],
           ['Referer: https://evil.example/page'])
{
    my $r = $t->get('/ocs/logoff', jar => 'a', headers => $h);
    is($r->status, 200, "get @$h: confirmation page");
    like($r->body, qr/Do you want to sign out\?/, "get @$h: asks");
    like($r->field('csrf'), qr/^[\w-]{43}$/, "get @$h: token");
    ok(!$r->set_cookie('ocs_ticket'), "get @$h: cookie kept");
    ok(signed_in('a'), "get @$h: still signed in");
}

my $r = $t->post('/ocs/logoff', jar => 'a');
is($r->status, 403, 'post without token: refused');
like($r->body, qr/did not come from this site/, 'post without token: message');
ok(signed_in('a'), 'post without token: still signed in');

$t->signin('bob', 'pw2', jar => 'b');
my $bob_token = $t->get('/ocs/logoff', jar => 'b')->field('csrf');
$r = $t->post('/ocs/logoff', jar => 'a', form => [csrf => $bob_token]);
is($r->status, 403, "another session's token: refused");
ok(signed_in('a'), "another session's token: still signed in");

# the confirmation form signs out

my $token = $t->get('/ocs/logoff', jar => 'a')->field('csrf');
$r = $t->post('/ocs/logoff', jar => 'a', form => [csrf => $token]);
is($r->status, 200, 'confirmed: signed out');
like($r->body, qr/You have signed out/, 'signed-out page');
like($r->body, qr{href="/ocs/signin"}, 'signed-out page links to sign-in');
is($r->header('cache-control'), 'no-store', 'not cached');
is($r->set_cookie('ocs_ticket'),
   'ocs_ticket=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT;'
   . ' Secure; HttpOnly; SameSite=Lax', 'ticket cookie cleared');
like($r->set_cookie('__Host-ocs_ticket_csrf'), qr/Max-Age=0/, 'csrf cookie cleared');
is($r->header('clear-site-data'), '"cache", "storage"',
   'clear-site-data: cache and storage by default');

ok(!signed_in('a'), 'cookie gone');

# the confirmation's body may arrive in pieces after the headers

$t->signin('alice', 'pw', jar => 'pieces');
my $ptoken = $t->get('/ocs/logoff', jar => 'pieces')->field('csrf');
my $ticket = $t->jar_cookies('pieces')->{ocs_ticket};
my $reply = $t->tls_pieces($t->port('https'),
    "POST /ocs/logoff HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    . "Cookie: ocs_ticket=$ticket\r\n"
    . "Content-Type: application/x-www-form-urlencoded\r\n"
    . "Content-Length: 48\r\nConnection: close\r\n\r\ncsrf=",
    substr($ptoken, 0, 20), substr($ptoken, 20));
like($reply, qr{^HTTP/1\.1 200 .*You have signed out}s,
     'body in pieces: signed out');
ok(!signed_in('pieces'), 'body in pieces: ticket revoked');

# the copied ticket is dead in every worker

my @copied = map { $t->get('/app/', jar => 'copy')->status } 1 .. 8;
is_deeply(\@copied, [(302) x 8], 'copied ticket revoked in every worker');

# the site's own pages and the user sign out with a plain GET

my $g = 0;

# (a jar named after the header had a "/" in it, so that one never held a
# ticket to sign out)
for my $h (['Sec-Fetch-Site: same-origin'], ['Sec-Fetch-Site: same-site'],
           ['Sec-Fetch-Site: none'], ["Referer: $origin/app/page"])
{
    my $jar = 'g' . $g++;
    $t->signin('alice', 'pw', jar => $jar);
    ok(signed_in($jar), "get @$h: signed in first");
    $r = $t->get('/ocs/logoff', jar => $jar, headers => $h);
    is($r->status, 200, "get @$h: signed out");
    like($r->body, qr/You have signed out\./, "get @$h: page");
    ok(!signed_in($jar), "get @$h: ticket gone");
}

# the sign-out page of one's own, inherited and off

$t->signin('alice', 'pw', jar => 'r');
$r = $t->get('/out/logoff', jar => 'r',
             headers => ['Sec-Fetch-Site: same-origin']);
is($r->status, 302, 'redirect');
like($r->header('location'), qr{^https://127\.0\.0\.1:\d+/signed-out\.html$},
     'redirect: configured sign-out page');
like($r->set_cookie('ocs_ticket'), qr/Max-Age=0/, 'redirect: cookie cleared');

$t->signin('alice', 'pw', jar => 'r2');
$token = $t->get('/out/logoff', jar => 'r2')->field('csrf');
$r = $t->post('/out/logoff', jar => 'r2', form => [csrf => $token]);
is($r->status, 303, 'redirect after post: see other');

$r = $t->get('/out/builtin', headers => ['Sec-Fetch-Site: same-origin']);
is($r->status, 200, 'redirect off: built-in page');

# Clear-Site-Data of one's own, inherited, and off

$r = $t->get('/csd/logoff', headers => ['Sec-Fetch-Site: same-origin']);
is($r->header('clear-site-data'), '"cache", "cookies"',
   'clear-site-data inherited from the enclosing location');
ok(!$t->get('/csd/none')->header('clear-site-data'), 'clear-site-data off');

# nobody signed in: the cookies are cleared all the same

$r = $t->get('/ocs/logoff');
is($r->status, 200, 'not signed in: page');
like($r->body, qr/You are signed out: this browser held no session here\./,
     'not signed in: the page says there was nothing to end');
like($r->set_cookie('ocs_ticket'), qr/Max-Age=0/, 'not signed in: cleared');

$r = $t->get('/ocs/logoff', port => 'domain');
like($r->set_cookie('ocs_ticket'), qr/; Domain=contoso\.test;/,
     'cleared with its domain');

# revocations survive a reload

$t->signin('alice', 'pw', jar => 'reload');
$t->copy_jar('reload', 'reload-copy');
$t->get('/ocs/logoff', jar => 'reload',
        headers => ['Sec-Fetch-Site: same-origin']);
ok($t->reload, 'reloaded');
is($t->get('/app/', jar => 'reload-copy')->status, 302,
   'revoked after a reload');

$t->signin('alice', 'pw', jar => 'after');
ok(signed_in('after'), 'new sign-in after the reload');

# logs

my $log = $t->error_log;
like($log, qr/\[notice\].*ocs logoff: user "alice" signed out/, 'log: logoff');
like($log, qr/\[error\].*sign-out of user "alice" without a valid csrf token/,
     'log: refused');
like($log, qr/\[info\].*ticket of user "alice" rejected: session revoked/,
     'log: revoked ticket');

$t->done;
