#!/usr/bin/perl

# Conformance: the second step (TOTP) on nginx and Apache (the factor
# part's OCSSecondFactor and OCSTOTP, on the sign-in part's page).  A
# password session meets a service that needs more: a page is sent to
# the step (302 with step=2), a script gets 401 that says where; the
# step page; the right code steps up and seals the ticket again with
# both methods; the same form again, a code used before and a wrong
# code are refused and logged alike.  The password sessions come from
# the issuer.  Until the Apache parts are merged the Apache half is
# skipped, loudly.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use OCS::Step qw(totp totp_users);
use Test::More;
use Time::HiRes qw(sleep time);

plan(skip_all => OCS::Step::missing()) if OCS::Step::missing();

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';

my $c = OCS::Conform->new(tests => 16);

$c->users(alice => 'alice-pw');
$c->keyfile('ticket.keys');

# the servers' user file has alice's TOTP secret; the issuer's has not
$c->prepare(sub {
    my ($t) = @_;
    totp_users($t, alice => $ALICE);
});

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;

        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_echo%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
        }
    }
}
EOF

$c->apache(<<'EOF', part => 'second step (factor, sign-in)', probe => \&step_page);
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp
        RequestHeader set X-Info "%{OCS_USER}e|%{OCS_AUTH_METHOD}e"
        ProxyPass http://127.0.0.1:%%PORT_echo%%/app/
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSTOTP on
    </Location>
</VirtualHost>
EOF

sub step_page {
    my ($t) = @_;
    my $r = $t->get('/ocs/signin');
    return $r->status == 200 && $r->body =~ /name="csrf"/ ? ''
         : 'GET /ocs/signin answers ' . $r->status . ', not the form';
}

$c->run(sub {
    my ($t) = @_;

    # the codes below are for the current 30 s step: start early in one
    my $into = time % 30;
    sleep(31 - $into) if $into > 20;

    my $jar = 'alice';
    $t->write_file("jar-$jar", "127.0.0.1\tFALSE\t/\tTRUE\t0\t"
                   . "__Host-ocs_ticket\t" . $c->ticket('alice') . "\n");

    my $r = $t->get('/app/', jar => $jar, headers => ['Accept: text/html']);
    is($r->status, 302, 'a password session: sent to the second step');
    like($r->header('Location') // '', qr{/ocs/signin\?step=2&f=\d+&r=%2Fapp%2F$},
         'to the step, with the factors and the return URL');

    $r = $t->get('/app/', jar => $jar, headers => ['Accept: application/json']);
    is($r->status, 401, 'a script: 401');
    like($r->raw_headers, qr/WWW-Authenticate: OCS-Forms signin="[^"]*step=2/,
         'a script: told where the step is');

    my $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $jar);
    is($page->status, 200, 'the step page');
    like($page->body, qr/Signed in as <strong>alice<\/strong>/,
         'the page names the session\'s user');
    like($page->body, qr/autocomplete="one-time-code"/, 'a code field');

    my %f = (state => $page->field('state'), csrf => $page->field('csrf'));
    my $step = sub {
        my ($code, %o) = @_;
        return $t->post('/ocs/signin', jar => $o{jar} || $jar,
                        form => [step => 2, state => $f{state},
                                 csrf => $f{csrf}, r => '/app/',
                                 code => $code]);
    };

    $c->log_mark;
    $r = $step->('000000' eq totp($ALICE) ? '111111' : '000000');
    is($r->status, 401, 'a wrong code: refused');
    like($r->body, qr/The code is not correct/, 'the page says so');
    $c->log_like('error', qr/second step of user "alice" failed: wrong TOTP /
                 . qr/code/, 'log: the wrong code, at error');

    $c->log_mark;
    my $code = totp($ALICE);
    $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $jar);
    %f = (state => $page->field('state'), csrf => $page->field('csrf'));
    $r = $step->($code);
    is($r->status, 303, 'the right code: stepped up');
    like($r->set_cookie('__Host-ocs_ticket') // '', qr/Secure; HttpOnly/,
         'the ticket sealed again');
    $c->log_like('notice', qr/user "alice" completed the second step with /
                 . qr/TOTP/, 'log: the step, at notice');

    like($t->get('/app/', jar => $jar)->body,
         qr/^X-Info: alice\|password,totp\r?$/mi,
         'the ticket records both methods');

    # the same form again: used
    $r = $step->($code);
    is($r->status, 403, 'the same form again: refused');

    # a code used before, on a new form
    $t->write_file('jar-again', "127.0.0.1\tFALSE\t/\tTRUE\t0\t"
                   . "__Host-ocs_ticket\t" . $c->ticket('alice') . "\n");
    $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => 'again');
    %f = (state => $page->field('state'), csrf => $page->field('csrf'));
    $r = $step->($code, jar => 'again');
    like($r->body, qr/This code was used already/, 'a code used before: refused');
});
