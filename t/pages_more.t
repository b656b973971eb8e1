#!/usr/bin/perl

# Two more built-in pages in the site's layout: the body of the 401 that
# offers Kerberos (a browser that does not answer Negotiate moves on to
# the form, by the refresh in the head and by a link), with the site's
# name, in ocs_page_template and with ocs_site_name off in a nested
# location; and the 403 of a location that needs a client certificate,
# with its way back: a sign-out posted to the sign-in page.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Kdc;
use Test::More;

my $t = OCS::Test->new;
plan tests => 35;

my $kdc = OCS::Kdc->new($t);
$kdc->start;
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

my %env = $kdc->env;
@ENV{keys %env} = values %env;

$t->users(alice => 'alice-pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

$t->write_file('layout.html',
               "<!DOCTYPE html><html><head><title>{{title}} | Fabrikam"
               . "</title>{{head}}</head><body><div id=fabrikam>"
               . "{{content}}</div></body></html>\n");
$t->write_file('nohead.html',
               "<html><body><div id=nohead>{{content}}</div></body>"
               . "</html>\n");

$t->run(<<"EOF", main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;
    ocs_auth_user_file %%TESTDIR%%/users;
    ocs_site_name "Contoso <Remote>";

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 127.0.0.0/8;
        root %%TESTDIR%%;

        location /app/ {
            location /app/plain/ {
                ocs_site_name off;
            }
        }

        location /fab/ {
            ocs_page_template %%TESTDIR%%/layout.html;
        }

        location /nohead/ {
            ocs_page_template %%TESTDIR%%/nohead.html;
        }

        location /card/ {
            ocs_auth_negotiate off;
            ocs_auth_second_factor certificate;
            ocs_auth_certificate identity=upn;
        }

        location = /ocs/signin {
            ocs_auth_signin;
        }
    }
}
EOF

my $page = ['Accept: text/html'];
my $name = 'Contoso &lt;Remote&gt;';

# the fallback page, in the built-in layout

my $r = $t->get('/app/', headers => $page);
is($r->status, 401, 'fallback: 401');
like($r->header('WWW-Authenticate') // '', qr/^Negotiate$/m,
     'fallback: Negotiate offered');
like($r->header('Content-Type') // '', qr{^text/html; charset=utf-8},
     'fallback: a page');
like($r->body, qr/<title>Sign in \x{e2}\x{80}\x{93} \Q$name\E<\/title>/,
     'fallback: the site in the title, escaped');
like($r->body, qr/<main>\n<p class="site">\Q$name\E<\/p>\n<h1>Sign in<\/h1>/,
     'fallback: the site above the heading, escaped');
like($r->body,
     qr{<meta http-equiv="refresh" content="0; url=/ocs/signin\?r=%2Fapp%2F">\n</head>},
     'fallback: the refresh in the head');
like($r->body,
     qr{<p>This browser did not sign you in with your Windows account\. <a href="/ocs/signin\?r=%2Fapp%2F">Sign in with your user name and password</a>\.</p>},
     'fallback: the link to the form');
like($r->body, qr/<style>/, 'fallback: the layout\'s styles');
unlike($r->body, qr/Contoso <Remote>/, 'fallback: the name never unescaped');
like($r->raw_headers, qr/Content-Security-Policy: /,
     'fallback: the pages\' security headers');

$r = $t->get('/app/a%22b?x=<y>', headers => $page);
is($r->status, 401, 'fallback, a return URL to escape: 401');
unlike($r->body, qr/<y>|a"b/, 'fallback: the return URL escaped');

# ocs_site_name off in a nested location

$r = $t->get('/app/plain/', headers => $page);
is($r->status, 401, 'fallback, no site name: 401');
like($r->body, qr/<title>Sign in<\/title>/, 'fallback: the title alone');
unlike($r->body, qr/class="site"/, 'fallback: no name above the heading');

# the site's own layout, with and without {{head}}

$r = $t->get('/fab/', headers => $page);
is($r->status, 401, 'fallback, own layout: 401');
like($r->body,
     qr{<title>Sign in \| Fabrikam</title><meta http-equiv="refresh" content="0; url=/ocs/signin\?r=%2Ffab%2F">\n</head><body><div id=fabrikam><h1>Sign in</h1>},
     'fallback, own layout: the title and the refresh where it puts them');
like($r->body, qr{<a href="/ocs/signin\?r=%2Ffab%2F">},
     'fallback, own layout: the link');

$r = $t->get('/nohead/', headers => $page);
is($r->status, 401, 'fallback, a layout without a head: 401');
unlike($r->body, qr/http-equiv/, 'fallback, no head: no refresh');
like($r->body, qr{<div id=nohead>.*<a href="/ocs/signin\?r=%2Fnohead%2F">}s,
     'fallback, no head: the link still there');

# a script still gets a bare 401

$r = $t->get('/app/', headers => ['Accept: application/json']);
is($r->status, 401, 'script: 401');
is($r->body, "Sign-in required.\n", 'script: the plain text');

# the certificate-needed page and its way back

is($t->signin('alice', 'alice-pw', jar => 'alice')->status, 303,
   'alice: signed in with her password');

$r = $t->get('/card/', jar => 'alice', headers => $page);
is($r->status, 403, 'no certificate: 403');
like($r->body,
     qr/<title>Certificate needed \x{e2}\x{80}\x{93} \Q$name\E<\/title>/,
     'certificate needed: the site in the title');
like($r->body, qr/needs your smart card or client certificate/,
     'certificate needed: what is missing');
like($r->body, qr{<form class="back" method="post" action="/ocs/signin">},
     'certificate needed: the way back posts to the sign-in page');
is($r->field('step'), 'signout', 'certificate needed: a sign-out');
is($r->field('r'), '/card/', 'certificate needed: back to the location');
like($r->body, qr{<a href="/" id="home">the start page</a>},
     'certificate needed: the start page');

my $csrf = $r->field('csrf');

$r = $t->post('/ocs/signin', jar => 'alice',
              form => [step => 'signout', csrf => $csrf, r => '/card/']);
is($r->status, 303, 'the way back: signed out, to the sign-in form');
like($r->header('Location') // '', qr{/ocs/signin\?r=%2Fcard%2F},
     'the way back: the form for the same location');

$r = $t->get('/card/', jar => 'alice', headers => $page);
is($r->status, 302, 'the way back: the session is over');

$t->done;
