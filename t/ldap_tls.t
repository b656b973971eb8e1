#!/usr/bin/perl

# The connection to the directory: LDAPS and StartTLS with certificate
# checks, a wrong CA, checks turned off, failover when the first server
# is down, the directory going down and coming back, config errors.

use strict;
use warnings;

use lib 't/lib';
use IO::Socket::INET;
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 21;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

# a port where nothing listens, for the failover case
my $dead = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                 Listen => 1)->sockport;

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    ocs_ldap_directory ldaps {
        url %%LDAPS%%;
        ca_file %%CA%%;
        %%BIND%%
    }

    ocs_ldap_directory starttls {
        url %%LDAP%%;
        starttls on;
        ca_file %%CA%%;
        %%BIND%%
    }

    ocs_ldap_directory wrongca {
        url %%LDAPS%%;
        ca_file %%OTHERCA%%;
        connect_timeout 2s;
        %%BIND%%
    }

    ocs_ldap_directory noverify {
        url %%LDAPS%%;
        ca_file %%OTHERCA%%;
        tls_verify off;
        %%BIND%%
    }

    ocs_ldap_directory single {
        url %%LDAP%%;
        connections 1;
        %%BIND%%
    }

    ocs_ldap_directory failover {
        url ldap://127.0.0.1:%%DEAD%% %%LDAP%%;
        connect_timeout 1s;
        %%BIND%%
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            return 404;
        }

        location = /ocs/signin { ocs_auth_signin; ocs_auth_ldap ldaps; }
        location = /ldaps/signin { ocs_auth_signin; ocs_auth_ldap ldaps; }
        location = /starttls/signin { ocs_auth_signin; ocs_auth_ldap starttls; }
        location = /wrongca/signin { ocs_auth_signin; ocs_auth_ldap wrongca; }
        location = /noverify/signin { ocs_auth_signin; ocs_auth_ldap noverify; }
        location = /failover/signin { ocs_auth_signin; ocs_auth_ldap failover; }
        location = /single/signin { ocs_auth_signin; ocs_auth_ldap single; }
    }
}
EOF

my $bind = 'bind_dn "' . $ldap->bind_dn . '"; bind_password_file '
    . $ldap->bind_password_file . '; base "dc=contoso,dc=com"; '
    . 'filter "(objectClass=inetOrgPerson)";';

$conf =~ s/%%BIND%%/$bind/g;
$conf =~ s/%%LDAPS%%/$ldap->url('ldaps')/ge;
$conf =~ s/%%LDAP%%/$ldap->url('ldap')/ge;
$conf =~ s/%%OTHERCA%%/$ldap->other_ca_file/ge;
$conf =~ s/%%CA%%/$ldap->ca_file/ge;
$conf =~ s/%%DEAD%%/$dead/g;

$t->run($conf);

like($t->startup_log,
     qr/\[warn\].*ocs_ldap_directory "noverify": certificate verification is off/,
     'verification off: warned at start');
like($t->startup_log,
     qr/\[warn\].*ocs_ldap_directory "single": "ldap:.*" without starttls sends passwords in clear/,
     'ldap:// without starttls: warned at start');
unlike($t->startup_log, qr/"starttls": .*without starttls/,
       'ldap:// with starttls: no warning');

sub signin {
    my ($dir, $user, $pw) = @_;
    return $t->signin($user, $pw, jar => "$dir-$user-" . rand(),
                      signin => "/$dir/signin");
}

is(signin('ldaps', 'alice', 'alice-pw')->status, 303, 'ldaps');
is(signin('ldaps', 'alice', 'wrong')->status, 401, 'ldaps: wrong password');
is(signin('starttls', 'alice', 'alice-pw')->status, 303, 'starttls');

my $r = signin('wrongca', 'alice', 'alice-pw');
is($r->status, 503, 'certificate from an unknown CA: refused');
like($r->body, qr/directory that checks passwords cannot be reached/,
     'unknown CA: says the directory is unavailable');

is(signin('noverify', 'alice', 'alice-pw')->status, 303,
   'verification off: signs in');

is(signin('failover', 'alice', 'alice-pw')->status, 303,
   'failover: first server down, second answers');

# a pooled connection left bound as a user, then the server restarts:
# the next sign-in reconnects instead of failing

is(signin('single', 'alice', 'wrong')->status, 401, 'single: wrong password');
$ldap->stop;
$ldap->start;
is(signin('single', 'alice', 'alice-pw')->status, 303,
   'single: reconnects after the server restarted');

# the directory goes down and comes back

$ldap->stop;

$r = signin('starttls', 'alice', 'alice-pw');
is($r->status, 503, 'directory down: 503');
like($r->body, qr/cannot be reached/, 'directory down: says so');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'directory down: no ticket');
unlike($r->body, qr/user name or password is incorrect/,
       'directory down: not "wrong password"');

$ldap->start;

is(signin('starttls', 'alice', 'alice-pw')->status, 303,
   'directory back: signs in again');

my $log = $t->error_log;
my $url = $ldap->url('ldap');
like($log, qr/\[error\].*directory "starttls" unavailable: \Q$url\E/,
     'log: unavailable, names the server');
like($log, qr/\[error\].*directory "wrongca" unavailable: .*ldaps:/,
     'log: wrong CA names the server');
unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$t->done;
