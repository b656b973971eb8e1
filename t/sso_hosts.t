#!/usr/bin/perl

# Single sign-on across two host names under one cookie domain, and
# reloads with key rotation while requests keep coming: none may fail.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);

my $t = OCS::Test->new;
plan tests => 15;

$t->users(alice => 'pw');
my ($k1, $k2, $k3) = map { `openssl rand -base64 32` } 1 .. 3;
$t->write_file('ticket.keys', $k1, 0600);
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

$t->run(<<'EOF', workers => 2);
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_cookie_domain contoso.test;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        server_name cwa.contoso.test;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_service cwa idle=1h;
        ocs_auth_return_hosts abs.contoso.test:%%PORT_https%%;

        location /app/ {
            ocs_auth forms;
            ocs_sso_identity_header X-User;
            root %%TESTDIR%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        server_name abs.contoso.test;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_service abs idle=1h;
        ocs_auth_signin_url https://cwa.contoso.test:%%PORT_https%%/ocs/signin;

        location /app/ {
            ocs_auth forms;
            root %%TESTDIR%%;
        }
    }
}
EOF

my $port = $t->port('https');
my @resolve = map { ("$_.contoso.test:$port:127.0.0.1") } qw(cwa abs);

sub on {
    my ($host, $uri, %o) = @_;
    return $t->get("https://$host.contoso.test:$port$uri", jar => 'a',
                   resolve => $resolve[$host eq 'cwa' ? 0 : 1], %o);
}

# not signed in on abs: sent to the sign-in page on cwa, and back

my $r = on('abs', '/app/');
is($r->status, 302, 'abs: sign in first');
like($r->header('location'),
     qr{^https://cwa\.contoso\.test:\d+/ocs/signin\?r=https%3A%2F%2Fabs\.contoso\.test%3A\d+%2Fapp%2F$},
     'abs: the sign-in page on cwa, with the way back');

my $page = on('cwa', '/ocs/signin?r=https%3A%2F%2Fabs.contoso.test%3A'
              . $port . '%2Fapp%2F');
$r = $t->post("https://cwa.contoso.test:$port/ocs/signin", jar => 'a',
              resolve => $resolve[0],
              form => [csrf => $page->field('csrf'), r => $page->field('r'),
                       username => 'alice', password => 'pw']);
is($r->status, 303, 'signed in on cwa');
is($r->header('location'), "https://abs.contoso.test:$port/app/",
   'sent back to abs, an allowed host');
like($r->set_cookie('ocs_ticket'), qr/; Domain=contoso\.test;/,
     'the ticket is for the whole domain');

is(on('abs', '/app/')->status, 200, 'abs: the same ticket');
is(on('cwa', '/app/')->status, 200, 'cwa: the same ticket');

# reloads with key rotation under a stream of requests

my $ticket = $t->jar_cookies('a')->{ocs_ticket};
my $out = $t->path('stream.out');

my $pid = fork();
die "fork: $!\n" unless defined $pid;

if ($pid == 0) {
    # a bounded stream: 6 seconds at most, one request at a time
    # POSIX::_exit: a plain exit would run the harness's destructors in
    # the child and stop nginx
    open my $fh, '>', $out or POSIX::_exit(1);
    my $end = time + 6;
    while (time < $end && !-e "$out.stop") {
        my $code = `curl -sk -o /dev/null -w '%{http_code}' --max-time 5 --resolve $resolve[1] -H 'Cookie: ocs_ticket=$ticket' https://abs.contoso.test:$port/app/`;
        print $fh "$code\n";
    }
    close $fh;
    POSIX::_exit(0);
}

sleep 0.5;
$t->write_file('ticket.keys', "$k2$k1", 0600);
ok($t->reload, 'reload: a new first key');
sleep 0.5;
$t->write_file('ticket.keys', "$k3$k2$k1", 0600);
ok($t->reload, 'reload: another new key');
sleep 0.5;
ok($t->reload, 'reload: the same keys');
sleep 0.5;

$t->write_file("stream.out.stop", '');
waitpid($pid, 0);

my @codes = split /\n/, $t->read_file('stream.out');
ok(@codes > 10, 'the stream ran (' . scalar(@codes) . ' requests)');
is_deeply([grep { $_ ne '200' } @codes], [], 'no request failed');

# the ticket sealed with the oldest key still opens on both hosts

is(on('cwa', '/app/')->status, 200, 'after the rotations: cwa');
is(on('abs', '/app/')->status, 200, 'after the rotations: abs');

$t->done;
