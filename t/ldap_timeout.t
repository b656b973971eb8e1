#!/usr/bin/perl

# Every network step of a directory operation has a deadline: a domain
# controller that accepts the connection and never answers (a silent
# listener, or a SIGSTOPped slapd) costs a sign-in at most
# connect_timeout + timeout per server, then the next server is tried,
# and the user gets the 503 page when none answers.  Over ldaps:// and
# StartTLS, for sign-ins and for the re-checks of live sessions.

use strict;
use warnings;

use lib 't/lib';
use OCS::Silent;
use OCS::Slapd;
use OCS::Test;
use Test::More;
use Time::HiRes qw(time sleep);

my $t = OCS::Test->new;
plan tests => 30;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

my $silent = OCS::Silent->new;
my $quiet = 'ldap://127.0.0.1:' . $silent->port;
my $quiets = 'ldaps://127.0.0.1:' . $silent->port;

# connect_timeout 1s + timeout 2s: 3 s per server at most
my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    ocs_ldap_directory ldaps_silent { url %%QUIETS%%; %%COMMON%% }
    ocs_ldap_directory starttls_silent {
        url %%QUIET%%; starttls on; %%COMMON%%
    }
    ocs_ldap_directory failover { url %%QUIETS%% %%LDAPS%%; %%COMMON%% }
    ocs_ldap_directory stopped { url %%LDAPS%%; %%COMMON%% }
    ocs_ldap_directory stopped_tls {
        url %%LDAP%%; starttls on; connections 1; %%COMMON%%
    }

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_signin_url /stopped/signin;

        location = /ldaps_silent/signin {
            ocs_auth_signin; ocs_auth_ldap ldaps_silent;
        }
        location = /starttls_silent/signin {
            ocs_auth_signin; ocs_auth_ldap starttls_silent;
        }
        location = /failover/signin {
            ocs_auth_signin; ocs_auth_ldap failover;
        }
        location = /stopped/signin {
            ocs_auth_signin; ocs_auth_ldap stopped;
        }
        location = /stopped_tls/signin {
            ocs_auth_signin; ocs_auth_ldap stopped_tls;
        }

        location /app/ {
            ocs_auth forms;
            ocs_auth_ldap stopped;
            ocs_auth_recheck 1s;
            ocs_sso_identity_header X-Ocs-User;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "app for $http_x_ocs_user\n"; }
    }
}
EOF

my $common = 'ca_file ' . $ldap->ca_file . '; '
    . 'connect_timeout 1s; timeout 2s; '
    . 'bind_dn "' . $ldap->bind_dn . '"; bind_password_file '
    . $ldap->bind_password_file . '; base "dc=contoso,dc=com"; '
    . 'filter "(objectClass=inetOrgPerson)";';

$conf =~ s/%%COMMON%%/$common/g;
$conf =~ s/%%QUIETS%%/$quiets/g;
$conf =~ s/%%QUIET%%/$quiet/g;
$conf =~ s/%%LDAPS%%/$ldap->url('ldaps')/ge;
$conf =~ s/%%LDAP%%/$ldap->url('ldap')/ge;

$t->run($conf);

# slack for a loaded machine on top of each bound; never a lower bound
my $SLACK = 4;

sub signin {
    my ($dir, $user, $pw, $jar) = @_;
    return $t->signin($user, $pw, jar => $jar || "$dir-$user-" . rand(),
                      signin => "/$dir/signin");
}

# the sign-in POST alone is timed: the form comes from nginx itself
sub timed_signin {
    my ($dir, $user, $pw) = @_;

    my $jar = "$dir-$user-" . rand();
    my $page = $t->get("/$dir/signin", jar => $jar);
    my $start = time;
    my $r = $t->post("/$dir/signin", jar => $jar, timeout => 60,
                     form => [csrf => $page->field('csrf'),
                              r => $page->field('r'), username => $user,
                              password => $pw, computer => 'public']);
    return ($r, time - $start);
}

# ldaps:// to a server that accepts and never answers: the TLS handshake

my ($r, $took) = timed_signin('ldaps_silent', 'alice', 'alice-pw');
is($r->status, 503, 'ldaps, silent server: 503');
like($r->body, qr/cannot be reached/, 'ldaps, silent server: says so');
cmp_ok($took, '<', 3 + $SLACK, 'ldaps, silent server: within the bound');
ok($silent->accepted >= 1, 'ldaps, silent server: it was connected to');

# StartTLS to the same: the extended operation gets no answer

($r, $took) = timed_signin('starttls_silent', 'alice', 'alice-pw');
is($r->status, 503, 'starttls, silent server: 503');
cmp_ok($took, '<', 3 + $SLACK, 'starttls, silent server: within the bound');

# two servers, the first silent: the second signs the user in in time

($r, $took) = timed_signin('failover', 'alice', 'alice-pw');
is($r->status, 303, 'failover past a silent server: signed in');
cmp_ok($took, '<', 3 + $SLACK, 'failover: within one server\'s bound');

# a second sign-in starts with the server that answered

($r, $took) = timed_signin('failover', 'alice', 'alice-pw');
is($r->status, 303, 'failover again: signed in');
cmp_ok($took, '<', $SLACK, 'failover again: no wait for the silent one');

# a real slapd, paused: first with no connection open yet (the TLS
# handshake of a new connection), then with pooled ones

my $stopped_jar = 'app-alice';
is(signin('stopped', 'alice', 'alice-pw', $stopped_jar)->status, 303,
   'stopped: signs in while slapd runs');
is(signin('stopped_tls', 'alice', 'alice-pw')->status, 303,
   'stopped_tls: signs in while slapd runs');

kill 'STOP', $ldap->pid;

($r, $took) = timed_signin('stopped', 'alice', 'alice-pw');
is($r->status, 503, 'slapd stopped, pooled ldaps connection: 503');
cmp_ok($took, '<', 2 + 3 + $SLACK, 'slapd stopped, pooled: within the bound');

($r, $took) = timed_signin('stopped_tls', 'alice', 'alice-pw');
is($r->status, 503, 'slapd stopped, starttls: 503');
cmp_ok($took, '<', 2 + 3 + $SLACK, 'slapd stopped, starttls: within the bound');

# a signed-in user whose re-check falls due meanwhile: the request goes
# on with the ticket's facts once the deadline passes

sleep 1.5;

my $start = time;
$r = $t->get('/app/', jar => $stopped_jar, timeout => 60);
$took = time - $start;
is($r->status, 200, 're-check against a stopped slapd: request served');
like($r->body, qr/app for alice/, 're-check: still the same user');
cmp_ok($took, '<', 2 + 3 + $SLACK, 're-check: within the bound');

# a client that gives up while its sign-in waits on the stopped slapd:
# the request ends as "client closed" (499), the task's answer is
# dropped when it comes, nginx goes on

my $page = $t->get('/stopped/signin', jar => 'quitter');
$r = $t->post('/stopped/signin', jar => 'quitter', timeout => 1,
              form => [csrf => $page->field('csrf'), r => $page->field('r'),
                       username => 'jeremy', password => 'jeremy-pw']);
is($r->status, 0, 'client gave up while the directory was silent');

sleep 2 + 3 + 1;

is($t->get('/stopped/signin', jar => 'after')->status, 200,
   'after the abandoned sign-in: nginx answers');
like($t->access_log, qr{"POST /stopped/signin HTTP/1.1" 499 },
     'abandoned sign-in logged as client closed');

kill 'CONT', $ldap->pid;

# and back: new connections, the user signs in again

is(signin('stopped', 'alice', 'alice-pw')->status, 303,
   'slapd running again: signs in');
is(signin('stopped_tls', 'alice', 'alice-pw')->status, 303,
   'slapd running again: starttls signs in');

$r = $t->get('/nothing-here', jar => $stopped_jar);
ok($r->status == 404 || $r->status == 302, 'nginx still answers');

my $log = $t->error_log;
my $qs = quotemeta $quiets;
my $q = quotemeta $quiet;
like($log, qr/\[error\].*directory "ldaps_silent" unavailable: $qs: no answer to the service account bind in time/,
     'log: the silent ldaps server and the step');
like($log, qr/\[error\].*directory "starttls_silent" unavailable: $q: no answer to the StartTLS in time/,
     'log: the silent starttls server and the step');
like($log, qr/directory "stopped" unavailable: .*no answer to the .* in time/,
     'log: the stopped slapd timed out');
unlike($t->logs, qr/alice-pw/, 'no password in the logs');

$silent->stop;
$t->done;
