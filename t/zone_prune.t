#!/usr/bin/perl

# Revocations are dropped once the tickets they cover have expired
# anyway: a small zone that would fill with 60 revocations at once takes
# them in two waves when the first wave's tickets have run out.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test->new;
plan tests => 4;

$t->users(admin => 'admin-pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_zone small:32k;
    ocs_sso_computer public lifetime=2s;
    ocs_sso_computer private lifetime=2s;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /admin/sessions {
            ocs_auth forms;
            ocs_logoff_admin admin;
        }
    }
}
EOF

# the administrator's own ticket lives 2 s too: on a loaded machine the
# 30 requests may outlast it, and then the administrator signs in again
# (the test is about the zone's room, not about speed)
sub admin {
    my ($jar) = @_;
    $t->signin('admin', 'admin-pw', jar => $jar);
    return $t->get('/admin/sessions', jar => $jar)->field('csrf');
}

sub wave {
    my ($from) = @_;

    my $jar = "admin$from";
    my $token = admin($jar);
    my $ok = 0;

    for my $n ($from .. $from + 29) {
        my $user = sprintf('user%04d-%s', $n, 'x' x 200);

        for my $try (1 .. 3) {
            my $status = $t->post('/admin/sessions', jar => $jar,
                                  form => [csrf => $token, user => $user])
                           ->status;

            if ($status == 200) {
                $ok++;
                last;
            }

            $token = admin($jar);
        }
    }

    return $ok;
}

is(wave(0), 30, 'first wave of 30 revocations');

# every ticket the first wave covers has expired by now
sleep 3.2;

is(wave(100), 30, 'second wave of 30 revocations');
unlike($t->error_log, qr/is full/,
       'the expired revocations made room: the zone never filled');

$t->done;
