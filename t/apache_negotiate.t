#!/usr/bin/perl

# Integrated Windows authentication with Kerberos (SPNEGO) on Apache
# httpd, against a real MIT KDC: the scenarios and answers of
# t/negotiate.t.  An internal client with a Kerberos ticket gets in
# without a form and then rides the proxy's own ticket; bad, foreign,
# oversized and replayed tokens get 401 and one log line; the token
# never goes upstream.
# A vhost whose OCSInternalNetworks does not hold the client offers no
# Negotiate and refuses a token sent anyway.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Apache;
use OCS::Test::Nginx;
use OCS::Kdc;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 83;
# a clock skew of 1 s instead of 5 min, so that a ticket can expire
# within the test
my $kdc = OCS::Kdc->new($t, libdefaults => "clockskew = 1\n");

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('brief', 'brief-pw');
$kdc->addprinc('HTTP/localhost');
$kdc->addprinc('HTTP/otherhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");
$t->write_file('nobody', '');

my %env = $kdc->env(ccache => $t->path('alice.cc'));
@ENV{keys %env} = values %env;

my $echo = OCS::Echo->new($t)->start;

my $tls = <<'EOF';
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    DocumentRoot %%TESTDIR%%
EOF

$t->run(<<"EOF");
LoadModule dir_module %%MODULES%%/mod_dir.so
LoadModule auth_basic_module %%MODULES%%/mod_auth_basic.so
LoadModule authn_file_module %%MODULES%%/mod_authn_file.so

Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_external%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
$tls
    OCSKeytab $keytab
    OCSNegotiateMaxToken 1k
    OCSInternalNetworks 127.0.0.0/8

    <Location /app/>
        AuthType OCS-Negotiate
        Require valid-user
    </Location>

    # shows the Authorization header a client sends, unchecked: a token
    # to use later
    <Location /capture>
        <If "-z %{HTTP:Authorization}">
            AuthType Basic
            AuthName capture
            AuthUserFile %%TESTDIR%%/nobody
            Require valid-user
            Header always add WWW-Authenticate Negotiate
        </If>
        ProxyPass http://127.0.0.1:%%PORT_echo%%/capture
    </Location>

    <Location /ocs/quick>
        AuthType OCS-Negotiate
        SetHandler ocs-quick-signin
    </Location>

    # an upstream that shows what it gets, and the session
    <Location /echo/>
        AuthType OCS-Negotiate
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/echo/
        Header always set X-Session "%{OCS_SESSION}e"
    </Location>

    # a sign-in, then an internal redirect (a new request of another
    # section) to the upstream
    <Location /redirect/>
        AuthType OCS-Negotiate
        Require valid-user
        ErrorDocument 404 /echo/redirected
    </Location>

    <Location /pinned/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSServicePrincipal HTTP/localhost\@OCS.TEST
    </Location>

    <Location /wrong-sp/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSServicePrincipal HTTP/otherhost\@OCS.TEST
    </Location>

    <Location /keep/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNegotiateKeepRealm on
        Header always set X-User "%{OCS_USER}e"
    </Location>

    <Location /keep/off/>
        OCSNegotiateKeepRealm off
    </Location>

    # a larger token allowed here than in the vhost
    <Location /big/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNegotiateMaxToken 64k
    </Location>

    <Location /nonego/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    Alias /pinned/ %%TESTDIR%%/app/
    Alias /wrong-sp/ %%TESTDIR%%/app/
    Alias /keep/off/ %%TESTDIR%%/app/
    Alias /keep/ %%TESTDIR%%/app/
    Alias /nonego/ %%TESTDIR%%/app/
    Alias /big/ %%TESTDIR%%/app/
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_external%%>
$tls
    OCSKeytab $keytab
    OCSInternalNetworks 10.0.0.0/8

    <Location /app/>
        AuthType OCS-Negotiate
        Require valid-user
    </Location>

    <Location /ocs/quick>
        AuthType OCS-Negotiate
        SetHandler ocs-quick-signin
    </Location>
</VirtualHost>
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

# a fresh token for localhost, through /capture
sub capture {
    my $r = $t->get("https://localhost:" . $t->port('https') . '/capture',
                    resolve => 'localhost:' . $t->port('https')
                               . ':127.0.0.1',
                    curl => ['--negotiate', '-u', ':']);
    my ($token) = $r->body =~ /^Authorization: (Negotiate \S+?)\r?$/m;
    return $token;
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

# a mixed fleet: the ticket of a Kerberos sign-in on Apache opens nginx,
# with the same user and method

{
    my $n = OCS::Test::Nginx->new;
    my $keys = $t->path('ticket.keys');
    my $app = $t->path('app');
    $n->users(bob => 'bob-pw');

    $n->run(<<"NGINX", main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");
http {
    ocs_sso_key_file $keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            ocs_auth_negotiate on;
            ocs_auth_keytab $keytab;
            ocs_auth_internal_networks 127.0.0.0/8;
            alias $app/;
            add_header X-Info "\$ocs_user|\$ocs_auth_method" always;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
NGINX

    $n->write_file('jar-k', $t->read_file('jar-k'));
    my $np = $n->port('https');
    my $nr = $n->get("https://localhost:$np/app/", jar => 'k',
                     resolve => "localhost:$np:127.0.0.1");
    is($nr->header('X-Info'), 'alice|kerberos',
       'mixed fleet: Apache\'s Kerberos ticket opens nginx');

    # the same challenge from both: headers and page
    for my $h ($page, ['Accept: application/json']) {
        my $a = $t->get('/app/', headers => $h);
        my $b = $n->get('/app/', headers => $h);
        my $what = $h->[0];
        is($a->status . ' ' . join(', ', $a->raw_headers
                                   =~ /^WWW-Authenticate: (.*?)\r?$/mg),
           $b->status . ' ' . join(', ', $b->raw_headers
                                   =~ /^WWW-Authenticate: (.*?)\r?$/mg),
           "$what: the same status and challenges as nginx");
        is($a->body, $b->body, "$what: the same page as nginx");
    }
    $n->stop;
}

# what the upstream gets: no Authorization header, and the session of
# the ticket just issued

for my $case (['/echo/', 'up1', 200], ['/redirect/x', 'up2', 200]) {
    my ($path, $jar, $status) = @$case;

    ($r) = negotiate($path, jar => $jar);
    is($r->status, $status, "$path: signed in with Kerberos")
        or diag($r->raw_headers);
    like($r->body, qr{^GET /echo/}, "$path: proxied");
    unlike($r->body, qr/^Authorization:/mi, "$path: no token upstream");

    my $session = $r->header('X-Session') // '';
    like($session, qr/^[0-9a-f]{32}$/, "$path: OCS_SESSION at sign-in");
    isnt($session, '0' x 32, "$path: OCS_SESSION is not zeros");

    $r = $t->get("$local/echo/", jar => $jar, resolve => $resolve);
    is($r->header('X-Session'), $session,
       "$path: the same session on the next request");
}

# many sign-ins at once, on the threads of mpm_event: one GSSAPI
# context per call, every one accepted, each its own session

{
    my $url = "$local/echo/";
    my $cmd = join ' ', map {
        "curl -s -k --negotiate -u : --resolve $resolve -H 'Accept: text/html'"
        . " -o " . $t->path("par$_.body") . " -D " . $t->path("par$_.head")
        . " '$url' &"
    } 1 .. 12;
    system("$cmd wait");

    my (%sessions, $ok);
    for (1 .. 12) {
        my $head = $t->read_file("par$_.head");
        $ok++ if $head =~ m{^HTTP/1\.1 200 }m;
        $sessions{$1} = 1 if $head =~ /^X-Session: ([0-9a-f]{32})\r?$/m;
    }
    is($ok, 12, 'parallel sign-ins: all 12 in');
    is(scalar keys %sessions, 12, 'parallel sign-ins: 12 sessions');
}

# a token sent along with a valid ticket is not read, nor passed on

my $fresh = capture();
ok($fresh, 'a fresh token captured');

$r = $t->get("$local/echo/", jar => 'up1', resolve => $resolve,
             headers => ["Authorization: $fresh"]);
is($r->status, 200, 'ticket and token: in on the ticket');
unlike($r->body, qr/^Authorization:/mi, 'ticket and token: no token upstream');

# the same token again is a replay

$r = $t->get('/app/', headers => [@$page, "Authorization: $sent"]);
is($r->status, 401, 'replayed authenticator: 401');

# realm kept or stripped; OCSNegotiateKeepRealm off in a nested section

($r) = negotiate('/keep/', jar => 'keep');
is($r->status, 200, 'keep realm: in');
is($r->header('X-User'), 'alice@OCS.TEST', 'keep realm on: the realm kept');
($r) = negotiate('/keep/off/', jar => 'keepoff');
is($r->status, 200, 'keep realm off in a nested section: in');
is($r->header('X-User'), 'alice',
   'keep realm off in a nested section: the realm stripped');

# AuthType OCS-Forms in a section: no Negotiate there

$r = $t->get('/nonego/', headers => $page);
is($r->status, 302, 'AuthType OCS-Forms: the form');
unlike($r->raw_headers, qr/WWW-Authenticate: Negotiate/,
       'AuthType OCS-Forms: not offered');
($r) = negotiate('/nonego/', jar => 'nonego');
is($r->status, 302, 'AuthType OCS-Forms: a Kerberos client is sent to the '
   . 'form');

# OCSServicePrincipal: only tickets for that principal

($r) = negotiate('/pinned/');
is($r->status, 200, 'service principal named: its tickets accepted');

($r) = negotiate('/wrong-sp/');
is($r->status, 401,
   'service principal not in the keytab: refused, with a log line');

# a ticket for a service principal that is not in the keytab

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
     qr/\[auth_ocs:error\].*Negotiate: token refused: .*(The ticket isn't for us|HTTP\/localhost\@OTHER\.TEST not found in keytab)/,
     'another realm: one ERR line');

# an expired ticket: a token made while the ticket was valid, sent after
# it ended (and after the clock skew allowed)

($rc, $out) = $kdc->kinit('brief', 'brief-pw',
                          ccache => $t->path('brief.cc'), lifetime => '2s');
is($rc, 0, 'kinit brief, for 2 s') or diag($out);

my $brief;
{
    local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('brief.cc');
    $brief = capture();
}
ok($brief, 'a token for brief captured');

sleep 4;

$r = $t->get('/app/', headers => [@$page, "Authorization: $brief"]);
is($r->status, 401, 'expired ticket: 401');
like($t->error_log,
     qr/\[auth_ocs:error\].*Negotiate: token refused: .*expired/i,
     'expired ticket: one ERR line');

# garbage and oversized tokens

$r = $t->get('/app/', headers => [@$page,
                                  'Authorization: Negotiate YWJjZGVm']);
is($r->status, 401, 'garbage token: 401');
is($t->get('/app/', headers => [@$page, 'Authorization: Negotiate %%%'])
   ->status, 401, 'not base64: 401');
is($t->get('/app/', headers => [@$page,
                                'Authorization: Negotiate ' . 'A' x 2000])
   ->status, 401, 'over OCSNegotiateMaxToken: 401');

# the quick sign-in URL

($r) = negotiate('/ocs/quick?r=%2Fapp%2F', jar => 'quick');
is($r->status, 302, 'quick: signed in without a form');
like($r->header('Location') // '', qr{^https://localhost:\d+/app/$},
     'quick: on to the service');
ok($r->set_cookie('__Host-ocs_ticket'), 'quick: the ticket');
is($t->get("$local/app/", jar => 'quick', resolve => $resolve)->status,
   200, 'quick: the ticket opens the service');

($r) = negotiate('/ocs/quick?r=https%3A%2F%2Fevil.example%2F');
like($r->header('Location') // '', qr{^https://localhost:\d+/$},
     'quick: no open redirect');

$r = $t->get('/ocs/quick?r=%2Fapp%2F');
is($r->status, 401, 'quick without Kerberos: 401');
like($r->body, qr{url=/ocs/signin\?r=%2Fapp%2F"},
     'quick without Kerberos: on to the form, same return');

is($t->post('/ocs/quick', form => [a => 1])->status, 405, 'quick: POST 405');

# a principal no user can have (longer than a ticket's user name): the
# core's refusal, 401 and one line

my $long = 'l' x 300;
$kdc->addprinc($long, 'long-pw');
($rc, $out) = $kdc->kinit($long, 'long-pw', ccache => $t->path('long.cc'));
is($rc, 0, 'kinit a 300-character principal') or diag($out);

{
    local $ENV{KRB5CCNAME} = 'FILE:' . $t->path('long.cc');
    ($r) = negotiate('/app/');
    is($r->status, 401, 'a ticket over OCSNegotiateMaxToken: 401');
    ($r) = negotiate('/big/');
}

is($r->status, 401, 'a name too long, where the token may be: 401');
like($t->error_log,
     qr/\[auth_ocs:error\].*Kerberos client name of 300 bytes refused/,
     'a name too long: one ERR line');

# external clients: never offered, refused if sent

$r = $t->get('/ocs/quick?r=%2Fapp%2F', port => 'external');
is($r->status, 302, 'quick, external: 302');
like($r->header('Location') // '',
     qr{^https://127\.0\.0\.1:\d+/ocs/signin\?r=%2Fapp%2F$},
     'quick, external: the form');

$r = $t->get('/app/', port => 'external', headers => $page);
is($r->status, 302, 'external: the form');
unlike($r->raw_headers, qr/Negotiate/, 'external: Negotiate not offered');

$r = $t->get('/app/', port => 'external',
             headers => [@$page, "Authorization: $sent"]);
is($r->status, 302, 'external with a token: refused, the form');
like($t->error_log, qr/\[auth_ocs:error\].*Negotiate from a client outside "OCSInternalNetworks" refused/,
     'log: external');

my $log = $t->error_log;
like($log, qr/\[auth_ocs:notice\].*user "alice" signed in with Kerberos/,
     'log: Kerberos sign-in');
like($log,
     qr/\[auth_ocs:notice\].*user "alice\@OCS\.TEST" signed in with Kerberos/,
     'log: realm kept');
like($log, qr/\[auth_ocs:error\].*Negotiate: token refused: .*[Rr]eplay/,
     'log: replay');
like($log, qr/\[auth_ocs:error\].*Negotiate token of \d+ bytes refused: empty or over "OCSNegotiateMaxToken"/,
     'log: oversized');
like($log, qr/\[auth_ocs:error\].*Negotiate token is not base64/,
     'log: not base64');
like($log, qr/\[auth_ocs:error\].*Negotiate: ticket for another service principal: the ticket is for HTTP\/localhost\@OCS\.TEST/,
     'log: a ticket for another service than the named one, naming it');
like($log, qr/\[auth_ocs:info\].*not signed in, Kerberos offered/,
     'log: Kerberos offered');
unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$echo->stop;
$t->done;
