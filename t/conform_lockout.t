#!/usr/bin/perl

# Conformance: the sign-in lockout on nginx and Apache (the sign-in
# part's OCSLockout and SetHandler ocs-lockout-admin, over the stores
# part's shared store).  Three failures of one account from one
# address lock it, even the right password then gets 429 with
# Retry-After and no ticket; another address and another account are
# not locked; the administrator's list shows the lock and clears it;
# the lock and the clearing are logged at the same levels.  Wrong codes
# of the second step count with the same location's limits, in a count
# of their own: three lock the account's codes for the location's hour
# while its password still works, and a location with the lockout off
# counts none (Apache once counted codes with the defaults, address=30
# and account=4, and ignored off).  Until the Apache part is merged the
# Apache half is skipped, loudly.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use OCS::Step qw(totp_users step);
use Test::More;

my $SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

my $c = OCS::Conform->new(tests => 24);

$c->users(alice => 'alice-pw', bob => 'bob-pw');
$c->keyfile('ticket.keys');

$c->prepare(sub {
    my ($t) = @_;
    totp_users($t, alice => $SECRET, bob => $SECRET);
});

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_zone guard:1m;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout account=3 address=5 window=1m lock=1h;
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

$c->apache(<<'EOF', part => 'sign-in and lockout', probe => \&admin_page);
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSTOTP on
        OCSLockout account=3 address=5 window=1m lock=1h
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

sub admin_page {
    my ($t) = @_;
    my $r = $t->get('/admin/lockout');
    return $r->body =~ /^# sign-in locks/ ? ''
         : 'GET /admin/lockout answers ' . $r->status . ', not the list';
}

$c->run(sub {
    my ($t) = @_;

    my $signin = sub {
        my ($user, $password, $from) = @_;
        return $t->signin($user, $password, jar => 'j',
                          curl => ['--interface', $from || '127.0.0.1']);
    };

    $c->log_mark;
    is($signin->('alice', 'wrong')->status, 401, "failure $_") for 1 .. 3;

    my $r = $signin->('alice', 'alice-pw');
    is($r->status, 429, 'locked: even the right password gets 429');
    like($r->body, qr/Too many failed sign-ins\./, 'locked: the page says so');
    like($r->header('Retry-After') // '', qr/^\d+$/, 'locked: Retry-After');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'locked: no ticket');

    $c->log_like('warn', qr/sign-ins of user "alice" from 127\.0\.0\.1 locked /
                 .qr/for \d+ s after 3 failed passwords/, 'log: the lock, at warn');
    $c->log_like('error', qr/sign-in of user "alice" refused: too many /
                 . qr/failures/, 'log: the refusal, at error');

    is($signin->('alice', 'alice-pw', '127.0.0.2')->status, 303,
       'from another address: in');
    is($signin->('bob', 'bob-pw')->status, 303, 'another account: in');

    # the administrator's list and clearing

    like($t->get('/admin/lockout')->body,
         qr/^locked +user alice address 127\.0\.0\.1 /m, 'admin: the lock listed');

    $c->log_mark;
    $r = $t->post('/admin/lockout', form => [clear => 'user alice']);
    like($r->body, qr/^cleared [1-9]/, 'admin: cleared');
    $c->log_like('notice', qr/entries cleared \("user alice"\)/,
                 'log: the clearing, at notice');
    is($signin->('alice', 'alice-pw')->status, 303, 'cleared: in again');

    # wrong second-step codes, with this location's limits

    $t->post('/admin/lockout', form => [clear => 'all']);
    $t->signin('bob', 'bob-pw', jar => 'bob');

    $c->log_mark;
    is(step($t, 'bob', '000000')->status, 401, "wrong code $_") for 1 .. 3;

    $r = step($t, 'bob', '000000');
    is($r->status, 429, 'three wrong codes: locked');
    like($r->body, qr/Too many wrong codes/, 'codes locked: the page says so');
    $c->log_like('warn', qr/sign-ins of user "bob" from 127\.0\.0\.1 locked /
                 . qr/for 3600 s after 3 failed codes$/,
                 'log: the code lock, with the location\'s limits');
    is($t->signin('bob', 'bob-pw', jar => 'bob2')->status, 303,
       'codes locked: the password still works');

    # off: no code counted, however many

    $t->signin('alice', 'alice-pw', jar => 'alice');

    $c->log_mark;
    is_deeply([map { step($t, 'alice', '000000', signin => '/open/signin')
                     ->status } 1 .. 5], [(401) x 5],
              'lockout off: five wrong codes, none locked');
    $c->log_unlike('warn', qr/ locked for /, 'lockout off: no lock logged');
});
