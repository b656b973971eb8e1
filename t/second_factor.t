#!/usr/bin/perl

# Second factors: a service that needs one sends a password-only session
# to the sign-in page's second step, where a TOTP code (secrets in the
# user file; codes from oathtool) or a code an external OTP server
# checks (a small validation server this test runs, behind TLS) steps
# the session up, without signing in again.  Codes are single-use, the
# step is bound to its session and single-use too, wrong codes count
# towards the lockout, and a server that is down, slow, silent at any
# step or answers something else than a clear yes or no is a clear
# "second factor unavailable" within the timeout.

use strict;
use warnings;

use lib 't/lib';
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use OCS::Silent;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 161;

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';           # SHA-1, 6 digits
my $DAVE = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';     # SHA-1, 6 digits
my $ERIN = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';     # SHA-256, 8 digits

$t->users(alice => 'alice-pw', bob => 'bob-pw', carol => 'carol-pw',
          dave => 'dave-pw', erin => 'erin-pw', sloth => 'sloth-pw',
          mallory => 'mallory-pw', oscar => 'oscar-pw', hush => 'hush-pw',
          mute => 'mute-pw', stuck => 'stuck-pw', nora => 'nora-pw',
          tina => 'tina-pw', uma => 'uma-pw', carl => 'carl-pw');

# the TOTP secrets, as options after the hashes
my $users = $t->read_file('users');
$users =~ s/^(alice:[^\n]*)$/$1:totp=$ALICE/m;
$users =~ s/^(dave:[^\n]*)$/$1:totp=$DAVE/m;
$users =~ s/^(erin:[^\n]*)$/$1:totp=$ERIN,sha256,8/m;
$users =~ s/^(tina:[^\n]*)$/$1:totp=$DAVE/m;
$users =~ s/^(uma:[^\n]*)$/$1:totp=$ALICE/m;
$t->write_file('users', $users);
chmod 0644, $t->path('users');

$t->keyfile('ticket.keys', 1);

# the OTP validation server: 123456 is carol's (and sloth's) code;
# sloth's answers come after 3 s; mallory's say true in the wrong places
# and oscar's come with HTTP 500
my $otp_port = $t->port('otp_backend');

sub otp_backend {
    my $pid = fork;
    die "cannot fork: $!\n" unless defined $pid;
    return $pid if $pid;

    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                    LocalPort => $otp_port, Listen => 16,
                                    ReuseAddr => 1)
        or POSIX::_exit(1);
    alarm 300;

    while (my $c = $srv->accept) {
        my ($len, $line) = (0);
        while (defined($line = <$c>)) {
            last if $line =~ /^\r?\n$/;
            $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
        }
        my $body = '';
        read($c, $body, $len) if $len;

        if (open my $log, '>>', $t->path('otp-requests')) {
            print $log "$body\n";
            close $log;
        }

        my %f = map {
            my ($k, $v) = split /=/, $_, 2;
            $v //= '';
            $v =~ tr/+/ /;
            $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
            ($k, $v)
        } split /&/, $body;

        my $user = $f{user} // '';
        sleep 3 if $user eq 'sloth';

        my $ok = ($f{pass} // '') eq '123456' ? 'true' : 'false';
        my $json = qq({"detail": {}, "result": {"status": true, )
                   . qq("value": $ok}, "version": "test"});
        my $status = $user eq 'oscar' ? '500 Internal Server Error'
                                      : '200 OK';

        $json = qq({"result": {"value": true}, "detail": {"status": true}})
            if $user eq 'mallory';

        print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n"
                 . "Content-Length: " . length($json) . "\r\n"
                 . "Connection: close\r\n\r\n$json";
        close $c;
    }

    POSIX::_exit(0);
}

my $backend = otp_backend();
END { kill 'KILL', $backend if $backend; }

# a peer that takes every connection and then neither reads nor writes:
# as the OTP server, it stalls the TLS handshake; behind the TLS side
# below (/mute/), the answer to a request sent
my $silent = OCS::Silent->new;
my $silent_port = $silent->port;

# a port whose accept queue is full, so that a SYN gets no answer: the
# TCP connect itself stalls (filled below, once nginx runs)
my $full = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Listen => 1, ReuseAddr => 1)
    or die "cannot listen: $!\n";
my $full_port = $full->sockport;

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
            ocs_auth_second_factor totp otp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";

            location /app/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /app/free/ {
                ocs_auth_second_factor off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
                proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
            }
        }

        location /plain/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /totponly/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /otponly/ {
            ocs_auth forms;
            ocs_auth_second_factor otp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location /outside/ {
            ocs_auth forms;
            ocs_auth_second_factor totp external;
            ocs_auth_internal_networks 127.0.0.2/32;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/validate/check
                                ca=%%CERT%% timeout=1s;
            ocs_auth_lockout account=4 address=100 lock=1h;
        }

        location = /noca/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/validate/check
                                timeout=1s;
        }

        # OTP servers silent at each step
        location = /hush/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:$silent_port/validate/check
                                ca=%%CERT%% timeout=2s;
        }

        location = /mute/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/mute/check
                                ca=%%CERT%% timeout=2s;
        }

        location = /stuck/signin {
            ocs_auth_signin;
            ocs_auth_otp_server https://127.0.0.1:$full_port/validate/check
                                ca=%%CERT%% timeout=2s;
        }

        # neither factor that checks codes
        location = /bare/signin {
            ocs_auth_signin;
        }

        # both factors above, one of them off in each nested sign-in
        location /mfa/ {
            ocs_auth_totp on;
            ocs_auth_otp_server https://127.0.0.1:%%PORT_otp%%/validate/check
                                ca=%%CERT%% timeout=1s;

            location = /mfa/nototp/signin {
                ocs_auth_signin;
                ocs_auth_totp off;
            }

            location = /mfa/nootp/signin {
                ocs_auth_signin;
                ocs_auth_otp_server off;
            }
        }
    }

    # the OTP server's TLS side
    server {
        listen 127.0.0.1:%%PORT_otp%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /validate/ {
            proxy_pass http://127.0.0.1:$otp_port;
            proxy_read_timeout 10s;
        }

        # the TLS handshake completes, the answer never comes
        location /mute/ {
            proxy_pass http://127.0.0.1:$silent_port;
            proxy_read_timeout 30s;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok \$http_x_info\\n";
        }
    }
}
EOF

sub totp {
    my ($secret, %o) = @_;
    my @opt = ('--totp' . ($o{alg} ? "=$o{alg}" : ''),
               '--digits=' . ($o{digits} || 6), '-b');
    my $now = time + ($o{offset} || 0);
    open my $p, '-|', '/usr/bin/oathtool', @opt, "--now=\@$now", $secret
        or die "cannot run oathtool: $!\n";
    my $code = <$p>;
    close $p;
    chomp $code;
    return $code;
}

# the step page's form, for a jar that holds a password session
sub step_form {
    my ($jar, %o) = @_;
    my $r = $t->get("/ocs/signin?step=2&r=$o{back}", jar => $jar,
                    signin => $o{signin});
    return ($r, { state => $r->field('state'), csrf => $r->field('csrf') });
}

sub step {
    my ($jar, $code, %o) = @_;
    my ($page, $f) = $o{form} ? (undef, $o{form})
                              : step_form($jar, back => '%2Fapp%2F');
    return $t->post($o{signin} || '/ocs/signin', jar => $jar,
                    curl => $o{curl},
                    form => [step => 2, state => $f->{state},
                             csrf => $f->{csrf}, r => '/app/',
                             code => $code]);
}

sub signin {
    my ($user, $jar) = @_;
    my $r = $t->signin($user, "$user-pw", jar => $jar, back => '%2Fapp%2F');
    is($r->status, 303, "$user: the password");
    return $r;
}

sub escape {
    my ($v) = @_;
    $v =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $v;
}

# a second step checked by a silent OTP server: its response, how long
# it took, and how long a request to the backend took meanwhile
sub silent_step {
    my ($user, $signin) = @_;

    signin($user, $user);
    my (undef, $f) = step_form($user, back => '%2Fapp%2F');

    my $out = $t->path("probe-$user");
    my $pid = fork;
    die "cannot fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        sleep 0.5;
        my $start = time;
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:'
                                                  . $t->port('backend'),
                                      Timeout => 5);
        my $line;
        if ($s) {
            print $s "GET / HTTP/1.0\r\n\r\n";
            $line = <$s>;
        }
        my $took = defined $line && $line =~ m{^HTTP/1\.\d 200}
                   ? time - $start : 99;
        if (open my $fh, '>', $out) {
            print $fh $took;
            close $fh;
        }
        POSIX::_exit(0);
    }

    my $start = time;
    my $r = step($user, '918273', form => $f, signin => $signin);
    my $took = time - $start;

    waitpid $pid, 0;

    return ($r, $took, $t->read_file("probe-$user") || 99);
}

# the codes below are made for the current 30 s step: start early in one
sub fresh_step {
    my $into = time % 30;
    sleep(31 - $into) if $into > 15;
}

fresh_step();

# a password session meets a service that needs more

signin('alice', 'alice');

my $r = $t->get('/app/', jar => 'alice', headers => ['Accept: text/html']);
is($r->status, 302, 'a second factor needed: sent on');
like($r->header('Location') // '',
     qr{/ocs/signin\?step=2&f=40&r=%2Fapp%2F$}, "to the second step, for TOTP or OTP");

$r = $t->get('/app/', jar => 'alice',
             headers => ['Accept: application/json']);
is($r->status, 401, 'a script: 401');
like($r->raw_headers, qr/WWW-Authenticate: OCS-Forms signin="[^"]*step=2/,
     'a script: told where the second step is');

is($t->get('/plain/', jar => 'alice')->body, "ok alice|password\n",
   'a service without the requirement: the password session is enough');
like($t->get('/app/inner/', jar => 'alice')->header('Location') // '',
     qr{step=2&f=40&r=%2Fapp%2Finner%2F}, 'a nested location inherits the requirement');
is($t->get('/app/free/', jar => 'alice')->body, "ok alice|password\n",
   'ocs_auth_second_factor off in a nested location');

my ($page, $form) = step_form('alice', back => '%2Fapp%2F');
is($page->status, 200, 'the second step page');
like($page->body, qr/Signed in as <strong>alice<\/strong>/,
     'the page names the session\'s user');
like($page->body, qr/autocomplete="one-time-code"/, 'a code field');

# TOTP from the user file

my $code = totp($ALICE);
$r = step('alice', $code, form => $form);
is($r->status, 303, 'the right TOTP code: stepped up');
like($r->header('Location') // '', qr{/app/$}, 'on to the service');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
     'the ticket sealed again');
is($t->get('/app/', jar => 'alice')->body, "ok alice|password,totp\n",
   'the ticket records both factors');
like($t->error_log,
     qr/\[notice\].*user "alice" completed the second step with TOTP/,
     'logged');

# the same form again: single use

$r = step('alice', totp($ALICE, offset => 30), form => $form);
is($r->status, 403, 'the same second-step form again: refused');
like($t->error_log, qr/second step of user "alice" refused: the form expired or was used before/,
     'replayed form logged');

# the same code in another session: used already

signin('alice', 'alice2');
$r = step('alice2', $code);
is($r->status, 401, 'a TOTP code used before: refused');
like($r->body, qr/This code was used already/, 'the page says so');

# drift: a step back and a step ahead, but not two

signin('dave', 'dave');
is(step('dave', totp($DAVE, offset => -90))->status, 401,
   'a code three steps old: refused');
is(step('dave', totp($DAVE, offset => -30))->status, 303,
   'the previous step\'s code: accepted');
signin('dave', 'dave2');
is(step('dave2', totp($DAVE, offset => 30))->status, 303,
   'the next step\'s code: accepted');
signin('dave', 'dave3');
is(step('dave3', totp($DAVE))->status, 401,
   'a step older than the last one used: refused');

# another secret's code; SHA-256 with 8 digits

$r = step('alice2', totp($DAVE, offset => 60));
is($r->status, 401, 'a code of another secret: refused');
like($r->body, qr/The code is not correct/, 'the page says so');
like($t->error_log, qr/\[error\].*second step of user "alice" failed: wrong TOTP code/,
     'wrong code logged');

signin('erin', 'erin');
is(step('erin', totp($ERIN, alg => 'sha256', digits => 8))->status, 303,
   'SHA-256, 8 digits: accepted');
is($t->get('/app/', jar => 'erin')->status, 200, 'erin: in');

# the step needs the session it was made for

$r = $t->post('/ocs/signin', jar => 'nobody',
              form => [step => 2, state => $form->{state},
                       csrf => $form->{csrf}, r => '/app/', code => $code]);
is($r->status, 303, 'no session: back to the first step');
like($t->error_log, qr/second step without a signed-in session refused/,
     'no session: logged');

signin('bob', 'bob');
(undef, my $bobform) = step_form('bob', back => '%2Fapp%2F');
$r = step('erin', '123456', form => $bobform);
is($r->status, 403, 'another session\'s form: refused');
like($t->error_log, qr/second step of user "erin" with a bad or foreign state refused/,
     'foreign state logged');

# the OTP server, for users without a TOTP secret

signin('carol', 'carol');
$r = step('carol', '654321');
is($r->status, 401, 'OTP server says no: 401');
like($t->error_log, qr/second step of user "carol" failed: wrong OTP server code/,
     'OTP refusal logged');
$r = step('carol', '123456');
is($r->status, 303, 'OTP server says yes: stepped up');
is($t->get('/app/', jar => 'carol')->body, "ok carol|password,otp\n",
   'the ticket records the OTP factor');
like($t->read_file('otp-requests'), qr/^user=carol&pass=123456$/m,
     'the server got the user and the code, form-encoded');

# a service that takes OTP only: the server checks the code even for a
# user who has a TOTP secret, and the step says which factor it wants

signin('alice', 'alice3');
$r = $t->get('/otponly/', jar => 'alice3', headers => ['Accept: text/html']);
my ($next) = ($r->header('Location') // '') =~ m{(/ocs/signin\?step=2&f=32&r=\S+)$};
ok($next, 'the second step for OTP only: f=32');
$page = $t->get($next, jar => 'alice3');
is($page->field('f'), '32', 'the form carries the factor');
$r = $t->post('/ocs/signin', jar => 'alice3',
              form => [step => 2, f => $page->field('f'),
                       state => $page->field('state'),
                       csrf => $page->field('csrf'), r => '/otponly/',
                       code => '123456']);
is($r->status, 303, 'OTP only: the server accepted the code');
is($t->get('/otponly/', jar => 'alice3')->body,
   "ok alice|password,otp\n", 'OTP only: in, with the OTP factor');

# answers that are not a clear yes or no: the server's fault, not a
# wrong code

signin('mallory', 'mallory');
$r = step('mallory', '123456');
is($r->status, 503, 'true in the wrong places of the answer: 503');
like($r->body, qr/cannot be reached/, 'true in the wrong places: unavailable');
like($t->error_log, qr/\[error\].*second factor unavailable for user "mallory": OTP server "[^"]+": a malformed answer: the answer's "result\.status" is not true or false/,
     'true in the wrong places: logged as the server\'s fault');
unlike($t->error_log, qr/user "mallory" failed: wrong/,
       'true in the wrong places: not logged as a wrong code');
is($t->get('/app/', jar => 'mallory', headers => ['Accept: text/html'])
   ->status, 302, 'true in the wrong places: nothing signed in');

signin('oscar', 'oscar');
$r = step('oscar', '123456');
is($r->status, 503, 'a yes with HTTP 500: 503');
like($t->error_log, qr/second factor unavailable for user "oscar": OTP server "[^"]+" answered HTTP 500/,
     'a yes with HTTP 500: logged');

# a slow server: the timeout; a server whose certificate is not trusted

signin('sloth', 'sloth');
$r = step('sloth', '123456');
is($r->status, 503, 'a slow OTP server: 503');
like($r->body, qr/cannot be reached/, 'second factor unavailable');
like($t->error_log, qr/\[error\].*second factor unavailable for user "sloth": OTP server "[^"]+" timed out after 1000 ms: Operation timed out/,
     'slow: logged');
is($t->get('/app/', jar => 'sloth', headers => ['Accept: text/html'])
   ->status, 302, 'slow: nothing signed in');

signin('bob', 'bob2');
my (undef, $f2) = step_form('bob2', back => '%2Fapp%2F',
                            signin => '/noca/signin');
$r = step('bob2', '123456', form => $f2, signin => '/noca/signin');
is($r->status, 503, 'an OTP server not verified: 503, TLS verification on');
like($t->error_log, qr/OTP server "https:\/\/127\.0\.0\.1:\d+\/validate\/check": (SSL|Peer).*certificate/i,
     'TLS verification logged');

# OTP servers silent at one step or another: each wait ends with the
# timeout (2 s), in a pool thread, while nginx answers other requests

my @queued;
for (1 .. 8) {
    my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$full_port",
                                  Timeout => 1)
        or last;
    push @queued, $c;
}

for my $case (['hush', 'the TLS handshake', qr/Connection timed out/],
              ['mute', 'the answer', qr/Operation timed out/],
              ['stuck', 'the TCP connect',
               qr/Connection timed out|Failed to connect/])
{
    my ($user, $what, $curl) = @$case;

  SKIP: {
    skip("$what: the accept queue did not fill up, so a connect would not "
         . "stall", 8)
        if $user eq 'stuck' && @queued == 8;

    my ($res, $took, $probe) = silent_step($user, "/$user/signin");

    is($res->status, 503, "silent at $what: 503");
    like($res->body, qr/cannot be reached/, "silent at $what: unavailable");
    ok($took < 2 + 5, "silent at $what: answered within the timeout")
        or diag("took $took s");
    ok($probe < 1, "silent at $what: nginx answers other requests meanwhile")
        or diag("the other request took $probe s");

    my @lines = grep { /unavailable for user "$user"/ }
                split /\n/, $t->error_log;
    is(scalar @lines, 1, "silent at $what: one log line");
    like($lines[0] // '', qr/\[error\].* OTP server "https:\/\/127\.0\.0\.1:\d+\/\w+\/check" timed out after 2000 ms: $curl/,
         "silent at $what: logged as a timeout");
    is($t->get('/app/', jar => $user, headers => ['Accept: text/html'])
       ->status, 302, "silent at $what: nothing signed in");
  }
}

close $_ for @queued;

unlike($t->error_log, qr/918273/, 'silent servers: no code in the log');

# refusals before any check: a code too long or badly encoded, none,
# and a sign-in location with no factor that checks codes

signin('bob', 'bob5');
$r = step('bob5', '1' x 65);
is($r->status, 401, 'a code over 64 characters: 401');
like($r->body, qr/Please enter the code/, 'a code over 64 characters: asked again');
like($t->error_log, qr/\[error\].*second step of user "bob" refused: the code is too long or badly encoded/,
     'a code over 64 characters: logged');

(undef, $form) = step_form('bob5', back => '%2Fapp%2F');
$r = $t->post('/ocs/signin', jar => 'bob5',
              body => 'step=2&state=' . escape($form->{state})
                      . '&csrf=' . escape($form->{csrf})
                      . '&r=%2Fapp%2F&code=12%ZZ56');
is($r->status, 401, 'a badly encoded code: 401');
like($r->body, qr/Please enter the code/, 'a badly encoded code: asked again');
is(scalar(() = $t->error_log =~ /second step of user "bob" refused: the code is too long or badly encoded/g),
   2, 'a badly encoded code: logged');

$r = step('bob5', '');
is($r->status, 401, 'no code: 401');
like($t->error_log, qr/\[info\].*second step of user "bob" without a code/,
     'no code: logged');

$r = step('bob5', '123456', signin => '/bare/signin');
is($r->status, 403, 'a sign-in location without TOTP or an OTP server: 403');
like($r->body, qr/No second factor is set up for this sign-in page/,
     'no code factor: said so');
like($t->error_log, qr/second step of user "bob": this sign-in location has neither "ocs_auth_totp" nor "ocs_auth_otp_server"/,
     'no code factor: logged');
is($t->get('/app/', jar => 'bob5', headers => ['Accept: text/html'])
   ->status, 302, 'refused codes: nothing signed in');

# ocs_auth_totp off and ocs_auth_otp_server off in sign-in locations
# nested in one that sets both: the other factor only

signin('uma', 'uma1');
$r = step('uma1', totp($ALICE), signin => '/mfa/nototp/signin');
is($r->status, 401, 'totp off in a nested location: a TOTP code refused');
like($t->read_file('otp-requests'), qr/^user=uma&pass=\d{6}$/m,
     'totp off: the code went to the OTP server instead');
$r = step('uma1', totp($ALICE), signin => '/mfa/nootp/signin');
is($r->status, 303, 'otp server off, totp still on: the TOTP code taken');

signin('carl', 'carl1');
$r = step('carl1', '123456', signin => '/mfa/nootp/signin');
is($r->status, 403,
   'otp server off in a nested location: no factor for carl, who has no TOTP');
like($t->error_log, qr/second step of user "carl": no TOTP secret for the user and no OTP server/,
     'otp server off: logged, no OTP server there');
unlike($t->read_file('otp-requests'), qr/^user=carl&/m,
       'otp server off: the OTP server not asked');
$r = step('carl1', '123456', signin => '/mfa/nototp/signin');
is($r->status, 303, 'totp off, the otp server still on: the code taken');

# the server down

kill 'KILL', $backend;
waitpid $backend, 0;
$backend = 0;

signin('bob', 'bob3');
$r = step('bob3', '123456');
is($r->status, 503, 'the OTP server down: 503');
is($t->get('/app/', jar => 'bob3', headers => ['Accept: text/html'])
   ->status, 302, 'down: nothing signed in');

# only outside the internal networks

signin('bob', 'bob4');
is($t->get('/outside/', jar => 'bob4',
           curl => ['--interface', '127.0.0.2'])->status, 200,
   'external only: an internal client needs no second factor');
is($t->get('/outside/', jar => 'bob4', headers => ['Accept: text/html'])
   ->status, 302, 'external only: an external client does');

# wrong codes count towards a lock of their own, which signing in with
# the password again does not reset

signin('dave', 'dave4');
step('dave4', '000000') for 1 .. 2;
signin('dave', 'dave4');
step('dave4', '000000') for 1 .. 2;
$r = step('dave4', totp($DAVE, offset => 30));
is($r->status, 429, 'four wrong codes (one from before): locked');
like($r->body, qr/Too many wrong codes/, 'the page says to wait');
like($t->error_log, qr/\[warn\].*sign-ins of user "dave" from 127\.0\.0\.1 locked for 3600 s after 4 failed codes/,
     'the code lock logged');
is($t->signin('dave', 'dave-pw', jar => 'dave5')->status, 303,
   'the password still works: codes are locked, not the account');

# the way back: the second step's page can end the session

signin('tina', 'tina');
$t->copy_jar('tina', 'tina-copy');
($page, $form) = step_form('tina', back => '%2Fapp%2F');
like($page->body, qr/<input type="hidden" name="step" value="signout">/,
     'the second step: a sign-out form');
like($page->body, qr/<a href="\/" id="home">the start page<\/a>/,
     'the second step: a link to the start page');
my ($out) = $page->body =~ /value="signout">\n<input type="hidden" name="csrf" value="([\w-]{43})">/;
ok($out, 'the sign-out form has a token');
isnt($out, $form->{csrf}, 'the sign-out token is not the code form\'s');

$r = $t->post('/ocs/signin', jar => 'tina',
              form => [step => 'signout', csrf => $form->{csrf},
                       r => '/app/']);
is($r->status, 403, 'sign-out with another token: refused');
is($t->get('/plain/', jar => 'tina')->status, 200,
   'sign-out refused: still signed in');

$r = $t->post('/ocs/signin', jar => 'tina',
              form => [step => 'signout', csrf => $out, r => '/app/']);
is($r->status, 303, 'signed out from the second step: 303');
like($r->header('Location') // '', qr{/ocs/signin\?r=%2Fapp%2F$},
     'to the first step, the way back kept');
like($r->set_cookie('__Host-ocs_ticket') // '', qr/Max-Age=0/,
     'the ticket cookie cleared');
$r = $t->get('/ocs/signin?r=%2Fapp%2F', jar => 'tina');
like($r->body, qr/<p class="error" role="alert" id="error">You have signed out\.<\/p>/,
     'the first step says so');
is($t->get('/plain/', jar => 'tina-copy', headers => ['Accept: text/html'])
   ->status, 302, 'a copy of the ticket is revoked');
like($t->error_log, qr/\[notice\].*user "tina" signed out from the second step/,
     'logged');

# a user who can have no code is told so before typing one

signin('nora', 'nora');
$r = $t->get('/totponly/', jar => 'nora', headers => ['Accept: text/html']);
my ($totp_step) = ($r->header('Location') // '') =~ m{(/ocs/signin\?step=2&f=8&r=\S+)$};
ok($totp_step, 'TOTP only: f=8');
$r = $t->get($totp_step, jar => 'nora');
is($r->status, 403, 'no TOTP secret: told at once');
like($r->body, qr/no authenticator app or token is set up for your account/,
     'no TOTP secret: the page says so');
unlike($r->body, qr/name="code"/, 'no TOTP secret: no code asked for');
like($r->body, qr/value="signout"/, 'no TOTP secret: a way back');
like($t->error_log, qr/second step of user "nora": no TOTP secret for the user and no OTP server/,
     'no TOTP secret: logged');

$r = $t->get($totp_step, jar => 'alice3');
is($r->status, 200, 'a TOTP secret: the code form');
like($r->body, qr/name="code"/, 'a TOTP secret: the code asked for');

$r = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => 'nora');
is($r->status, 200, 'an OTP server may know a code: the form');

$r = $t->get('/bare/signin?step=2&r=%2Fapp%2F', jar => 'nora');
is($r->status, 403, 'a sign-in location without a factor: said at once');
like($r->body, qr/No second factor is set up for this sign-in page\..*value="signout"/s,
     'a sign-in location without a factor: with a way back');

# a browser's failed code: 303 to the step, which shows the note once

my $nav = ['Sec-Fetch-Mode: navigate', 'Sec-Fetch-Site: same-origin'];
signin('tina', 'tina2');
(undef, $form) = step_form('tina2', back => '%2Fapp%2F');
$r = $t->post('/ocs/signin', jar => 'tina2', headers => $nav,
              form => [step => 2, f => 40, state => $form->{state},
                       csrf => $form->{csrf}, r => '/app/',
                       code => '000000']);
is($r->status, 303, 'browser, a wrong code: 303');
like($r->header('Location') // '', qr{/ocs/signin\?step=2&f=40&r=%2Fapp%2F$},
     'browser, a wrong code: back to the step');
$r = $t->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F', jar => 'tina2',
             headers => $nav);
is($r->status, 401, 'browser: the step says 401');
like($r->body, qr/The code is not correct\./, 'browser: the message');
like($r->body, qr/name="state" value="[\w-]+"/, 'browser: a fresh form');
$r = $t->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F', jar => 'tina2',
             headers => $nav);
is($r->status, 200, 'browser: reloaded, the plain form');
unlike($r->body, qr/not correct/, 'browser: reloaded, no message');

unlike($t->logs, qr/alice-pw|$ALICE|$DAVE|$ERIN/, 'no secret in the logs');

$silent->stop;

$t->done;
