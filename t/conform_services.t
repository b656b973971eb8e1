#!/usr/bin/perl

# Conformance: per-service inactivity within one single sign-on session
# (t/services.t for nginx) on nginx and Apache: three services with
# different idle timeouts, one user moving between them; a service not
# visited yet counts from the last activity anywhere; "off" in a nested
# section; a refresh period cut to half of a service's idle.

use strict;
use warnings;

use lib 't/lib';
use OCS::Conform;
use Test::More;
use Time::HiRes qw(sleep);

my $c = OCS::Conform->new(tests => 12);

$c->users(alice => 'pw');
$c->keyfile('ticket.keys');

$c->nginx(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_refresh 1s;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        root %%TESTDIR%%;

        location /cwa/ { ocs_sso_service cwa idle=2s; }
        location /cwa2/ { ocs_sso_service cwa idle=2s; }
        location /abs/ { ocs_sso_service abs idle=4s; }
        location /conf/ {
            ocs_sso_service conf idle=6s;
            location /conf/free/ { ocs_sso_service off; }
        }
        location /new/ { ocs_sso_service new idle=2s; }
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

$c->apache(<<'EOF');
LoadModule dir_module %%MODULES%%/mod_dir.so
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSRefresh 1s

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    DocumentRoot %%TESTDIR%%
    <Directory %%TESTDIR%%>
        Require all granted
    </Directory>

    <Location />
        AuthType OCS-Forms
        Require valid-user
    </Location>
    <Location /cwa/>
        OCSService cwa idle=2s
    </Location>
    <Location /cwa2/>
        OCSService cwa idle=2s
    </Location>
    <Location /abs/>
        OCSService abs idle=4s
    </Location>
    <Location /conf/>
        OCSService conf idle=6s
    </Location>
    <Location /conf/free/>
        OCSService off
    </Location>
    <Location /new/>
        OCSService new idle=2s
    </Location>
    <Location /busy/>
        OCSRefresh 1h
        OCSService busy idle=2s
    </Location>
    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>
EOF

$c->run(sub {
    my ($t) = @_;

    for my $d (qw(cwa cwa2 abs conf new busy)) {
        mkdir $t->path($d);
        $t->write_file("$d/index.html", "$d\n");
    }

    my $st = sub { return $t->get($_[0], jar => 'a')->status };

    $t->signin('alice', 'pw', jar => 'a');

    is($st->('/cwa/'), 200, 't=0: cwa');
    is($st->('/abs/'), 200, 't=0: abs');
    is($st->('/conf/'), 200, 't=0: conf');

    sleep 2.5;

    is($st->('/abs/'), 200, 't=2.5: abs within its 4s');
    is($st->('/conf/'), 200, 't=2.5: conf within its 6s');
    is($st->('/cwa/'), 302, 't=2.5: cwa idle for 2s: sign in again');
    is($st->('/cwa2/'), 302, 't=2.5: cwa2 is the same service');
    is($st->('/new/'), 200,
       't=2.5: a service not visited yet counts from the last activity');
    is($st->('/conf/free/'), 404, 'service off in a nested section');

    $t->signin('alice', 'pw', jar => 'a');
    is($st->('/cwa/'), 200, 'signed in again: cwa');

    # a refresh longer than the service's idle is cut to half of it
    $t->signin('alice', 'pw', jar => 'b');
    my @busy;
    for (1 .. 6) {
        push @busy, $t->get('/busy/', jar => 'b')->status;
        sleep 0.6;
    }
    is_deeply(\@busy, [(200) x 6],
              'busy for 3.6s in a 2s service with refresh 1h: still in');

    $c->log_like('info', qr/ticket of user "alice" rejected: idle timeout in service "cwa"/,
                 'the log names the service');
});
