#!/usr/bin/perl

# Lockout against a directory: failures count by the account the
# directory resolved, not by the name typed, so spellings the directory
# folds together ("nora", "NORA", "ｎｏｒａ", "CONTOSO\nora",
# "nora@contoso.com") share one count and names with white space at
# their ends are refused unbound; and the directory's own lockout
# threshold (ppolicy's pwdMaxFailure 5 here) keeps the proxy locking at
# least one failure before the directory would.

use strict;
use warnings;
use utf8;

use lib 't/lib';
use Encode qw(encode);
use POSIX ();
use OCS::Relay;
use OCS::Slapd;
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep time);

my $t = OCS::Test->new;
plan tests => 42;
my $ldap = OCS::Slapd->new($t, max_failure => 5, failure_interval => 600);

$ldap->start;
$t->keyfile('ticket.keys', 1);

my $policy = 'cn=default,ou=Policies,dc=contoso,dc=com';

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;

        # the defaults: account=4
        location = /ocs/signin { ocs_auth_signin; }

        # configured above the directory's threshold: it wins
        location = /high/signin {
            ocs_auth_signin;
            ocs_auth_lockout account=10 address=100;
        }

        location = /spell/signin {
            ocs_auth_signin;
            ocs_auth_lockout account=3 address=100;
        }

        location = /admin/lockout { ocs_auth_lockout_admin; }

        location = /burst/signin {
            ocs_auth_signin;
            ocs_auth_lockout account=3 address=3;
        }

        # no "policy": slapd's root DSE names no AD domain object
        location = /unknown/signin {
            ocs_auth_signin;
            ocs_auth_ldap unknown;
        }

        # through a relay that loses the answers to nick's binds
        location = /lossy/signin {
            ocs_auth_signin;
            ocs_auth_ldap lossy;
            ocs_auth_lockout account=3 address=100;
        }
    }
}
EOF

my $relay = OCS::Relay->new(to => $ldap->port('ldap'),
                            lose => qr/cn=nick,ou=Users/);

my $unknown = $ldap->nginx_directory() =~ s/contoso \{/unknown {/r;
my $lossy = $ldap->nginx_directory('timeout 1s;') =~ s/contoso \{/lossy {/r;
my $rport = $relay->port;
$lossy =~ s{url ldap://127\.0\.0\.1:\d+;}{url ldap://127.0.0.1:$rport;};

$conf =~ s/%%DIRECTORY%%/$ldap->nginx_directory("policy \"$policy\";")
                         . "    $unknown    $lossy"/e;

$t->run($conf);

# each worker reads the policy at start, before any sign-in
my $said;

for (1 .. 50) {
    last if ($said = $t->error_log =~ /directory "contoso" locks accounts/);
    sleep 0.1;
}

ok($said, 'the policy is read and logged at start, before any sign-in');

sub signin {
    my ($where, $user, $pw) = @_;
    return $t->signin(encode('UTF-8', $user), $pw, jar => rand(),
                      signin => "/$where/signin");
}

# the failed binds the directory recorded for an account
sub failures {
    my ($name) = @_;
    my $out = $ldap->search("(cn=$name)", 'pwdFailureTime',
                            'pwdAccountLockedTime');
    return scalar(() = $out =~ /^pwdFailureTime:/mg);
}

sub locked_in_directory {
    my ($name) = @_;
    return $ldap->search("(cn=$name)", 'pwdAccountLockedTime')
           =~ /^pwdAccountLockedTime:/m;
}

# --- the directory's threshold -----------------------------------------

my @got = map { signin('ocs', 'jeremy', "wrong$_")->status } 1 .. 5;
is("@got", '401 401 401 401 429',
   'default limits: four wrong passwords tried, the fifth refused');
is(failures('jeremy'), 4, 'default: the directory saw four failures');
ok(!locked_in_directory('jeremy'), 'default: the directory did not lock');

@got = map { signin('high', 'vadim', "wrong$_")->status } 1 .. 6;
is("@got", '401 401 401 401 429 429',
   'account=10: the directory\'s threshold of 5 caps it at four');
is(failures('vadim'), 4, 'account=10: the directory saw four failures');
ok(!locked_in_directory('vadim'), 'account=10: the directory did not lock');

# the proxy's lock holds even for the right password; the directory's
# account still works (an internal user is not locked out)
is(signin('high', 'vadim', 'vadim-pw')->status, 429,
   'locked here: the right password is not tried');
ok(!locked_in_directory('vadim'), 'the directory account stays usable');

like($t->error_log,
     qr/\[notice\].*directory "contoso" locks accounts after 5 failed passwords within 600 s \("\Q$policy\E"\); sign-ins here lock after 4/,
     'log: the threshold read and what the proxy makes of it');
like($t->error_log,
     qr/\[warn\].*sign-ins of user "vadim" from 127\.0\.0\.1 locked for 900 s after 4 failed passwords \(the directory locks after 5\)/,
     'log: the lock names the directory\'s threshold');

# --- spellings ----------------------------------------------------------

# what directories trim: refused outright, even with the right password,
# and never sent to the directory
for my $name ('nora ', ' nora', "nora\x{a0}", "\x{3000}nora",
              "CONTOSO\\ nora", "no\x{200b}ra")
{
    my $r = signin('spell', $name, 'nora-pw');
    is($r->status, 401, sprintf('"%s": refused', $name =~ s/\W/?/gr));
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'no ticket for it');
}

is(failures('nora'), 0, 'refused spellings never reached the directory');

# what directories fold: one count, account=3
@got = map { signin('spell', $_, 'wrong')->status }
       ("ｎｏｒａ", 'NORA', 'CONTOSO\\nora', 'nora@contoso.com', 'nora');
is("@got", '401 401 401 429 429',
   'five spellings of one account: three tries in all');
is(failures('nora'), 3, 'the directory saw three failures, not fifteen');

is(signin('spell', 'Nora', 'nora-pw')->status, 429,
   'the account is locked whatever the spelling');

# sign-ins in flight at once cannot pass the limit together: each is
# counted before its password is tried

my @forms = map {
    my $jar = "race$_";
    my $page = $t->get('/spell/signin', jar => $jar);
    [$jar, $page->field('csrf'), $page->field('r')]
} 1 .. 8;

my @kids;

for my $f (@forms) {
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        my $r = $t->post('/spell/signin', jar => $f->[0],
                         form => [csrf => $f->[1], r => $f->[2],
                                  username => 'ned', password => 'wrong']);
        POSIX::_exit($r->status == 429 ? 1 : 0);
    }

    push @kids, $pid;
}

my $refused = 0;

for (@kids) {
    waitpid($_, 0);
    $refused += $? >> 8;
}

is(failures('ned'), 3, 'eight at once: three reached the directory');
is($refused, 5, 'eight at once: five refused unbound');

# a wrong password whose answer is lost may have counted at the
# directory: it keeps its count here

@got = map { signin('lossy', 'nick', "wrong$_")->status } 1 .. 5;
is("@got", '503 503 503 429 429',
   'answers lost: three tries, then locked as for wrong passwords');
is(failures('nick'), 3, 'answers lost: the directory saw three');
ok(!locked_in_directory('nick'), 'answers lost: the directory did not lock');
is($relay->lost, 3, 'the relay lost three answers');

# a slow answer to one user's bind breaks its connection, not the server
my $start = time;
is(signin('lossy', 'alice', 'alice-pw')->status, 303,
   'another user through the same server: signed in');
cmp_ok(time - $start, '<', 1, 'and at once: the server is not shunned');

# a directory whose policy cannot be read: the configured limits, and a
# warning that says what to do
is(signin('unknown', 'rita', 'wrong')->status, 401, 'unknown policy: tried');
like($t->error_log,
     qr/\[warn\].*directory "unknown": its lockout policy cannot be read; keep ocs_auth_lockout account= below its threshold/,
     'unknown policy: warned');

like($t->error_log,
     qr/sign-ins of user "nora" from 127\.0\.0\.1 locked/,
     'log: locked under the account the directory found');
like($t->error_log, qr/sign-in failed: malformed user name/,
     'log: spellings with spaces refused as malformed');
unlike($t->logs, qr/nora-pw|vadim-pw/, 'no password in the logs');

$t->post('/admin/lockout', form => [clear => 'all']);

# sign-ins at once from one address count against address= before any
# password is tried: with address=3 a burst of wrong passwords for ten
# names gets three tries

@forms = map {
    my $jar = "spray$_";
    my $page = $t->get('/burst/signin', jar => $jar);
    [$jar, $page->field('csrf'), $page->field('r'), "nobody$_"]
} 1 .. 10;

@kids = ();

for my $f (@forms) {
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        my $r = $t->post('/burst/signin', jar => $f->[0],
                         form => [csrf => $f->[1], r => $f->[2],
                                  username => $f->[3], password => 'wrong']);
        POSIX::_exit($r->status == 429 ? 1 : 0);
    }

    push @kids, $pid;
}

$refused = 0;

for (@kids) {
    waitpid($_, 0);
    $refused += $? >> 8;
}

is($refused, 7, 'ten names at once from one address: seven refused');

$t->done;
