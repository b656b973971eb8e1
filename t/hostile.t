#!/usr/bin/perl

# Hostile requests, table-driven, at every endpoint: the protected
# location, the sign-in page (GET and POST), the second step, logoff,
# the lockout admin page, a Negotiate location and a Digest conference
# location.  Every truncation and many bit flips of a valid ticket,
# malformed, oversized, repeated and look-alike cookies, control bytes,
# oversized and repeated form fields, wrong content types, chunked and
# Content-Length + Transfer-Encoding bodies, path tricks around the
# protected prefix, open-redirect payloads, forged identity headers.
#
# For every case: no 5xx, nothing reaches the upstream without a valid
# ticket (each request carries its case number, which the upstream
# records), and at the end no [alert] or [crit] and no secret in any
# log.

use strict;
use warnings;

use lib 't/lib';
use OCS::Echo;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 12;

$t->users(alice => 'alice-secret-pw');
$t->keyfile('ticket.keys', 1);
my $conf_keys = $t->path('conference.keys');
system("$t->{build}/ocs-conference $conf_keys create m-1 /conf/m-1/ "
       . ">/dev/null 2>&1") == 0 or die "ocs-conference failed\n";

# a keytab of a made-up key: every token sent to /neg/ is a bad one
my $keytab = $t->path('http.keytab');
open my $kt, '|-', "ktutil >/dev/null 2>&1" or die "no ktutil: $!\n";
print $kt "addent -password -p HTTP/localhost\@OCS.TEST -k 1 -e "
          . "aes256-cts-hmac-sha1-96\nnot-a-real-key\nwkt $keytab\nquit\n";
close $kt;
chmod 0644, $keytab;
die "ktutil made no keytab\n" unless -s $keytab;

my $echo = OCS::Echo->new($t);
$echo->start;

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-User;
    ocs_auth_conference_keys %%TESTDIR%%/conference.keys;
    ocs_auth_keytab %%TESTDIR%%/http.keytab;
    large_client_header_buffers 4 16k;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout account=1000 address=100000;
        }
        location = /ocs/logoff { ocs_logoff; }
        location = /ocs/lockout {
            ocs_auth_lockout_admin;
            allow 127.0.0.1;
            deny all;
        }

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
        location /step/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
        location /neg/ {
            ocs_auth forms;
            ocs_auth_negotiate on;
            ocs_auth_internal_networks 127.0.0.0/8;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
        location /conf/ {
            ocs_auth conference;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
        location / {
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
        }
    }
}
EOF

my $r = $t->signin('alice', 'alice-secret-pw', jar => 'a');
my $c = $t->jar_cookies('a');
my ($name) = grep { /ocs_ticket$/ } keys %$c;
my $ticket = $c->{$name};
ok($r->status == 303 && $ticket, 'signed in: a real ticket to mangle');

# --- the cases ------------------------------------------------------

my (@cases, %expect_upstream);

# a case: [path, curl options, may reach the upstream]
sub case {
    my ($path, $upstream, %o) = @_;
    push @cases, [$path, \%o];
    $expect_upstream{$#cases} = $upstream;
}

my @protected = ('/app/x', '/step/x', '/neg/x', '/conf/m-1/x');

# every truncation and a bit flip of every character of the ticket
for my $n (0 .. length($ticket) - 1) {
    case('/app/t', 0, headers => ["Cookie: $name=" . substr($ticket, 0, $n)]);
}

for my $i (0 .. length($ticket) - 1) {
    my $flip = $ticket;
    substr($flip, $i, 1) = chr(ord(substr($flip, $i, 1)) ^ 0x01);
    $flip =~ s/[^\x21-\x7e]/A/g;
    case('/app/f', 0, headers => ["Cookie: $name=$flip"]);
}

# malformed, oversized, repeated cookies, control bytes, encodings
my @cookies = (
    "$name", "$name=", "=$ticket", "$name=\"$ticket\"", "$name=$ticket$ticket",
    "$name=" . ('A' x 12000), join('; ', map { "c$_=v" } 1 .. 1000),
    join('; ', ("$name=junk") x 50), "$name=%41%42", "$name=\x01\x02\x7f",
    "$name=\xff\xfe", "ocs_ticket=$ticket", "__host-ocs_ticket=$ticket",
    ";$name=junk;$name=junk2",
);

for my $path (@protected) {
    case($path, 0, headers => ["Cookie: $_"]) for @cookies;
}

# the real ticket with blanks around the pair, as RFC 6265 parsers take
# it: in where a password session is enough, and still never upstream
for my $path (@protected) {
    for my $cookie ("$name =$ticket", " $name=$ticket;;;;") {
        case($path, ($path =~ m{^/(?:app|neg)/} ? 1 : 0),
             headers => ["Cookie: $cookie"]);
    }
}

# forged identity headers and their look-alikes, without a ticket
my @forged = map { "$_: admin" }
    qw(X-User Remote-User X-Remote-User X-Forwarded-User
       X-Auth-Request-User X-MS-Client-Principal-Name);
for my $path (@protected) {
    case($path, 0, headers => [$_]) for @forged;
}

# path tricks around the protected prefix (none may reach the upstream
# unauthenticated, whatever nginx makes of them)
for my $path ('/app', '/app/', '/app/../app/x', '/app/./x', '//app/x',
              '/app%2Fx', '/%61pp/x', '/app/%2e%2e/app/x', '/app;x/',
              '/app/x?r=1#f', '/step/../app/x', '/x/../app/x')
{
    # "/app" and "/app;x/" are not under the protected prefix, for nginx
    # as for IIS: the public location serves them
    case($path, $path eq '/app' || $path eq '/app;x/' ? 1 : 0,
         curl => ['--path-as-is']);
}

# Negotiate and Digest headers that are not what they claim
for my $auth ('Negotiate', 'Negotiate ', 'Negotiate !!!!', 'Negotiate '
              . ('A' x 20000), 'NTLM TlRMTVNTUAAB', 'NTLM ' . ('/' x 9000),
              'Negotiate YIIB' . ('A' x 100), 'Basic YWxpY2U6eA==')
{
    case('/neg/x', 0, headers => ["Authorization: $auth"]);
}

for my $auth ('Digest', 'Digest username="m-1"', 'Digest username="m-1", '
              . 'realm="x", nonce="AAAA", uri="/conf/m-1/x", response="00"',
              'Digest ' . ('a=b, ' x 3000), 'Digest username="\\', 'Digest '
              . 'username="m-1", uri="/app/", algorithm=SHA-256, nc=zz')
{
    case('/conf/m-1/x', 0, headers => ["Authorization: $auth"]);
}

# the sign-in POST: oversized and repeated fields, types, framing
my @posts = (
    [body => 'username=' . ('a' x 10000) . '&password=x'],
    [body => join('&', ('username=a') x 500) . '&password=x'],
    [body => "username=alice&password=\x00secret"],
    [body => 'username=%00alice&password=x'],
    [body => 'username=alice&password=' . ('%' x 300)],
    [body => 'username=alice', headers => ['Content-Type: text/plain']],
    [body => 'username=alice',
     headers => ['Content-Type: multipart/form-data; boundary=x']],
    [body => '{"username":"alice"}',
     headers => ['Content-Type: application/json']],
    [body => 'username=alice&password=x',
     headers => ['Transfer-Encoding: chunked']],
    [body => 'username=alice&password=x',
     headers => ['Content-Length: 5', 'Transfer-Encoding: chunked']],
    [body => 'x' x 100000],
);

for my $p (@posts) {
    my %o = @$p;
    case('/ocs/signin', 0, method => 'POST', body => $o{body},
         headers => $o{headers});
    case('/ocs/signin?step=2', 0, method => 'POST', body => $o{body},
         headers => $o{headers});
    case('/ocs/logoff', 0, method => 'POST', body => $o{body},
         headers => $o{headers});
    case('/ocs/lockout', 0, method => 'POST', body => $o{body},
         headers => $o{headers});
}

# open redirects through the return URL, on GET and after a sign-in
my @back = ('//evil.example/', '/\\evil.example/', 'https://evil.example/',
            'https:evil.example', '%2F%2Fevil.example', 'javascript:alert(1)',
            "/\t/evil.example", '/%09/evil.example', '///evil.example',
            "http://127.0.0.1\@evil.example/", '/app/%0d%0aSet-Cookie:x=y');
for my $b (@back) {
    my $e = $b;
    $e =~ s/([^A-Za-z0-9%\/._-])/sprintf('%%%02X', ord $1)/ge;
    case("/ocs/signin?r=$e", 0);
    case("/ocs/signin?step=2&r=$e", 0, jar => 'a');
}

# --- running them -----------------------------------------------------

my (@fivexx, @leaked, @redirects);

for my $i (0 .. $#cases) {
    my ($path, $o) = @{$cases[$i]};
    my $method = $o->{method} || 'GET';
    my $r = $t->http($method, $path,
                     headers => [@{$o->{headers} || []}, "X-Case: $i"],
                     body => $o->{body}, curl => $o->{curl},
                     jar => $o->{jar}, timeout => 10);

    push @fivexx, "$i $method $path: " . $r->status
        if $r->status >= 500 || $r->status == 0;

    my $loc = $r->header('Location') // '';
    push @redirects, "$i $path: $loc"
        if $loc =~ m{^(?:https?:)?//(?!127\.0\.0\.1[:/])}i
           || $loc =~ m{evil|javascript:}i || $loc =~ /[\r\n]/;
}

my %reached;
for my $req ($echo->requests) {
    $reached{$1} = $req if $req =~ /^X-Case: (\d+)\r?$/mi;
}

for my $i (sort { $a <=> $b } keys %reached) {
    push @leaked, "$i $cases[$i][0] " . join(' | ', map { substr($_, 0, 90) }
                  @{$cases[$i][1]{headers} || []})
        unless $expect_upstream{$i};
}

ok(@cases > 400, scalar(@cases) . ' hostile requests sent');
is_deeply(\@fivexx, [], 'no 5xx and no dropped connection')
    or diag(join "\n", @fivexx[0 .. ($#fivexx < 20 ? $#fivexx : 20)]);
is_deeply(\@leaked, [], 'nothing reached the upstream without a ticket')
    or diag(join "\n", @leaked[0 .. ($#leaked < 20 ? $#leaked : 20)]);
is_deeply(\@redirects, [], 'no redirect to another site, no header split')
    or diag(join "\n", @redirects);

my $up = join "\n", values %reached;
unlike($up, qr/\bX-User: admin\b|Remote-User: admin/i,
       'no forged identity header upstream');
unlike($up, qr/ocs_ticket/, 'no ticket cookie upstream');

# the ticket still works: nothing above hurt the session or the server
$r = $t->get('/app/still', jar => 'a');
is($r->status, 200, 'the real ticket still opens');
like($r->body, qr/^X-User: alice\r?$/mi, 'as alice');

my $log = $t->error_log;
my @bad = grep { /\[(alert|crit|emerg)\]/ } split /\n/, $log;
is_deeply(\@bad, [], 'no [alert], [crit] or [emerg]')
    or diag(join "\n", @bad[0 .. ($#bad < 10 ? $#bad : 10)]);
unlike($t->logs, qr/alice-secret-pw|\Q$ticket\E/,
       'no password or ticket in the logs');

$echo->stop;
$t->done;
