#!/usr/bin/perl

# A full thread pool: every request the module cannot post to it gets
# exactly one log line, nginx's own
#
#     [error] ... thread pool "tiny" queue overflow: 1 tasks waiting
#
# and nothing from the module besides: a sign-in from the user file or
# the directory, a second step, a Negotiate token and the quick sign-in
# get 503 "The sign-in service is busy"; a request due for a re-check
# goes on with its ticket's facts, and the next one re-checks.  The pool
# (threads=1 max_queue=1) is kept full by sign-ins against a SIGSTOPped
# slapd, one in the thread and one in the queue.

use strict;
use warnings;

use lib 't/lib';
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use OCS::Child;
use OCS::Slapd;
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 43;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

# a user file user with a TOTP secret, for the second step
$t->users(uma => 'uma-pw', tina => 'tina-pw');
my $users = $t->read_file('users');
$users =~ s/^(uma:[^\n]*)$/$1:totp=JBSWY3DPEHPK3PXPJBSWY3DP/m;
$t->write_file('users', $users);

# the keytab is never read: no token gets as far as the thread
my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_thread_pool tiny;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_totp on;
        }

        location = /dir/signin {
            ocs_auth_signin;
            ocs_auth_ldap contoso;
        }

        location /app/ {
            ocs_auth forms;
            ocs_auth_ldap contoso;
            ocs_auth_recheck 1s;
            ocs_auth_signin_url /dir/signin;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-User $ocs_user;
        }

        location /two/ {
            ocs_auth forms;
            ocs_auth_user_file %%TESTDIR%%/users;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /neg/ {
            ocs_auth forms;
            ocs_auth_negotiate on;
            ocs_auth_keytab %%TESTDIR%%/none.keytab;
            ocs_auth_internal_networks 127.0.0.0/8;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/quick {
            ocs_auth_quick_signin;
            ocs_auth_negotiate on;
            ocs_auth_keytab %%TESTDIR%%/none.keytab;
            ocs_auth_internal_networks 127.0.0.0/8;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "app for $http_x_user\n"; }
    }
}
EOF

# a stopped slapd holds each sign-in for up to two timeouts (the pooled
# connection, then a new one): far longer than the checks below take
my $dir = $ldap->nginx_directory('connect_timeout 1s;', 'timeout 30s;');
$conf =~ s/%%DIRECTORY%%/$dir/;

$t->run($conf, main => 'thread_pool tiny threads=1 max_queue=1;');

# the start-up look at the directory's policy is done: the thread is free
wait_for(qr/ocs auth: directory "contoso"/);
like($t->error_log, qr/ocs auth: directory "contoso"/,
     'the directory\'s policy was read at start');
unlike($t->error_log, qr/not reached at start/,
       'the directory was reached at start');

# while the pool is free: a directory session, a password session that
# needs its second step, the step's form

is($t->signin('alice', 'alice-pw', jar => 'alice', signin => '/dir/signin')
   ->status, 303, 'alice signs in from the directory');
my $signed = time;
is($t->get('/app/', jar => 'alice')->body, "app for alice\n",
   'alice: in');

is($t->signin('uma', 'uma-pw', jar => 'uma', back => '%2Ftwo%2F')->status,
   303, 'uma signs in with her password');
my $step = $t->get('/ocs/signin?step=2&r=%2Ftwo%2F', jar => 'uma');
ok(defined $step->field('state'), 'uma: the second step\'s form');

# the pool fills: sign-ins wait on the stopped slapd until one is refused

kill 'STOP', $ldap->pid;
END { kill 'CONT', $ldap->pid if $ldap && $ldap->pid; }

my @fillers;
my $full = 0;

for my $n (1 .. 8) {
    my ($pid, $status) = filler("vadim$n");
    push @fillers, [$pid, $status];

    # a refused sign-in comes back at once; a posted one waits
    my $deadline = time + 3;
    sleep 0.05 while time < $deadline && waitpid($pid, WNOHANG) == 0;

    if (!kill(0, $pid) || waitpid($pid, WNOHANG) != 0) {
        OCS::Child::forget($pid);
        $fillers[-1][0] = undef;
        $full = ($t->read_file($status) =~ /^503/);
        last if $full;
    }
}

ok($full, 'the pool is full: a sign-in is refused');
cmp_ok(scalar(grep { defined $_->[0] } @fillers), '>=', 2,
       'two sign-ins hold it, one running and one queued');

# alice's ticket is due for a re-check
sleep 0.1 while time < $signed + 1.5;

# each refused request: the 503 page, one line

refused('sign-in from the user file', sub {
    $t->signin('tina', 'tina-pw', jar => 'tina')
});

refused('sign-in from the directory', sub {
    $t->signin('jeremy', 'jeremy-pw', jar => 'jeremy',
               signin => '/dir/signin')
});

refused('second step', sub {
    $t->post('/ocs/signin', jar => 'uma',
             form => [step => 2, state => $step->field('state'),
                      csrf => $step->field('csrf'), r => '/two/',
                      code => '123456']);
});

# any token: it is refused before it is read
my $token = 'Authorization: Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXc=';

refused('Negotiate', sub {
    $t->get('/neg/', headers => [$token])
});

refused('quick sign-in', sub {
    $t->get('/ocs/quick?r=%2Fneg%2F', headers => [$token])
});

# a re-check that cannot be posted: served on the ticket's facts

my ($r, $lines) = once(sub { $t->get('/app/', jar => 'alice') });
is($r->status, 200, 're-check: the request is served');
is($r->body, "app for alice\n", 're-check: on the ticket\'s facts');
one_line('re-check', $lines);

# the pool empties: the next request re-checks

kill 'CONT', $ldap->pid;

for my $f (grep { defined $_->[0] } @fillers) {
    my $deadline = time + 30;
    sleep 0.05 while time < $deadline && waitpid($f->[0], WNOHANG) == 0;
    OCS::Child::forget($f->[0]);
}

$r = $t->get('/app/', jar => 'alice');
is($r->body, "app for alice\n", 'pool free again: alice still in');
like($t->error_log, qr/\[info\].*user "alice" re-checked in directory/,
     'pool free again: the re-check is done');

my $log = $t->error_log;
unlike($log, qr/not started/, 'the module adds no line of its own');
unlike($log, qr/alice-pw|uma-pw|tina-pw|jeremy-pw|123456/,
       'no password or code in the log');

$t->done;

# ----------------------------------------------------------------------

# waits up to 10 s for the error log to show a line
sub wait_for {
    my ($re) = @_;
    my $deadline = time + 10;
    sleep 0.1 while time < $deadline && $t->error_log !~ $re;
}

# a sign-in posted in the background, with its own files: (pid, the file
# that gets its status)
sub filler {
    my ($user) = @_;

    my $jar = $t->path("jar-$user");
    my $status = $t->path("status-$user");
    my $page = $t->get('/dir/signin', jar => $user);

    my @cmd = ('curl', '-s', '-k', '--max-time', 90, '-o', '/dev/null',
               '-w', '%{http_code}', '-b', $jar, '-c', $jar,
               '--data-urlencode', 'csrf=' . $page->field('csrf'),
               '--data-urlencode', 'r=' . $page->field('r'),
               '--data-urlencode', "username=$user",
               '--data-urlencode', "password=$user-pw",
               '--data-urlencode', 'computer=public',
               $t->url('/dir/signin'));

    my ($pid) = OCS::Child::spawn(sub {
        open STDOUT, '>', $status or POSIX::_exit(1);
        exec { $cmd[0] } @cmd;
    });

    return ($pid, $status);
}

# a request, and the log lines it added
sub once {
    my ($request) = @_;
    my $before = length $t->error_log;
    my $r = $request->();
    return ($r, [split /\n/, substr($t->error_log, $before)]);
}

sub one_line {
    my ($name, $lines) = @_;

    my @pool = grep { /thread pool/ } @$lines;
    my @bad = grep { /\[(?:warn|error|crit|alert|emerg)\]/ } @$lines;

    is(scalar @pool, 1, "$name: one line") or diag(join "\n", @$lines);
    like($pool[0] // '',
         qr/\[error\].*thread pool "tiny" queue overflow: 1 tasks waiting/,
         "$name: nginx's overflow line");
    is(scalar @bad, 1, "$name: nothing else at warn or above")
        or diag(join "\n", @bad);
}

sub refused {
    my ($name, $request) = @_;

    my ($r, $lines) = once($request);

    is($r->status, 503, "$name: 503");
    like($r->body, qr/The sign-in service is busy/, "$name: busy");
    one_line($name, $lines);
}
