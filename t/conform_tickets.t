#!/usr/bin/perl

# Conformance: every way a ticket can be bad, on nginx and Apache.  A
# missing, garbage, truncated, bit-flipped, wrong-key, expired or idle
# ticket, or one sent over plain http, means "not signed in": a page is
# sent to sign in (302), a POST gets 401, never a 500; the challenge is
# logged at info, and why the ticket was refused at the same level on
# both (error: forged or damaged; info: a session that ended).

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;
use Time::HiRes qw(sleep);

my @CASES = qw(missing garbage empty truncated bit-flipped unknown-key-id
               wrong-key huge expired idle);

# per case: GET 302, POST 401, the challenge's log line, the ticket's
my $c = OCS::Conform->new(tests => 6 + 4 * @CASES + 4);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        listen 127.0.0.1:%%PORT_http%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /short/ {
            ocs_auth forms;
            ocs_sso_lifetime 2s;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /idle/ {
            ocs_auth forms;
            ocs_sso_idle_timeout 2s;
            ocs_sso_refresh 1h;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location /refresh/ {
            ocs_auth forms;
            ocs_sso_refresh 1s;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;

            location /refresh/slow/ {
                ocs_sso_refresh 1h;
                proxy_pass http://127.0.0.1:%%PORT_echo%%;
            }
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

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /short/>
        AuthType OCS-Forms
        Require valid-user
        OCSLifetime 2s
        ProxyPass http://127.0.0.1:%%PORT_echo%%/short/
    </Location>

    <Location /idle/>
        AuthType OCS-Forms
        Require valid-user
        OCSIdleTimeout 2s
        OCSRefresh 1h
        ProxyPass http://127.0.0.1:%%PORT_echo%%/idle/
    </Location>

    <Location /refresh/>
        AuthType OCS-Forms
        Require valid-user
        OCSRefresh 1s
        ProxyPass http://127.0.0.1:%%PORT_echo%%/refresh/
    </Location>

    <Location /refresh/slow/>
        OCSRefresh 1h
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    my $ticket = $c->ticket('alice');
    my $other = $c->ticket('alice', keys => 'other.keys');

    # the good one, for the timed cases: fresh now, stale after the sleep
    my $timed = $c->ticket('alice');

    is($t->get('/app/', headers => [$c->cookie($ticket)])->status, 200,
       'a good ticket: in');
    is($t->get('/short/', headers => [$c->cookie($timed)])->status, 200,
       'lifetime: fresh');
    is($t->get('/idle/', headers => [$c->cookie($timed)])->status, 200,
       'idle: fresh');

    my $flipped = $ticket;
    my $at = int(length($ticket) / 2);
    substr($flipped, $at, 1, substr($ticket, $at, 1) eq 'A' ? 'B' : 'A');

    my %value = (
        'garbage'        => 'not-a-ticket',
        'empty'          => '',
        'truncated'      => substr($ticket, 0, length($ticket) - 5),
        'bit-flipped'    => $flipped,
        'unknown-key-id' => 'AQAAAAA' . substr($ticket, 7),
        'wrong-key'      => $other,
        'huge'           => 'A' x 3000,
        'expired'        => $timed,
        'idle'           => $timed,
    );

    # the ticket's own log line: level and reason, as both servers say it
    my %log = (
        'garbage'        => ['error', qr/ocs sso: ticket rejected: not a ticket/],
        'empty'          => ['error', qr/ocs sso: ticket rejected: /],
        'truncated'      => ['error', qr/ocs sso: ticket rejected: /],
        'bit-flipped'    => ['error', qr/ocs sso: ticket rejected: ticket /
                                      . qr/authentication failed/],
        'unknown-key-id' => ['error', qr/ocs sso: ticket rejected: no key /
                                      . qr/with the ticket's id/],
        'wrong-key'      => ['error', qr/ocs sso: ticket rejected: no key /
                                      . qr/with the ticket's id/],
        'huge'           => ['error', qr/ocs sso: ticket rejected: /],
        'expired'        => ['info', qr/ocs sso: ticket of user "alice" /
                                     . qr/rejected: session expired/],
        'idle'           => ['info', qr/ocs sso: ticket of user "alice" /
                                     . qr/rejected: idle timeout/],
    );

    my %where = (expired => '/short/', idle => '/idle/');

    # whole seconds: a 1 s interval may be due a moment after sign-in
    ok(!$t->get('/refresh/slow/', headers => [$c->cookie($ticket)])
          ->set_cookie('__Host-ocs_ticket'), 'refresh: not yet');

    sleep 2.2;

    my $r = $t->get('/refresh/', headers => [$c->cookie($ticket)]);
    like($r->set_cookie('__Host-ocs_ticket') // '',
         qr/^__Host-ocs_ticket=[\w-]{60,}; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
         'refresh: a new cookie after the interval, on the proxied answer');
    ok(!$t->get('/refresh/slow/', headers => [$c->cookie($ticket)])
          ->set_cookie('__Host-ocs_ticket'), 'refresh: a nested interval, not due yet');

    for my $case (@CASES) {
        my $where = $where{$case} || '/app/';
        my @h = $case eq 'missing' ? () : ($c->cookie($value{$case}));

        $c->log_mark;

        my $r = $t->get("${where}x", headers => [@h, 'Accept: text/html']);
        is($r->status, 302, "$case: a page is sent to sign in");

        $r = $t->post("${where}x", headers => \@h, body => 'a=b');
        is($r->status, 401, "$case: a post gets 401");

        is($c->log_count('info', qr/ocs auth: not signed in/), 2,
           "$case: both challenges logged at info");

        if ($log{$case}) {
            $c->log_like(@{$log{$case}}, "$case: why, at $log{$case}[0]");
        } else {
            is($c->log_count('error', qr/ocs sso:/)
               + $c->log_count('info', qr/ocs sso:/), 0,
               "$case: nothing logged of a ticket");
        }
    }

    # the timed ticket still opens where no limit is set
    is($t->get('/app/', headers => [$c->cookie($timed)])->status, 200,
       'expired for one place only');

    # a good ticket over plain http: never looked at

    $c->log_mark;
    $r = $t->get('/app/', plain => 1, headers => [$c->cookie($ticket)]);
    is($r->status, 301, 'over http: sent to https');
    $r = $t->post('/app/', plain => 1, headers => [$c->cookie($ticket)],
                  body => 'a=b');
    is($r->status, 403, 'over http: a post refused');
    is($c->log_count('error', qr/ocs sso:/)
       + $c->log_count('info', qr/ocs sso:/), 0,
       'over http: the ticket never looked at');
});
