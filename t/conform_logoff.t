#!/usr/bin/perl

# Conformance: secure logoff on nginx and Apache (the logoff part on
# Apache: SetHandler ocs-logoff, OCSLogoffRedirect,
# OCSLogoffClearSiteData).  Another site cannot sign a user out; the
# confirmation signs out, clears the cookies, sends Clear-Site-Data and
# revokes the ticket, which then means "not signed in"; the site's own
# pages sign out with a GET; the sign-out page of one's own; nobody
# signed in.  The tickets come from the issuer, so that this runs
# without the sign-in part.  Until the Apache part is merged the Apache
# half is skipped, loudly.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;

my $c = OCS::Conform->new(tests => 26);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
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
        }

        location /csd/ {
            ocs_logoff_clear_site_data cache cookies;

            location = /csd/logoff {
                ocs_logoff;
            }
        }
    }
}
EOF

$c->apache(<<'EOF', part => 'logoff', probe => \&logoff_page);
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSLogoffRedirect off

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>

    <Location /out/>
        OCSLogoffRedirect /signed-out.html
    </Location>
    <Location /out/logoff>
        SetHandler ocs-logoff
    </Location>

    <Location /csd/>
        OCSLogoffClearSiteData cache cookies
    </Location>
    <Location /csd/logoff>
        SetHandler ocs-logoff
    </Location>
</VirtualHost>
EOF

sub logoff_page {
    my ($t) = @_;
    my $r = $t->get('/ocs/logoff');
    return $r->status == 200 && $r->body =~ /signed out/ ? ''
         : 'GET /ocs/logoff answers ' . $r->status . ', not the logoff page';
}

$c->run(sub {
    my ($t) = @_;

    my $ticket = $c->ticket('alice');
    my $cookie = $c->cookie($ticket);
    my $in = sub { $t->get('/app/', headers => [$_[0]])->status == 200 };

    ok($in->($cookie), 'signed in');

    # another site cannot sign a user out

    my $r = $t->get('/ocs/logoff', headers => [$cookie,
                                               'Sec-Fetch-Site: cross-site']);
    is($r->status, 200, 'a link from elsewhere: the confirmation page');
    like($r->body, qr/Do you want to sign out\?/, 'it asks');
    my $token = $r->field('csrf');
    like($token // '', qr/^[\w-]{43}$/, 'with a token');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'the cookie kept');
    $c->same('the confirmation page',
             ($r->body =~ s/value="[\w-]{43}"/value="T"/gr),
             'the confirmation page, byte for byte but for the token');

    $c->log_mark;
    $r = $t->post('/ocs/logoff', headers => [$cookie], form => [csrf => 'x']);
    is($r->status, 403, 'a post without its token: refused');
    like($r->body, qr/did not come from this site/, 'the message');
    ok($in->($cookie), 'still signed in');
    $c->log_like('error', qr/sign-out of user "alice" without a valid csrf /
                 . qr/token/, 'log: the refusal, at error');

    # the confirmation signs out

    $c->log_mark;
    $r = $t->post('/ocs/logoff', headers => [$cookie], form => [csrf => $token]);
    is($r->status, 200, 'confirmed: signed out');
    like($r->body, qr/You have signed out/, 'the signed-out page');
    is($r->header('Cache-Control'), 'no-store', 'not cached');
    is($r->set_cookie('__Host-ocs_ticket'),
       '__Host-ocs_ticket=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 '
       . '00:00:00 GMT; Secure; HttpOnly; SameSite=Lax', 'the ticket cleared');
    like($r->set_cookie('__Host-ocs_ticket_csrf') // '', qr/Max-Age=0/,
         'the nonce cookie cleared');
    is($r->header('Clear-Site-Data'), '"cache", "storage"',
       'Clear-Site-Data: cache and storage');
    $c->log_like('notice', qr/ocs logoff: user "alice" signed out/,
                 'log: signed out, at notice');

    $c->log_mark;
    $r = $t->get('/app/x', headers => [$cookie, 'Accept: text/html']);
    is($r->status, 302, 'the revoked ticket: sign in again');
    $c->log_like('info', qr/ticket of user "alice" rejected: session revoked/,
                 'log: revoked, at info');

    # the site's own pages sign out with a GET

    my $t2 = $c->cookie($c->ticket('alice'));
    $r = $t->get('/ocs/logoff', headers => [$t2, 'Sec-Fetch-Site: same-origin']);
    like($r->body, qr/You have signed out\./, 'same origin: signed out at once');
    ok(!$in->($t2), 'same origin: the ticket gone');

    # a sign-out page of one's own; Clear-Site-Data of one's own

    $r = $t->get('/out/logoff', headers => [$c->cookie($c->ticket('alice')),
                                            'Sec-Fetch-Site: same-origin']);
    is($r->status, 302, 'OCSLogoffRedirect: 302');
    is($r->header('Location'), 'https://127.0.0.1:' . $t->port('https')
       . '/signed-out.html', 'to the page of one\'s own');

    $r = $t->get('/csd/logoff', headers => ['Sec-Fetch-Site: same-origin']);
    is($r->header('Clear-Site-Data'), '"cache", "cookies"',
       'Clear-Site-Data inherited');

    # nobody signed in: the cookies are cleared all the same

    $r = $t->get('/ocs/logoff');
    like($r->body, qr/You are signed out: this browser held no session here\./,
         'nobody signed in: the page says so');
    like($r->set_cookie('__Host-ocs_ticket') // '', qr/Max-Age=0/,
         'nobody signed in: cleared');
});
