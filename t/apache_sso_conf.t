#!/usr/bin/perl

# The Apache module's ticket and page directives: each inherits into a
# nested section and can be turned off there (OCSSiteName, OCSSiteLogo,
# OCSPageTemplate, OCSCookieDomain, OCSIdentityHeader, OCSHSTS), and
# apachectl -t names the directive and the fix for a bad value.

use strict;
use warnings;

use lib 't/lib';
use OCS::Echo;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 24;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);
$t->write_file('layout.html', "<html><title>{{site_name}}</title><body>LAYOUT-MARK {{site_brand}} {{content}}</body></html>\n");
$t->write_file('nocontent.html', "<html>no body here</html>\n");

my $echo = OCS::Echo->new($t);
$echo->start;

my $conf = <<'EOF';
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSSiteName "Contoso Remote"
    OCSSiteLogo /logo.png
    OCSPageTemplate %%TESTDIR%%/layout.html
    OCSCookieDomain example.test
    OCSIdentityHeader X-User
    OCSHSTS 1d
    OCSUserFile %%TESTDIR%%/users

    <Location /ocs/signin>
        SetHandler ocs-signin
    </Location>
    <Location /plain/signin>
        SetHandler ocs-signin
        OCSSiteName off
        OCSSiteLogo off
        OCSPageTemplate off
        OCSCookieDomain off
        OCSHSTS off
    </Location>
    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>
    <Location /app/noid/>
        OCSIdentityHeader off
    </Location>
</VirtualHost>
EOF

$t->run($conf);

# inherited by the sign-in page
my $r = $t->get('/ocs/signin');
is($r->status, 200, 'the sign-in page');
like($r->body, qr/Contoso Remote/, 'OCSSiteName inherited');
like($r->body, qr{src="/logo\.png"}, 'OCSSiteLogo inherited');
like($r->body, qr/LAYOUT-MARK/, 'OCSPageTemplate inherited');
like($r->header('Strict-Transport-Security') // '', qr/max-age=86400/,
     'OCSHSTS inherited');

# off in a nested section
$r = $t->get('/plain/signin');
is($r->status, 200, 'the other sign-in page');
unlike($r->body, qr/Contoso Remote/, 'OCSSiteName off');
unlike($r->body, qr/logo\.png/, 'OCSSiteLogo off');
unlike($r->body, qr/LAYOUT-MARK/, 'OCSPageTemplate off: the built-in layout');
is($r->header('Strict-Transport-Security'), undef, 'OCSHSTS off');

# the cookie's Domain, and its name without __Host- when a domain is set
$r = $t->signin('alice', 'pw', jar => 'a');
is($r->status, 303, 'signed in');
like($r->raw_headers, qr/^Set-Cookie: ocs_ticket=[^;]+;.*Domain=example\.test/mi,
     'OCSCookieDomain inherited: the ticket cookie has the Domain');

$r = $t->signin('alice', 'pw', jar => 'b', signin => '/plain/signin');
is($r->status, 303, 'signed in on the other page');
like($r->raw_headers, qr/^Set-Cookie: ocs_ticket=/mi, 'the same cookie name');
unlike($r->raw_headers, qr/^Set-Cookie: ocs_ticket=[^\n]*Domain=/mi,
       'OCSCookieDomain off: no Domain');

# the identity header, inherited and off (with the host-only cookie:
# curl sends the example.test one to example.test only)
$r = $t->get('/app/x', jar => 'b');
like($r->body, qr/^X-User: alice\r?$/mi, 'OCSIdentityHeader inherited');
$r = $t->get('/app/noid/x', jar => 'b', headers => ['X-User: mallory']);
is($r->status, 200, 'a nested section');
unlike($r->body, qr/^X-User:/mi,
       'OCSIdentityHeader off: no identity header, no client copy');

$t->stop;

# apachectl -t: the directive and the fix
for my $case (
    ['OCSSiteLogo https://cdn.example/logo.png', qr/OCSSiteLogo .*use a path on this site/],
    ['OCSPageTemplate %%TESTDIR%%/nocontent.html', qr/OCSPageTemplate .*has no \{\{content\}\}/],
    ['OCSHSTS soon', qr/invalid OCSHSTS max-age "soon": use a time/],
    ['OCSComputer public idle=forever', qr/invalid OCSComputer parameter "idle"/],
    ['OCSService cwa idle=x', qr/invalid OCSService parameter "idle=x": use idle=time/])
{
    my ($line, $want) = @$case;
    my ($ok, $out) = $t->try_config("$line\n" . $conf);
    like($out, $want, "apachectl -t: $line");
}

$echo->stop;
$t->done;
