#!/usr/bin/perl

# Per-service inactivity within one single sign-on session: three services
# with different idle timeouts, one user moving between them.
#
#   t=0    sign in; visit cwa (idle 2s), abs (4s), conf (6s)
#   t=2.5  cwa is over its limit: only cwa asks to sign in again;
#          abs and conf go on; "new" (2s), not visited yet, counts from
#          the last activity anywhere and lets the user in
#   t=5    abs was used at 2.5, conf at 2.5: both alive; cwa2 is part of
#          cwa and still refused; signing in again opens cwa

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test->new;
plan tests => 14;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path($_) for qw(cwa cwa2 abs conf new busy);
$t->write_file("$_/index.html", "$_\n") for qw(cwa cwa2 abs conf new busy);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_refresh 1s;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        root %%TESTDIR%%;

        location /cwa/ {
            ocs_sso_service cwa idle=2s;
        }

        location /cwa2/ {
            ocs_sso_service cwa idle=2s;
        }

        location /abs/ {
            ocs_sso_service abs idle=4s;
        }

        location /conf/ {
            ocs_sso_service conf idle=6s;

            location /conf/free/ {
                ocs_sso_service off;
            }
        }

        location /new/ {
            ocs_sso_service new idle=2s;
        }

        location /busy/ {
            ocs_sso_refresh 1h;
            ocs_sso_service busy idle=2s;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

sub st { return $t->get($_[0], jar => 'a')->status }

$t->signin('alice', 'pw', jar => 'a');

is(st('/cwa/'), 200, 't=0: cwa');
is(st('/abs/'), 200, 't=0: abs');
is(st('/conf/'), 200, 't=0: conf');

sleep 2.5;

is(st('/abs/'), 200, 't=2.5: abs within its 4s');
is(st('/conf/'), 200, 't=2.5: conf within its 6s');
is(st('/cwa/'), 302, 't=2.5: cwa idle for 2s: sign in again');
is(st('/cwa2/'), 302, 't=2.5: cwa2 is the same service');
is(st('/new/'), 200,
   't=2.5: a service not visited yet counts from the last activity');
is(st('/conf/free/'), 404, 'service off in a nested location');

# that a visit keeps each service's own clock going is the core's
# (test_session.c, frozen clock); this file proves the wiring once

$t->signin('alice', 'pw', jar => 'a');
is(st('/cwa/'), 200, 'signed in again: cwa');
is(st('/cwa2/'), 200, 'signed in again: cwa2');

# a refresh period longer than the service's idle timeout is cut to half
# of it, so a user who keeps working is never thrown out

$t->signin('alice', 'pw', jar => 'b');
my @busy;
for (1 .. 6) {
    push @busy, $t->get('/busy/', jar => 'b')->status;
    sleep 0.6;
}
is_deeply(\@busy, [(200) x 6],
          'busy for 3.6s in a 2s service with refresh 1h: still in');

like($t->error_log,
     qr/\[info\].*ticket of user "alice" rejected: idle timeout in service "cwa"/,
     'log names the service');

$t->done;
