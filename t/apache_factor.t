#!/usr/bin/perl

# Second factors on Apache httpd: a directory with OCSSecondFactor sends
# a password-only session to the sign-in page's second step
# (OCSSignInURL?step=2, served by SetHandler ocs-signin), where a TOTP
# code (secrets in the user file; codes from oathtool) or a code an
# external OTP server checks steps the session up.  The same scenarios,
# statuses, pages and log lines as t/second_factor.t on nginx.  Until
# the Apache sign-in form lands, nginx signs the users in with the same
# key file (as t/apache_fleet.t), and its TLS side fronts the test's OTP
# server.  Apache runs one child process here: the replay marks and the
# code lock are shared across processes only once the shared store lands
# (t/apache_factor_procs.t).

use strict;
use warnings;

use lib 't/lib';
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 96;

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';
my $DAVE = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
my $ERIN = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';

my $users = $n->users(alice => 'alice-pw', bob => 'bob-pw',
                      carol => 'carol-pw', dave => 'dave-pw',
                      erin => 'erin-pw', sloth => 'sloth-pw',
                      mallory => 'mallory-pw', oscar => 'oscar-pw',
                      tina => 'tina-pw', nora => 'nora-pw', uma => 'uma-pw',
                      carl => 'carl-pw');

my $text = $n->read_file('users');
$text =~ s/^(alice:[^\n]*)$/$1:totp=$ALICE/m;
$text =~ s/^(dave:[^\n]*)$/$1:totp=$DAVE/m;
$text =~ s/^(erin:[^\n]*)$/$1:totp=$ERIN,sha256,8/m;
$text =~ s/^(tina:[^\n]*)$/$1:totp=$DAVE/m;
$text =~ s/^(uma:[^\n]*)$/$1:totp=$ALICE/m;
$n->write_file('users', $text);

my $keys = $n->keyfile('ticket.keys', 1);

# the OTP validation server: 123456 is the code; sloth's answer comes
# after 3 s, mallory's says true in the wrong places, oscar's is a 500
my $otp_port = $n->port('otp_backend');

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

        if (open my $log, '>>', $n->path('otp-requests')) {
            print $log "$body\n";
            close $log;
        }

        my %f = map {
            my ($k, $v) = split /=/, $_, 2;
            $v //= '';
            $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
            ($k, $v)
        } split /&/, $body;

        my $user = $f{user} // '';

        # the slow answer in a child of its own, so that others go on
        if ($user eq 'sloth') {
            if (fork) {
                close $c;
                next;
            }
            sleep 3;
        }

        my $ok = ($f{pass} // '') eq '123456' ? 'true' : 'false';
        my $json = qq({"result": {"status": true, "value": $ok}});
        $json = qq({"result": {"value": true}, "detail": {"status": true}})
            if $user eq 'mallory';
        my $status = $user eq 'oscar' ? '500 Internal Server Error'
                                      : '200 OK';

        print $c "HTTP/1.1 $status\r\nContent-Type: application/json\r\n"
                 . "Content-Length: " . length($json) . "\r\n"
                 . "Connection: close\r\n\r\n$json";
        close $c;
        POSIX::_exit(0) if $user eq 'sloth';
    }

    POSIX::_exit(0);
}

my $backend = otp_backend();
END { kill 'KILL', $backend if $backend; }

my $nginx_conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_totp on;
        }

        location = /bare/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        # the same directory as Apache's, for the pages compared below
        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor totp otp;
            proxy_pass http://127.0.0.1:%%ECHO%%;
        }
    }

    # the OTP server's TLS side
    server {
        listen 127.0.0.1:%%PORT_otp%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /validate/ {
            proxy_pass http://127.0.0.1:%%PORT_otp_backend%%;
            proxy_read_timeout 10s;
        }
    }
}
EOF

# nginx's /app/ passes to Apache's echo upstream
my $echo_port = $a->port('echo');
$nginx_conf =~ s/%%ECHO%%/$echo_port/;
$n->run($nginx_conf);

my $echo = OCS::Echo->new($a);
$echo->start;

my $ca = $n->path('cert.pem');
my $otp = 'https://127.0.0.1:' . $n->port('otp') . '/validate/check';

# event (the prefork case is t/apache_factor_procs.t)
$a->run(<<"EOF", mpm => 'event');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile $users
    RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
    ProxyPass /app/ http://127.0.0.1:%%PORT_echo%%/app/
    ProxyPass /plain/ http://127.0.0.1:%%PORT_echo%%/plain/
    ProxyPass /otponly/ http://127.0.0.1:%%PORT_echo%%/otponly/
    ProxyPass /totponly/ http://127.0.0.1:%%PORT_echo%%/totponly/

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp otp
    </Location>

    <Location /app/free/>
        OCSSecondFactor off
    </Location>

    <Location /plain/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /totponly/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp
    </Location>

    <Location /otponly/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor otp
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSTOTP on
        OCSOTPServer $otp ca=$ca timeout=1s
    </Location>

    <Location /noca/signin>
        SetHandler ocs-signin
        OCSOTPServer $otp timeout=1s
    </Location>

    <Location /bare/signin>
        SetHandler ocs-signin
    </Location>

    # both factors, one of them off in each nested sign-in
    <Location /mfa/>
        OCSTOTP on
        OCSOTPServer $otp ca=$ca timeout=1s
    </Location>

    <Location /mfa/nototp/signin>
        SetHandler ocs-signin
        OCSTOTP off
    </Location>

    <Location /mfa/nootp/signin>
        SetHandler ocs-signin
        OCSOTPServer off
    </Location>
</VirtualHost>
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

# a password session from nginx, in a jar of Apache's
sub signin {
    my ($user, $jar) = @_;
    my $r = $n->signin($user, "$user-pw", jar => $jar, back => '%2Fapp%2F');
    is($r->status, 303, "$user: the password (nginx)");
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
    return $r;
}

sub step_form {
    my ($jar, %o) = @_;
    my $r = $a->get(($o{signin} || '/ocs/signin') . '?step=2&r=%2Fapp%2F',
                    jar => $jar);
    return ($r, { state => $r->field('state'), csrf => $r->field('csrf') });
}

sub step {
    my ($jar, $code, %o) = @_;
    my $f = $o{form} || (step_form($jar))[1];
    return $a->post($o{signin} || '/ocs/signin', jar => $jar,
                    headers => $o{headers},
                    form => [step => 2, state => $f->{state},
                             csrf => $f->{csrf}, r => '/app/',
                             code => $code]);
}

sub info {
    my ($path, $jar) = @_;
    my ($v) = $a->get($path, jar => $jar)->body =~ /^X-Info: (.*?)\r?$/mi;
    return $v // '';
}

# the codes below are made for the current 30 s step: start early in one
my $into = time % 30;
sleep(31 - $into) if $into > 15;

# a password session meets a directory that needs more

signin('alice', 'alice');

my $r = $a->get('/app/', jar => 'alice', headers => ['Accept: text/html']);
is($r->status, 302, 'a second factor needed: sent on');
like($r->header('Location') // '',
     qr{/ocs/signin\?step=2&f=40&r=%2Fapp%2F$}, 'to the second step, for '
     . 'TOTP or OTP');

$r = $a->get('/app/', jar => 'alice',
             headers => ['Accept: application/json']);
is($r->status, 401, 'a script: 401');
like($r->raw_headers, qr/WWW-Authenticate: OCS-Forms signin="[^"]*step=2/,
     'a script: told where the second step is');

is(info('/plain/', 'alice'), 'alice|password',
   'a directory without the requirement: the password session is enough');
like($a->get('/app/inner/', jar => 'alice')->header('Location') // '',
     qr{step=2&f=40&r=%2Fapp%2Finner%2F},
     'a nested location inherits the requirement');
is(info('/app/free/', 'alice'), 'alice|password',
   'OCSSecondFactor off in a nested location');

my ($page, $form) = step_form('alice');
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
is(info('/app/', 'alice'), 'alice|password,totp',
   'the ticket records both factors');
like($a->error_log,
     qr/\[auth_ocs:notice\].*ocs auth: user "alice" completed the second step with TOTP/,
     'logged');

# the same form again: single use

$r = step('alice', totp($ALICE, offset => 30), form => $form);
is($r->status, 403, 'the same second-step form again: refused');
like($a->error_log, qr/second step of user "alice" refused: the form expired or was used before/,
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

# another secret's code; SHA-256 with 8 digits

$r = step('alice2', totp($DAVE, offset => 60));
is($r->status, 401, 'a code of another secret: refused');
like($r->body, qr/The code is not correct/, 'the page says so');
like($a->error_log, qr/\[auth_ocs:error\].*second step of user "alice" failed: wrong TOTP code/,
     'wrong code logged');

signin('erin', 'erin');
is(step('erin', totp($ERIN, alg => 'sha256', digits => 8))->status, 303,
   'SHA-256, 8 digits: accepted');

# the step needs the session it was made for

$r = $a->post('/ocs/signin', jar => 'nobody',
              form => [step => 2, state => $form->{state},
                       csrf => $form->{csrf}, r => '/app/', code => $code]);
is($r->status, 303, 'no session: back to the first step');
like($a->error_log, qr/second step without a signed-in session refused/,
     'no session: logged');

signin('bob', 'bob');
my (undef, $bobform) = step_form('bob');
$r = step('erin', '123456', form => $bobform);
is($r->status, 403, 'another session\'s form: refused');
like($a->error_log, qr/second step of user "erin" with a bad or foreign state refused/,
     'foreign state logged');

# the OTP server, for users without a TOTP secret

signin('carol', 'carol');
$r = step('carol', '654321');
is($r->status, 401, 'OTP server says no: 401');
like($a->error_log, qr/second step of user "carol" failed: wrong OTP server code/,
     'OTP refusal logged');
$r = step('carol', '123456');
is($r->status, 303, 'OTP server says yes: stepped up');
is(info('/app/', 'carol'), 'carol|password,otp',
   'the ticket records the OTP factor');
like($n->read_file('otp-requests'), qr/^user=carol&pass=123456$/m,
     'the server got the user and the code, form-encoded');

# a directory that takes OTP only: f=32, the server checks the code

signin('alice', 'alice3');
$r = $a->get('/otponly/', jar => 'alice3', headers => ['Accept: text/html']);
my ($next) = ($r->header('Location') // '')
             =~ m{(/ocs/signin\?step=2&f=32&r=\S+)$};
ok($next, 'the second step for OTP only: f=32');
$page = $a->get($next, jar => 'alice3');
is($page->field('f'), '32', 'the form carries the factor');
$r = $a->post('/ocs/signin', jar => 'alice3',
              form => [step => 2, f => 32, state => $page->field('state'),
                       csrf => $page->field('csrf'), r => '/otponly/',
                       code => '123456']);
is($r->status, 303, 'OTP only: the server accepted the code');
is(info('/otponly/', 'alice3'), 'alice|password,otp',
   'OTP only: in, with the OTP factor');

# answers that are not a clear yes or no, a slow server, no CA

signin('mallory', 'mallory');
$r = step('mallory', '123456');
is($r->status, 503, 'true in the wrong places of the answer: 503');
like($a->error_log, qr/\[auth_ocs:error\].*second factor unavailable for user "mallory": OTP server "[^"]+": a malformed answer/,
     'true in the wrong places: the server\'s fault');

signin('oscar', 'oscar');
is(step('oscar', '123456')->status, 503, 'a yes with HTTP 500: 503');

signin('sloth', 'sloth');
my $start = time;
$r = step('sloth', '123456');
my $took = time - $start;
is($r->status, 503, 'a slow OTP server: 503');
like($r->body, qr/cannot be reached/, 'second factor unavailable');
ok($took < 1 + 2, 'a slow OTP server: answered at the timeout')
    or diag("took $took s");
like($a->error_log, qr/second factor unavailable for user "sloth": OTP server "[^"]+" timed out after 1000 ms/,
     'slow: logged');

signin('bob', 'bob2');
(undef, my $f2) = step_form('bob2', signin => '/noca/signin');
$r = step('bob2', '123456', form => $f2, signin => '/noca/signin');
is($r->status, 503, 'an OTP server not verified: 503');

# refusals before any check

signin('bob', 'bob5');
$r = step('bob5', '1' x 65);
is($r->status, 401, 'a code over 64 characters: 401');
like($a->error_log, qr/second step of user "bob" refused: the code is too long or badly encoded/,
     'a code over 64 characters: logged');
is(step('bob5', '')->status, 401, 'no code: 401');
like($a->error_log, qr/\[auth_ocs:info\].*second step of user "bob" without a code/,
     'no code: logged');
$r = step('bob5', '123456', signin => '/bare/signin');
is($r->status, 403, 'a sign-in location without TOTP or an OTP server: 403');
like($r->body, qr/No second factor is set up for this sign-in page/,
     'no code factor: said so');

# OCSTOTP off and OCSOTPServer off nested in a location that sets both

signin('uma', 'uma1');
is(step('uma1', totp($ALICE), signin => '/mfa/nototp/signin')->status, 401,
   'OCSTOTP off in a nested location: a TOTP code refused');
is(step('uma1', totp($ALICE), signin => '/mfa/nootp/signin')->status, 303,
   'OCSOTPServer off, OCSTOTP inherited: the TOTP code taken');

signin('carl', 'carl1');
is(step('carl1', '123456', signin => '/mfa/nootp/signin')->status, 403,
   'OCSOTPServer off: no factor for carl, who has no TOTP');
is(step('carl1', '123456', signin => '/mfa/nototp/signin')->status, 303,
   'OCSOTPServer inherited by a nested location: the code taken');

# a user who can have no code is told so before typing one

signin('nora', 'nora');
$r = $a->get('/totponly/', jar => 'nora', headers => ['Accept: text/html']);
my ($totp_step) = ($r->header('Location') // '')
                  =~ m{(/ocs/signin\?step=2&f=8&r=\S+)$};
$r = $a->get($totp_step // '/', jar => 'nora');
is($r->status, 403, 'TOTP only, no TOTP secret: told at once');
like($r->body, qr/value="signout"/, 'no TOTP secret: a way back');

# wrong codes count towards a lock of their own (the default 4)

signin('dave', 'dave4');
step('dave4', '000000') for 1 .. 4;
$r = step('dave4', totp($DAVE, offset => 30));
is($r->status, 429, 'four wrong codes: locked');
like($a->error_log, qr/\[auth_ocs:warn\].*sign-ins of user "dave" from 127\.0\.0\.1 locked for 900 s after 4 failed codes/,
     'the code lock logged');

# the way back: the second step's page can end the session

signin('tina', 'tina');
$a->copy_jar('tina', 'tina-copy');
($page, $form) = step_form('tina');
my ($out) = $page->body =~ /value="signout">\n<input type="hidden" name="csrf" value="([\w-]{43})">/;
$r = $a->post('/ocs/signin', jar => 'tina',
              form => [step => 'signout', csrf => $form->{csrf},
                       r => '/app/']);
is($r->status, 403, 'sign-out with another token: refused');
$r = $a->post('/ocs/signin', jar => 'tina',
              form => [step => 'signout', csrf => $out // '', r => '/app/']);
is($r->status, 303, 'signed out from the second step: 303');
like($r->header('Location') // '', qr{/ocs/signin\?r=%2Fapp%2F$},
     'to the first step, the way back kept');
is($a->get('/plain/', jar => 'tina-copy', headers => ['Accept: text/html'])
   ->status, 302, 'a copy of the ticket is revoked');

# a browser's failed code: 303 to the step, which shows the note once

my $nav = ['Sec-Fetch-Mode: navigate', 'Sec-Fetch-Site: same-origin'];
signin('tina', 'tina2');
(undef, $form) = step_form('tina2');
$r = $a->post('/ocs/signin', jar => 'tina2', headers => $nav,
              form => [step => 2, f => 40, state => $form->{state},
                       csrf => $form->{csrf}, r => '/app/',
                       code => '000000']);
is($r->status, 303, 'browser, a wrong code: 303 back to the step');
$r = $a->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F', jar => 'tina2',
             headers => $nav);
is($r->status, 401, 'browser: the step says 401, once');
like($r->body, qr/The code is not correct\./, 'browser: the message');
$r = $a->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F', jar => 'tina2',
             headers => $nav);
is($r->status, 200, 'browser: reloaded, the plain form');

# a second step posted from another site

(undef, $form) = step_form('tina2');
$r = $a->post('/ocs/signin', jar => 'tina2',
              headers => ['Sec-Fetch-Site: cross-site'],
              form => [step => 2, state => $form->{state},
                       csrf => $form->{csrf}, r => '/app/',
                       code => totp($DAVE)]);
is($r->status, 403, 'posted from another site: 403');
like($a->error_log, qr/second step posted from another site refused/,
     'posted from another site: logged');

# the same answers and pages as nginx, tokens aside

sub same {
    my ($what, $rn, $ra) = @_;
    my @norm = map {
        my $b = $_->body;
        $b =~ s/value="[\w-]{20,}"/value="TOKEN"/g;
        $b
    } ($rn, $ra);
    is($ra->status . ' ' . $norm[1], $rn->status . ' ' . $norm[0],
       "as nginx: $what");
}

signin('erin', 'cmp');
$n->write_file('jar-cmp', $a->read_file('jar-cmp'));
my @h = ('Accept: application/json');
same('the 401 to a script',
     $n->get('/app/', jar => 'cmp', headers => \@h),
     $a->get('/app/', jar => 'cmp', headers => \@h));
is($a->get('/app/', jar => 'cmp', headers => \@h)
   ->header('WWW-Authenticate'),
   $n->get('/app/', jar => 'cmp', headers => \@h)
   ->header('WWW-Authenticate'), 'as nginx: the challenge');
same('the step page', $n->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F',
                              jar => 'cmp'),
     $a->get('/ocs/signin?step=2&f=40&r=%2Fapp%2F', jar => 'cmp'));
same('a wrong code', step_n('cmp', '000000'), step('cmp', '000000'));
same('a sign-in page without a factor',
     $n->get('/bare/signin?step=2&r=%2Fapp%2F', jar => 'cmp'),
     $a->get('/bare/signin?step=2&r=%2Fapp%2F', jar => 'cmp'));

sub step_n {
    my ($jar, $code) = @_;
    my $p = $n->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $jar);
    return $n->post('/ocs/signin', jar => $jar,
                    form => [step => 2, state => $p->field('state'),
                             csrf => $p->field('csrf'), r => '/app/',
                             code => $code]);
}

unlike($a->logs, qr/alice-pw|$ALICE|$DAVE|$ERIN|123456|654321/,
       'no secret in the logs');

$n->stop;
$echo->stop;
$a->done;
