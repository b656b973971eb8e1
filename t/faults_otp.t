#!/usr/bin/perl

# The external OTP server misbehaving in every way but silence
# (t/second_factor.t has the silent ones): refusing connections, noise
# instead of TLS, TLS cut off mid-handshake, an HTTP answer that is not
# JSON, an answer cut off mid-body, slow within the timeout and past it.
# Each: 503 within the timeout with one [error] line naming the server,
# nobody stepped up by an answer that is not a clear yes, the password
# session kept; an answer in time steps up; nothing is stuck after.

use strict;
use warnings;

use lib 't/lib';
use OCS::BadPeer;
use OCS::Test;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);

my $t = OCS::Test->new;
plan tests => 42;

my @cases = qw(refused noise tlscut notjson bodycut slow late);
$t->users(map { ($_ => "$_-pw") } @cases, 'good');
$t->keyfile('ticket.keys', 1);

# the OTP validation server behind the test's own TLS side: 123456 is
# everyone's code
my $otp_port = $t->port('otp_backend');

my $backend = fork;
die "cannot fork: $!\n" unless defined $backend;

if ($backend == 0) {
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                    LocalPort => $otp_port, Listen => 16,
                                    ReuseAddr => 1)
        or POSIX::_exit(1);
    alarm 300;

    for (1 .. 1000) {
        my $c = $srv->accept or last;
        my ($len, $line) = (0);
        while (defined($line = <$c>)) {
            last if $line =~ /^\r?\n$/;
            $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
        }
        my $body = '';
        read($c, $body, $len) if $len;
        my $ok = $body =~ /(?:^|&)pass=123456(?:&|$)/ ? 'true' : 'false';
        my $json = qq({"result": {"status": true, "value": $ok}});
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 . "Content-Length: " . length($json) . "\r\n"
                 . "Connection: close\r\n\r\n$json";
        close $c;
    }

    POSIX::_exit(0);
}

END { kill 'KILL', $backend if $backend; }

my %peer = (
    refused => OCS::BadPeer->new(mode => 'refuse'),
    noise   => OCS::BadPeer->new(mode => 'garbage'),
    tlscut  => OCS::BadPeer->new(mode => 'cut', prefix => "\x16\x03\x03\x00"),
    bodycut => OCS::BadPeer->new(mode => 'cut',
        prefix => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  . "Content-Length: 400\r\n\r\n{\"result\": {\"status\": tr"),
    slow    => OCS::BadPeer->new(mode => 'slow', delay => 0.5,
                                 to => $otp_port),
    late    => OCS::BadPeer->new(mode => 'slow', delay => 4,
                                 to => $otp_port),
);

my $TIMEOUT = 2;
my $SLACK = 4;

sub direct { 'https://127.0.0.1:' . $peer{$_[0]}->port . '/validate/check' }

$t->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;

        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor otp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /plain/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/good/check
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /refused/signin {
            ocs_auth_signin;
            ocs_auth_otp_server @{[direct('refused')]}
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /noise/signin {
            ocs_auth_signin;
            ocs_auth_otp_server @{[direct('noise')]}
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /tlscut/signin {
            ocs_auth_signin;
            ocs_auth_otp_server @{[direct('tlscut')]}
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /notjson/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/notjson/check
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /bodycut/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/bodycut/check
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /slow/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/slow/check
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }

        location = /late/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/late/check
                                ca=%%CERT%% timeout=${TIMEOUT}s;
        }
    }

    # the OTP server's TLS side
    server {
        listen 127.0.0.1:%%PORT_otp%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        proxy_read_timeout 30s;

        location /good/ { proxy_pass http://127.0.0.1:$otp_port; }
        location /notjson/ {
            default_type application/json;
            return 200 "<html>Service Temporarily Unavailable</html>";
        }
        location /bodycut/ {
            proxy_pass http://127.0.0.1:@{[$peer{bodycut}->port]};
            proxy_buffering off;
        }
        location /slow/ {
            proxy_pass http://127.0.0.1:@{[$peer{slow}->port]};
        }
        location /late/ {
            proxy_pass http://127.0.0.1:@{[$peer{late}->port]};
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "ok \$http_x_info\\n"; }
    }
}
EOF

# the password, then the step form of the default sign-in location,
# posted to the location of the case
sub step {
    my ($user, $signin) = @_;

    my $r = $t->signin($user, "$user-pw", jar => $user, back => '%2Fapp%2F');
    my $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $user);
    my $start = time;

    $r = $t->post($signin, jar => $user, timeout => 60,
                  form => [step => 2, state => $page->field('state'),
                           csrf => $page->field('csrf'), r => '/app/',
                           code => '123456']);

    return ($r, time - $start);
}

for my $case (['refused', 'connection refused'],
              ['noise', 'noise instead of TLS'],
              ['tlscut', 'TLS cut off'],
              ['notjson', 'an answer that is not JSON'],
              ['bodycut', 'the answer cut off'],
              ['late', 'an answer past the timeout'])
{
    my ($user, $what) = @$case;
    my $mark = length $t->error_log;
    my ($r, $took) = step($user, "/$user/signin");

    is($r->status, 503, "$what: 503");
    like($r->body, qr/cannot be reached|unavailable/i, "$what: says so");
    ok($took < $TIMEOUT + $SLACK, "$what: answered in "
       . sprintf('%.1f', $took) . 's');

    my @lines = grep { /\[error\].*OTP server "https:[^"]+"/
                       && /user "$user"/ }
                split /\n/, substr($t->error_log, $mark);
    is(scalar @lines, 1, "$what: one [error] line names the OTP server")
        or diag(substr($t->error_log, $mark));

    is($t->get('/app/', jar => $user, headers => ['Accept: text/html'])
       ->status, 302, "$what: not stepped up");
    is($t->get('/plain/', jar => $user)->body, "ok $user|password\n",
       "$what: the password session goes on");
}

my ($r, $took) = step('slow', '/slow/signin');
is($r->status, 303, 'slow within the timeout: stepped up');
is($t->get('/app/', jar => 'slow')->body, "ok slow|password,otp\n",
   'slow within the timeout: in with the code');

# nothing stuck: the good server steps up at once
($r, $took) = step('good', '/ocs/signin');
is($r->status, 303, 'after the faults: the good server steps up');
ok($took < 1 + $SLACK, 'after the faults: promptly');

unlike($t->error_log, qr/123456/, 'no code in the log');

$_->stop for values %peer;
$t->done;
