#!/usr/bin/perl

# Integrated Windows authentication with Kerberos (SPNEGO) against a
# real MIT KDC: an internal client with a Kerberos ticket gets in
# without a form and then rides the proxy's own ticket; external
# clients are never offered Negotiate and a token from them is refused;
# bad, foreign, oversized and replayed tokens get 401 and one log line.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Kdc;
use OCS::Echo;
use Test::More;

my $t = OCS::Test->new;
plan tests => 71;
# a clock skew of 1 s instead of 5 min, so that a ticket can expire
# within the test
my $kdc = OCS::Kdc->new($t, libdefaults => "clockskew = 1\n");

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('brief', 'brief-pw');
$kdc->addprinc('HTTP/localhost');
$kdc->addprinc('HTTP/otherhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->users(bob => 'bob-pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

my %env = $kdc->env(ccache => $t->path('alice.cc'));
@ENV{keys %env} = values %env;

my $echo = OCS::Echo->new($t)->start;

$t->run(<<"EOF", main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 127.0.0.0/8;
        ocs_auth_negotiate_max_token 1k;
        root %%TESTDIR%%;

        location /app/ {
        }

        # shows the Authorization header a client sends, unchecked: a
        # token to use later
        location = /capture {
            if (\$http_authorization = "") {
                add_header WWW-Authenticate Negotiate always;
                return 401;
            }
            return 200 \$http_authorization;
        }

        location = /ocs/quick {
            ocs_auth_quick_signin;
        }

        # an upstream that shows what it gets, and the session
        location /echo/ {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
            add_header X-Session \$ocs_session always;
        }

        # a sign-in, then an internal redirect that clears the contexts
        location /redirect/ {
            try_files /nonexistent \@echo;
        }

        location \@echo {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
            add_header X-Session \$ocs_session always;
        }

        location /pinned/ {
            ocs_auth_service_principal HTTP/localhost\@OCS.TEST;
            alias %%TESTDIR%%/app/;
        }

        location /wrong-sp/ {
            ocs_auth_service_principal HTTP/otherhost\@OCS.TEST;
            alias %%TESTDIR%%/app/;
        }

        location /realm/ {
            ocs_auth_negotiate_keep_realm on;
            alias %%TESTDIR%%/app/;
        }

        location /keep/ {
            ocs_auth_negotiate_keep_realm on;
            alias %%TESTDIR%%/app/;
            add_header X-User \$ocs_user always;

            location /keep/off/ {
                ocs_auth_negotiate_keep_realm off;
                alias %%TESTDIR%%/app/;
                add_header X-User \$ocs_user always;
            }
        }

        location /nonego/ {
            ocs_auth_negotiate off;
            alias %%TESTDIR%%/app/;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_external%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 10.0.0.0/8;
        root %%TESTDIR%%;

        location /app/ {
        }

        location = /ocs/quick {
            ocs_auth_quick_signin;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

my $page = ['Accept: text/html'];

# a request with Negotiate, on host name $host (the service principal
# is HTTP/$host), saving the Authorization header curl sent
sub negotiate {
    my ($path, %o) = @_;

    my $host = $o{host} || 'localhost';
    my $port = $t->port($o{port} || 'https');
    my $trace = $t->path('trace');
    unlink $trace;

    my $r = $t->get("https://$host:$port$path", jar => $o{jar},
                    headers => $page,
                    curl => ['--negotiate', '-u', ':',
                             '--resolve', "$host:$port:127.0.0.1",
                             '--trace-ascii', $trace]);

    # --trace-ascii cuts lines at 64 characters: join the token's parts
    my ($sent, $more);
    for (split /\n/, $t->read_file('trace')) {
        next unless s/^[0-9a-f]{4}: //;
        if (/^Authorization: (Negotiate \S+)$/) {
            ($sent, $more) = ($1, length $_ == 64);
        } elsif ($sent && $more && /^([A-Za-z0-9+\/=]+)$/) {
            $sent .= $1;
            $more = length $_ == 64;
        } else {
            $more = 0;
        }
    }

    return ($r, $sent);
}

# an internal browser without a Kerberos ticket

my $r = $t->get('/app/', headers => $page);
is($r->status, 401, 'internal, no ticket: 401');
like($r->header('WWW-Authenticate') // '', qr/^Negotiate$/m,
     'internal: Negotiate offered');
like($r->body,
     qr{<meta http-equiv="refresh" content="0; url=/ocs/signin\?r=%2Fapp%2F">},
     'internal: the body moves a browser without Kerberos to the form');

$r = $t->get('/app/', headers => ['Accept: application/json']);
is($r->status, 401, 'script: 401');
like($r->raw_headers, qr/WWW-Authenticate: Negotiate\r?\n/,
     'script: Negotiate offered');
like($r->raw_headers, qr/WWW-Authenticate: OCS-Forms signin="\/ocs\/signin"/,
     'script: the form offered too');

# signed in with Kerberos

my ($rc, $out) = $kdc->kinit('alice', 'alice-pw',
                             ccache => $t->path('alice.cc'));
is($rc, 0, 'kinit alice') or diag($out);

my $sent;
($r, $sent) = negotiate('/app/', jar => 'k');
is($r->status, 200, 'Kerberos: signed in without a form');
is($r->body, "app\n", 'Kerberos: the page');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'Kerberos: the proxy issues its own ticket');
like($r->header('WWW-Authenticate') // '', qr/^Negotiate [A-Za-z0-9+\/=]+$/,
     'Kerberos: mutual authentication token');
ok($sent, 'curl sent a Negotiate token');

my $local = 'https://localhost:' . $t->port('https');
my $resolve = 'localhost:' . $t->port('https') . ':127.0.0.1';

is($t->get("$local/app/", jar => 'k', resolve => $resolve)->status, 200,
   'later requests ride the cookie, no Kerberos');

# what the upstream gets: no Authorization header (another proxy of the
# farm, with the same keytab and its own replay cache, would accept the
# token), and the session of the ticket just issued

for my $case (['/echo/', 'up1'], ['/redirect/x', 'up2']) {
    my ($path, $jar) = @$case;

    ($r) = negotiate($path, jar => $jar);
    is($r->status, 200, "$path: signed in with Kerberos");
    like($r->body, qr{^GET /}, "$path: proxied");
    unlike($r->body, qr/^Authorization:/mi, "$path: no token upstream");

    my $session = $r->header('X-Session') // '';
    like($session, qr/^[0-9a-f]{32}$/, "$path: \$ocs_session at sign-in");
    isnt($session, '0' x 32, "$path: \$ocs_session is not zeros");

    $r = $t->get("$local/echo/", jar => $jar, resolve => $resolve);
    is($r->header('X-Session'), $session,
       "$path: the same session on the next request");
}

# a token sent along with a valid ticket is not read, nor passed on

$r = $t->get("$local/capture", resolve => $resolve,
             curl => ['--negotiate', '-u', ':']);
my ($fresh) = $r->body =~ /^(Negotiate \S+)$/;
ok($fresh, 'a fresh token captured');

$r = $t->get("$local/echo/", jar => 'up1', resolve => $resolve,
             headers => ["Authorization: $fresh"]);
is($r->status, 200, 'ticket and token: in on the ticket');
unlike($r->body, qr/^Authorization:/mi, 'ticket and token: no token upstream');

# the same token again is a replay

$r = $t->get('/app/', headers => [@$page, "Authorization: $sent"]);
is($r->status, 401, 'replayed authenticator: 401');

# realm kept or stripped

($r) = negotiate('/realm/', jar => 'realm');
is($r->status, 200, 'keep_realm: in');

($r) = negotiate('/keep/', jar => 'keep');
is($r->header('X-User'), 'alice@OCS.TEST', 'keep_realm on: the realm kept');
($r) = negotiate('/keep/off/', jar => 'keepoff');
is($r->status, 200, 'keep_realm off in a nested location: in');
is($r->header('X-User'), 'alice',
   'keep_realm off in a nested location: the realm stripped');

# ocs_auth_negotiate off in a location under a server that turns it on

$r = $t->get('/nonego/', headers => $page);
is($r->status, 302, 'negotiate off in a nested location: the form');
unlike($r->raw_headers, qr/WWW-Authenticate: Negotiate/,
       'negotiate off in a nested location: not offered');
($r) = negotiate('/nonego/', jar => 'nonego');
is($r->status, 302, 'negotiate off: a Kerberos client is sent to the form');

# ocs_auth_service_principal: only tickets for that principal

($r) = negotiate('/pinned/');
is($r->status, 200, 'service principal named: its tickets accepted');

($r) = negotiate('/wrong-sp/');
is($r->status, 401,
   'service principal not in the keytab: refused, with a log line');

# a service principal that is not in the keytab

($r) = negotiate('/app/', host => 'otherhost');
is($r->status, 401, 'ticket for another service: 401');

# a ticket from another realm, which the keytab has no key for

my $other = OCS::Kdc->new($t, name => 'other', realm => 'OTHER.TEST');
$other->start;
$other->addprinc('olga', 'olga-pw');
$other->addprinc('HTTP/localhost');
($rc, $out) = $other->kinit('olga', 'olga-pw',
                            ccache => $t->path('olga.cc'));
is($rc, 0, 'kinit in another realm') or diag($out);

{
    local $ENV{KRB5_CONFIG} = $other->krb5_conf;
    local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('olga.cc');

    ($r) = negotiate('/app/');
}

is($r->status, 401, 'another realm: 401');
like($t->error_log,
     qr/\[error\].*Negotiate: token refused: .*The ticket isn't for us.*host: "localhost:/,
     'another realm: one ERR line');

# an expired ticket: a token made while the ticket was valid, sent after
# it ended (and after the clock skew allowed)

($rc, $out) = $kdc->kinit('brief', 'brief-pw',
                          ccache => $t->path('brief.cc'), lifetime => '2s');
is($rc, 0, 'kinit brief, for 2 s') or diag($out);

{
    local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('brief.cc');

    $r = $t->get("$local/capture", resolve => $resolve,
                 curl => ['--negotiate', '-u', ':']);
}

my ($brief) = $r->body =~ /^(Negotiate \S+)$/;
ok($brief, 'a token for brief captured');

sleep 4;

$r = $t->get('/app/', headers => [@$page, "Authorization: $brief"]);
is($r->status, 401, 'expired ticket: 401');
like($t->error_log, qr/\[error\].*Negotiate: token refused: .*expired/i,
     'expired ticket: one ERR line');

# garbage and oversized tokens

$r = $t->get('/app/', headers => [@$page,
                                  'Authorization: Negotiate YWJjZGVm']);
is($r->status, 401, 'garbage token: 401');
is($t->get('/app/', headers => [@$page, 'Authorization: Negotiate %%%'])
   ->status, 401, 'not base64: 401');
is($t->get('/app/', headers => [@$page,
                                'Authorization: Negotiate ' . 'A' x 2000])
   ->status, 401, 'over ocs_auth_negotiate_max_token: 401');

# the quick sign-in URL

($r) = negotiate('/ocs/quick?r=%2Fapp%2F', jar => 'quick');
is($r->status, 302, 'quick: signed in without a form');
like($r->header('Location'), qr{^https://localhost:\d+/app/$},
     'quick: on to the service');
ok($r->set_cookie('__Host-ocs_ticket'), 'quick: the ticket');
is($t->get("$local/app/", jar => 'quick', resolve => $resolve)->status,
   200, 'quick: the ticket opens the service');

($r) = negotiate('/ocs/quick?r=https%3A%2F%2Fevil.example%2F');
like($r->header('Location'), qr{^https://localhost:\d+/$},
     'quick: no open redirect');

$r = $t->get('/ocs/quick?r=%2Fapp%2F');
is($r->status, 401, 'quick without Kerberos: 401');
like($r->body, qr{url=/ocs/signin\?r=%2Fapp%2F"},
     'quick without Kerberos: on to the form, same return');

$r = $t->get('/ocs/quick?r=%2Fapp%2F', port => 'external');
is($r->status, 302, 'quick, external: 302');
like($r->header('Location'), qr{^https://127\.0\.0\.1:\d+/ocs/signin\?r=%2Fapp%2F$},
     'quick, external: the form');

is($t->post('/ocs/quick', form => [a => 1])->status, 405, 'quick: POST 405');

# external clients: never offered, refused if sent

$r = $t->get('/app/', port => 'external', headers => $page);
is($r->status, 302, 'external: the form');
unlike($r->raw_headers, qr/Negotiate/, 'external: Negotiate not offered');

$r = $t->get('/app/', port => 'external',
             headers => [@$page, "Authorization: $sent"]);
is($r->status, 302, 'external with a token: refused, the form');

my $log = $t->error_log;
like($log, qr/\[notice\].*user "alice" signed in with Kerberos/,
     'log: Kerberos sign-in');
like($log, qr/\[notice\].*user "alice\@OCS\.TEST" signed in with Kerberos/,
     'log: realm kept');
like($log, qr/\[error\].*Negotiate: token refused: .*[Rr]eplay/,
     'log: replay');
like($log, qr/\[error\].*Negotiate token of \d+ bytes refused: empty or over/,
     'log: oversized');
like($log, qr/\[error\].*Negotiate token is not base64/, 'log: not base64');
like($log, qr/\[error\].*Negotiate: ticket for another service principal: the ticket is for HTTP\/localhost\@OCS\.TEST/,
     'log: a ticket for another service than the named one, naming it');
like($log, qr/\[error\].*Negotiate from a client outside "ocs_auth_internal_networks" refused/,
     'log: external');
unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$echo->stop;
$t->done;
