#!/usr/bin/perl

# Conformance: integrated Windows authentication (SPNEGO with Kerberos)
# on nginx and Apache, against one real MIT KDC.  An internal browser
# without Kerberos gets 401 with Negotiate and a page that moves it to
# the form; a script is offered both; a client with a Kerberos ticket
# signs in without a form, gets the proxy's own ticket and the mutual
# token, and rides the cookie after; the token never goes upstream; a
# garbage token is refused and logged at error.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use OCS::Kdc;
use Test::More;

my $c = OCS::Conform->new(tests => 17);

my $kdc = OCS::Kdc->new($c->driver('nginx'));
$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');
chmod 0644, $keytab;

my %env = $kdc->env(ccache => $c->driver('nginx')->path('alice.cc'));
@ENV{keys %env} = values %env;

my ($rc, $out) = $kdc->kinit('alice', 'alice-pw',
                             ccache => $c->driver('nginx')->path('alice.cc'));
die "kinit: $out\n" if $rc;

$c->users(bob => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<"EOF", main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            ocs_auth_negotiate on;
            ocs_auth_internal_networks 127.0.0.0/8;
            ocs_auth_negotiate_max_token 1k;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

$c->apache(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSKeytab $keytab

    <Location /app/>
        AuthType OCS-Negotiate
        Require valid-user
        OCSNegotiateMaxToken 1k
        OCSInternalNetworks 127.0.0.0/8
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    my $port = $t->port('https');
    my $url = "https://localhost:$port";
    my @resolve = (resolve => "localhost:$port:127.0.0.1");
    my $page = ['Accept: text/html'];

    # an internal browser without Kerberos

    my $r = $t->get("$url/app/x", @resolve, headers => $page);
    is($r->status, 401, 'no Kerberos: 401');
    is($r->header('WWW-Authenticate'), 'Negotiate', 'Negotiate offered');
    like($r->body, qr{<meta http-equiv="refresh" content="0; url=/ocs/signin\?r=%2Fapp%2Fx">},
         'the page moves a browser without Kerberos to the form');
    $c->same('the fallback page', $r->body, 'the page, byte for byte');

    $r = $t->get("$url/app/x", @resolve,
                 headers => ['Accept: application/json']);
    is($r->status, 401, 'a script: 401');
    like($r->raw_headers, qr/WWW-Authenticate: Negotiate\r?\n/,
         'a script: Negotiate offered');
    like($r->raw_headers, qr/WWW-Authenticate: OCS-Forms signin="\/ocs\/signin"/,
         'a script: the form offered too');

    # signed in with Kerberos

    $c->log_mark;
    $r = $t->get("$url/app/k", @resolve, jar => 'k', headers => $page,
                 curl => ['--negotiate', '-u', ':']);
    is($r->status, 200, 'Kerberos: in without a form');
    like($r->set_cookie('__Host-ocs_ticket') // '',
         qr/; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
         'Kerberos: the proxy\'s own ticket');
    like($r->header('WWW-Authenticate') // '', qr/^Negotiate [A-Za-z0-9+\/=]+$/,
         'Kerberos: the mutual token');
    unlike($r->body, qr/^Authorization:/mi, 'the token never goes upstream');
    $c->log_like('notice', qr/user "alice" signed in with Kerberos/,
                 'log: signed in, at notice');

    $r = $t->get("$url/app/again", @resolve, jar => 'k');
    is($r->status, 200, 'then the cookie, no Kerberos');
    ok(!defined $r->header('WWW-Authenticate'), 'no challenge then');

    # a garbage token

    $c->log_mark;
    $r = $t->get("$url/app/x", @resolve, headers => [@$page,
                 'Authorization: Negotiate YWJjZGVm']);
    is($r->status, 401, 'a garbage token: 401');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'a garbage token: no ticket');
    $c->log_like('error', qr/Negotiate: token refused/,
                 'log: the refusal, at error');
});

$kdc->stop;
