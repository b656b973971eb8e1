#!/usr/bin/perl

# Forms sign-in on Apache httpd (SetHandler ocs-signin), with the answers
# of t/signin.t on nginx: the page, CSRF, the generic failure, user name
# forms, the user file, methods and body types, a template of one's own,
# and what goes into the logs.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 86;

$t->users(alice => 'correct horse: battery staple', bob => 'bob-pw');
open my $uf, '>>', $t->path('users') or die;
print $uf 'weak:' . crypt('weak-pw', '$1$saltsalt') . "\n";
close $uf;
$t->keyfile('ticket.keys', 1);

my $nul_hash = crypt('nul-pw', '$6$saltsalt$');
$t->users('users-nul', carol => 'carol-pw');
$t->write_file('users-nul', "# users\nnul:$nul_hash\0junk\n"
               . $t->read_file('users-nul'));
$t->write_file('custom.html',
               "<html><title>{{title}}</title><p>Contoso sign-in</p>"
               . "<form method=post action=\"{{action}}\">"
               . "<input type=hidden name=\"csrf\" value=\"{{csrf}}\">"
               . "<input type=hidden name=\"r\" value=\"{{return}}\">"
               . "<p>{{error}}</p></form></html>");

my $echo = OCS::Echo->new($t);
$echo->start;

$t->run(<<'EOF');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    OCSIdentityHeader X-User

    # covers the sign-in pages too: SetHandler ocs-signin wins
    ProxyPass / http://127.0.0.1:%%PORT_echo%%/

    <Location />
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>

    <Location /custom/>
        OCSUserFile %%TESTDIR%%/users
        OCSSignInTemplate %%TESTDIR%%/custom.html
    </Location>

    <Location /custom/signin>
        SetHandler ocs-signin
    </Location>

    <Location /custom/builtin>
        SetHandler ocs-signin
        OCSSignInTemplate off
    </Location>

    <Location /nul/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users-nul
    </Location>

    <Location /broken/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/missing-users
    </Location>
</VirtualHost>
EOF

sub user_of {
    my ($r) = @_;
    return $r->body =~ /^X-User: (.*?)\r?$/mi ? $1 : '';
}

# the page, under a ProxyPass that covers it

my $r = $t->get('/ocs/signin?r=%2Fcwa%2F%3Fa%3D1', jar => 'a');
is($r->status, 200, 'page');
unlike($r->body, qr/^GET \/ocs\/signin/, 'the page, not the upstream');
like($r->header('content-type'), qr{^text/html; charset=utf-8}, 'html');
is($r->header('cache-control'), 'no-store', 'page not cached');
is($r->header('x-frame-options'), 'DENY', 'page not framed');
like($r->body, qr/<html lang="en">/, 'page language');
like($r->body, qr/<label for="username">/, 'user name labelled');
like($r->body, qr/<label for="password">/, 'password labelled');
like($r->body, qr/autocomplete="current-password"/, 'password autocomplete');
like($r->body, qr/DOMAIN\\user or user\@domain/, 'user name hint');
like($r->body, qr/value="public" checked/, 'public computer by default');
like($r->body, qr/value="private"/, 'private computer choice');
like($r->body, qr/<legend>/, 'computer choice is a fieldset');
is($r->field('r'), '/cwa/?a=1', 'return url in the form');
like($r->field('csrf'), qr/^[\w-]{43}$/, 'csrf token in the form');

my $nonce = $r->set_cookie('__Host-ocs_ticket_csrf');
like($nonce, qr/; Secure; HttpOnly; SameSite=Strict$/, 'csrf cookie flags');
unlike($nonce, qr/Expires|Max-Age/i, 'csrf cookie dies with the browser');

$r = $t->head('/ocs/signin');
is($r->status, 200, 'head');
is($r->body, '', 'head has no body');

# success

$r = $t->signin('alice', 'correct horse: battery staple', jar => 'a',
                back => '%2Fcwa%2F%3Fa%3D1');
is($r->status, 303, 'signed in');
like($r->header('location'), qr{^https://127.0.0.1:\d+/cwa/\?a=1$},
     'back to the requested page');
like($r->set_cookie('__Host-ocs_ticket'),
     qr/^__Host-ocs_ticket=[\w-]+; Path=\/;/, 'ticket cookie');
like($r->set_cookie('__Host-ocs_ticket_csrf'), qr/Max-Age=0/,
     'csrf cookie cleared');

$r = $t->get('/cwa/', jar => 'a');
is(user_of($r), 'alice', 'ticket works, user upstream');

$r = $t->get('/ocs/signin?r=%2Fapp', jar => 'a');
is($r->status, 200, 'signed in: the form again');
is($r->field('r'), '/app', 'signed in: return url kept');

# user name forms

for my $name ('CONTOSO\\bob', 'bob@contoso.com', 'BOB') {
    $r = $t->signin($name, 'bob-pw', jar => "form-$name");
    is($r->status, 303, "signed in as $name");
    is(user_of($t->get('/', jar => "form-$name")), 'bob', "$name is bob");
}

# one failure for every reason, with the form again

$r = $t->signin('alice', 'wrong', jar => 'wrong');
is($r->status, 401, 'wrong password');
like($r->body, qr/The user name or password is incorrect\./,
     'wrong password message');
is($r->header('www-authenticate'), 'OCS-Forms signin="/ocs/signin"',
   'challenge');
is($r->field('username'), 'alice', 'user name kept');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'no ticket');

my $unknown = $t->signin('mallory', 'wrong', jar => 'unknown');
is($unknown->status, 401, 'unknown user');
(my $a = $r->body) =~ s/value="[^"]*"//g;
(my $b = $unknown->body) =~ s/value="[^"]*"//g;
is($a, $b, 'unknown user and wrong password look the same');

$r = $t->signin('alice', '', jar => 'empty');
is($r->status, 401, 'empty password');
like($r->body, qr/incorrect/, 'empty password message');

$r = $t->signin('a\\b\\c', 'x', jar => 'malformed');
is($r->status, 401, 'malformed user name');

# CSRF and origin

$r = $t->post('/ocs/signin', jar => 'nocsrf',
              form => [username => 'alice',
                       password => 'correct horse: battery staple']);
is($r->status, 403, 'no csrf token');
like($r->body, qr/expired/, 'no csrf token message');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'no csrf token: no ticket');

my $page = $t->get('/ocs/signin', jar => 'other');
$r = $t->post('/ocs/signin', jar => 'a2',
              form => [csrf => $page->field('csrf'), username => 'alice',
                       password => 'correct horse: battery staple']);
is($r->status, 403, 'token without its cookie');

$page = $t->get('/ocs/signin', jar => 'origin');
$r = $t->post('/ocs/signin', jar => 'origin',
              headers => ['Origin: https://evil.example'],
              form => [csrf => $page->field('csrf'), username => 'alice',
                       password => 'correct horse: battery staple']);
is($r->status, 403, 'foreign origin');
like($r->body, qr/another site/, 'foreign origin message');

$r = $t->signin('alice', 'correct horse: battery staple', jar => 'same',
                headers => ['Origin: https://127.0.0.1:' . $t->port('https'),
                            'Sec-Fetch-Site: same-origin']);
is($r->status, 303, 'same origin');

# a body that arrives after the headers, in pieces, as browsers send it

$page = $t->get('/ocs/signin', jar => 'pieces');
my $body = 'csrf=' . $page->field('csrf')
    . '&r=%2Fcwa%2F&username=alice&computer=public'
    . '&password=correct+horse%3A+battery+staple';
my $csrf_cookie = $t->jar_cookies('pieces')->{'__Host-ocs_ticket_csrf'};
my $head = "POST /ocs/signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    . "Cookie: __Host-ocs_ticket_csrf=$csrf_cookie\r\n"
    . "Content-Type: application/x-www-form-urlencoded\r\n"
    . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n";

my $reply = $t->tls_pieces($t->port('https'), $head . substr($body, 0, 10),
                           substr($body, 10, 30), substr($body, 40));
like($reply, qr{^HTTP/1\.1 303 }, 'body in pieces: signed in');

# methods

is($t->http('PUT', '/ocs/signin')->status, 405, 'put not allowed');

$r = $t->post('/ocs/signin', body => 'x' x 9000);
is($r->status, 413, 'large body');

# a form in another encoding: refused before it is read

$r = $t->get('/ocs/signin', jar => 'types');
my $good = 'csrf=' . $r->field('csrf') . '&username=alice'
    . '&password=correct%20horse%3A%20battery%20staple';

for my $type ('text/plain', 'multipart/form-data; boundary=x',
              'application/json', 'application/x-www-form-urlencodedx')
{
    $r = $t->post('/ocs/signin', jar => 'types', body => $good,
                  headers => ["Content-Type: $type"]);
    is($r->status, 415, "content type $type: 415");
    ok(!$r->set_cookie('__Host-ocs_ticket'), "content type $type: no ticket");
}

like($r->body, qr/must be sent as application\/x-www-form-urlencoded/,
     '415: says which encoding');

$r = $t->post('/ocs/signin', jar => 'types', body => $good,
              headers => ['Content-Type:']);
is($r->status, 415, 'no content type: 415');

$r = $t->post('/ocs/signin', jar => 'types', body => $good,
              headers => ['Content-Type: Application/X-WWW-Form-URLEncoded; '
                          . 'charset=UTF-8']);
is($r->status, 303, 'the form type with a charset, any case: signed in');

like($t->error_log,
     qr/:error\].*form body of type "text\/plain" refused/,
     'log: the refused type');
like($t->error_log, qr/form body of type "\(none\)" refused/,
     'log: a body without a type');

# a template of one's own, inherited from the enclosing <Location>

$r = $t->get('/custom/signin', jar => 'custom');
like($r->body, qr/Contoso sign-in/, 'template');
like($r->body, qr/<title>Sign in<\/title>/, 'template variable');

$r = $t->signin('alice', 'correct horse: battery staple', jar => 'custom',
                signin => '/custom/signin');
is($r->status, 303, 'template form signs in (OCSUserFile inherited)');

$r = $t->get('/custom/builtin');
like($r->body, qr/<label for="username">/, 'template off: built-in page');

# a user whose hash is too weak to trust

$r = $t->signin('weak', 'weak-pw', jar => 'weak');
is($r->status, 401, 'weak hash: refused');
like($t->error_log,
     qr/sign-in failed for user "weak": the user file holds no usable hash/,
     'weak hash: the log says why');

# a bad line is skipped and named in the log, by number only

$r = $t->signin('carol', 'carol-pw', jar => 'nul', signin => '/nul/signin');
is($r->status, 303, 'user after a nul line: signed in');
is(user_of($t->get('/', jar => 'nul')), 'carol',
   'user after a nul line: the ticket works');
$r = $t->signin('nul', 'nul-pw', jar => 'nul2', signin => '/nul/signin');
is($r->status, 401, 'the nul line itself: refused');
like($t->error_log,
     qr/\[auth_ocs:error\].*user file ".*\/users-nul": line 2 holds a NUL byte; 1 bad/,
     'nul line: file and line logged');
unlike($t->error_log, qr/junk|\Q$nul_hash\E/,
       'nul line: its content not logged');

# the user file is unavailable

$r = $t->signin('alice', 'x', jar => 'broken', signin => '/broken/signin');
is($r->status, 503, 'no user file');
like($r->body, qr/unavailable/, 'no user file message');

# logs

my $log = $t->error_log;
like($log, qr/\[auth_ocs:notice\].*ocs auth: user "alice" signed in with a password/,
     'success logged');
like($log, qr/\[auth_ocs:error\].*sign-in failed for user "alice"/,
     'failure logged');
like($log, qr/\[auth_ocs:error\].*sign-in failed for user "mallory"/,
     'unknown user logged');
like($log, qr/\[auth_ocs:error\].*without a valid csrf token/, 'csrf logged');
like($log, qr/\[auth_ocs:crit\].*user file: cannot open ".*missing-users"/,
     'missing user file logged');
unlike($t->logs, qr/correct horse|bob-pw|weak-pw/, 'no password in the logs');

my $ticket = $t->jar_cookies('a')->{'__Host-ocs_ticket'};
ok($ticket && index($t->logs, $ticket) < 0, 'no ticket in the logs');

$echo->stop;
$t->done;
