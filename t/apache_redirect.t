#!/usr/bin/perl

# Where a sign-in on Apache httpd sends the user, with the answers of
# t/redirect.t on nginx: back to the requested page on this host or an
# allowed one (OCSReturnHosts), anywhere else the default
# (OCSDefaultReturn).  No open redirect.  Both inherit and can be
# changed or turned off in a later <Location>.  And the cookie name
# (OCSCookie) that the sign-in's cookies are named after.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 40;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

my $echo = OCS::Echo->new($t);
$echo->start;

$t->run(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSCookie OCSAuth

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users
    OCSReturnHosts cwa.contoso.test dl.contoso.test:8443
    OCSDefaultReturn /portal/

    <Location /ocs/signin>
        SetHandler ocs-signin
    </Location>

    <Location /strict/>
        OCSReturnHosts off
    </Location>

    <Location /strict/signin>
        SetHandler ocs-signin
    </Location>

    <Location /plain/signin>
        SetHandler ocs-signin
        OCSDefaultReturn /
    </Location>

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>
</VirtualHost>
EOF

my $host = '127.0.0.1:' . $t->port('https');
my $n = 0;

# signs in with a return url given on the form; returns the Location
sub back {
    my ($url, %o) = @_;
    my $jar = 'j' . $n++;
    my $signin = $o{signin} || '/ocs/signin';
    my $page = $t->get($signin, jar => $jar);
    my $r = $t->post($signin, jar => $jar,
                     form => [csrf => $page->field('csrf'), r => $url,
                              username => 'alice', password => 'pw']);
    return $r->status == 303 ? $r->header('location') : "status " . $r->status;
}

my @allowed = (
    ['/app/page?a=1&b=2', "https://$host/app/page?a=1&b=2"],
    ["https://$host/app/", "https://$host/app/"],
    ['https://cwa.contoso.test/cwa/', 'https://cwa.contoso.test/cwa/'],
    ['https://DL.contoso.test:8443/x', 'https://DL.contoso.test:8443/x'],
    ['/%252F%252Fevil.example', "https://$host/%252F%252Fevil.example"],
    ['/files/my%20report.pdf', "https://$host/files/my%20report.pdf"],
    ['/a%5Cb', "https://$host/a%5Cb"],
);

for my $case (@allowed) {
    is(back($case->[0]), $case->[1], "allowed: $case->[0]");
}

my @refused = (
    '//evil.example/', '///evil.example/', '/\\evil.example/',
    '\\\\evil.example', 'https:evil.example', 'https:/evil.example',
    'https://evil.example/', "https://$host.evil.example/",
    "https://$host\@evil.example/", 'https://dl.contoso.test/',
    'http://cwa.contoso.test/', '/%2F%2Fevil.example', '/%2fevil.example',
    '%2F%2Fevil.example', '/%5Cevil.example', '/%09/evil.example',
    'javascript:alert(1)', 'data:text/html,x', "/a\r\nSet-Cookie: x=1",
    '/a%0d%0aSet-Cookie:%20x=1', 'app/page', '',
);

for my $url (@refused) {
    (my $name = $url) =~ s/([\r\n\t])/sprintf('\\x%02x', ord $1)/ge;
    is(back($url), "https://$host/portal/", "refused: '$name'");
}

# inheritance and off

is(back('https://cwa.contoso.test/cwa/', signin => '/strict/signin'),
   "https://$host/portal/", 'return hosts off in a nested location');
is(back("https://$host/app/", signin => '/strict/signin'),
   "https://$host/app/", 'return hosts off: this host still allowed');
is(back('//evil.example', signin => '/plain/signin'), "https://$host/",
   'default return set in a nested location');

# the return url on the sign-in page's own query

my $r = $t->get('/ocs/signin?r=%2F%2Fevil.example');
is($r->field('r'), '/portal/', 'query: refused url not put on the form');
$r = $t->get('/ocs/signin?r=%2Fapp%2F%3Fx%3D1');
is($r->field('r'), '/app/?x=1', 'query: allowed url on the form');

# the cookie name

$r = $t->signin('alice', 'pw', jar => 'cookie');
like($r->set_cookie('OCSAuth'), qr/^OCSAuth=[\w-]+; Path=\//,
     'cookie name');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'cookie name: no default cookie');
like($r->set_cookie('__Host-OCSAuth_csrf'), qr/Max-Age=0/, 'csrf cookie name');
is($t->get('/app/', jar => 'cookie')->status, 200, 'cookie name: works');

like($t->error_log,
     qr/\[auth_ocs:info\].*return url refused, using "\/portal\/"/,
     'log: refused return url');

$echo->stop;
$t->done;
