#!/usr/bin/perl

# Conformance: the one-use marks of the second step in a full lockout
# store (nginx's ocs_auth_zone, Apache's OCSLockoutStore), each the
# smallest its server takes.  A used TOTP code stays used when failed
# sign-ins flood the store: a full store makes room by dropping the
# oldest failure counts, never a mark while it holds, so the code is
# still refused as used after more failures than the store has room
# for.  The refused code counts with the sign-in location's lockout
# (address=1000), not the defaults (address=30), so the flood's address
# is not locked by it.  A store whose old end holds only marks still in
# use has no room for another: the second step is refused with a 503 to
# try again later, logged once at error, and never let through.  The
# marks come from a location with the lockout off, whose wrong codes
# are not counted.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use OCS::Step qw(totp totp_users step step_forms);
use Test::More;

plan(skip_all => OCS::Step::missing()) if OCS::Step::missing();

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';
my $TINA = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

my $c = OCS::Conform->new(tests => 19);

$c->users(alice => 'alice-pw', tina => 'tina-pw', bob => 'bob-pw');
$c->keyfile('ticket.keys');

$c->prepare(sub {
    my ($t) = @_;
    totp_users($t, alice => $ALICE, tina => $TINA, bob => $TINA);
});

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_zone guard:32k;

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
            ocs_auth_lockout account=3 address=1000 lock=1h;
        }

        location = /open/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout off;
        }

        location = /admin/lockout {
            ocs_auth_lockout_admin;
            allow 127.0.0.1;
            deny all;
        }
    }
}
EOF

$c->apache(<<'EOF', part => 'second step and lockout', probe => \&step_page);
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSLockoutStore 8k

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
        OCSLockout account=3 address=1000 lock=1h
    </Location>

    <Location /open/signin>
        SetHandler ocs-signin
        OCSTOTP on
        OCSLockout off
    </Location>

    <Location /admin/lockout>
        SetHandler ocs-lockout-admin
        Require ip 127.0.0.1
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    my $flood = $c->differ(
        'failed sign-ins that overfill the smallest lockout store',
        nginx => 400, apache => 40,
        why => 'the smallest ocs_auth_zone (32k, 8 pages) holds about 190 '
               . 'entries of slab memory; the smallest OCSLockoutStore '
               . '(8k) holds 20 fixed slots. Each flood is twice that');

    my $signin = sub {
        my ($user, $jar) = @_;
        return $t->signin($user, "$user-pw", jar => $jar,
                          back => '%2Fapp%2F');
    };

    # the code below is for the current 30 s step: start early in one,
    # so that the flood ends while the code is still good
    my $into = time % 30;
    sleep(31 - $into) if $into > 10;

    # alice uses a code; then more failed sign-ins than the store holds

    is($signin->('alice', 'alice')->status, 303, 'alice: the password');
    my $code = totp($ALICE);
    is(step($t, 'alice', $code)->status, 303, 'alice: the code, stepped up');

    my $page = $t->get('/ocs/signin', jar => 'flood');
    my @failed = $t->posts('/ocs/signin', [map {
        [csrf => $page->field('csrf'), r => $page->field('r'),
         username => "flood$_", password => 'wrong', computer => 'public']
    } 1 .. $flood], jar => 'flood');

    is_deeply([grep { $_ ne '401' } @failed], [],
              "the flood: $flood failed sign-ins");

    my $list = $t->get('/admin/lockout')->body;
    ok($list !~ /user flood1 / && $list =~ /user flood$flood /,
       'the flood: the store full, its oldest counts dropped');

    $c->log_mark;
    is($signin->('alice', 'alice2')->status, 303,
       'alice again: the password');
    my $r = step($t, 'alice2', $code);
    is($r->status, 401, 'after the flood: the used code still refused');
    like($r->body, qr/This code was used already/, 'the page says so');
    $c->log_like('error', qr/second step of user "alice" refused: the /
                 . qr/TOTP code was used before$/, 'log: a replay, at error');

    # counted with address=1000, as the flood was: no lock of its address
    $c->log_unlike('warn', qr/ locked for /, 'log: the refusal locks nothing');

    # the store still takes marks: the flood's counts make room

    is($signin->('tina', 'tina')->status, 303,
       'tina: the password, from the flood\'s address');
    is(step($t, 'tina', totp($TINA))->status, 303,
       'after the flood: a new code is marked and passes');
    like($t->get('/app/', jar => 'tina')->body,
         qr/^X-Info: tina\|password,totp\r?$/mi, 'tina: stepped up');

    # a store of marks still in use: no room for one more, no code passes

    is($signin->('bob', 'bob')->status, 303, 'bob: the password');

    my $wrong = totp($TINA) eq '000000' ? '111111' : '000000';
    my @forms = step_forms($t, 'bob', $flood, $wrong,
                           signin => '/open/signin');

    $c->log_mark;
    my @steps = $t->posts('/open/signin', \@forms, jar => 'bob');
    my $full = grep { $_ eq '503' } @steps;

    ok(@steps == $flood && "@steps" =~ /^(401 )+(503 ?)+$/,
       'marks only: the first forms marked, then a 503 for each')
        or diag("@steps");

    $r = step($t, 'bob', totp($TINA), signin => '/open/signin');
    is($r->status, 503, 'full of marks: even the right code gets 503');
    like($r->body, qr/Your code cannot be checked now\. Please try again in a few minutes\./,
         'the page says to try again later');
    $c->same('the 503 page', $c->shape($r), 'the 503 page, byte for byte');

    $r = $t->get('/app/', jar => 'bob', headers => ['Accept: text/html']);
    ok($r->status == 302 && ($r->header('Location') // '') =~ /step=2/,
       'full of marks: the session did not step up');

    is($c->log_count('error', qr/second step of user "bob" refused: the /
                     . qr/lockout store has no room to mark the /
                     . qr/(?:form|TOTP code) used$/), $full + 1,
       'each refusal logged once, at error');
});

sub step_page {
    my ($t) = @_;
    my $r = $t->get('/ocs/signin');
    return $r->status == 200 && $r->body =~ /name="csrf"/ ? ''
         : 'GET /ocs/signin answers ' . $r->status . ', not the form';
}
