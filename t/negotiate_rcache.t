#!/usr/bin/perl

# A Kerberos replay cache the workers cannot write (KRB5RCACHEDIR a
# directory only root may write in): nginx -t and the start say so
# (t/config.t), and at run time a real Negotiate token is refused, never
# accepted without its replay check: a 401 with the form offered, and
# one log line with GSSAPI's own words for the cause.  The same client
# gets in once the directory is writable (a reload).  And a replay
# cache on a full file system (a tmpfs of the test's own, when mount is
# allowed) is refused the same way.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Kdc;
use Test::More;

my $t = OCS::Test->new;

plan(skip_all => 'workers run as our own user when the tests are not '
                 . 'root: the replay cache stays writable to them')
    if $> != 0;
plan tests => 13;

my $kdc = OCS::Kdc->new($t);

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->keyfile('ticket.keys', 1);
$t->users(bob => 'bob-pw');
mkdir $t->path('app');
$t->write_file('app/index.html', "app\n");

# only root may write here; the workers run as nobody
my $rcache = $t->path('rcache');
mkdir $rcache, 0700;

my %env = $kdc->env(ccache => $t->path('alice.cc'));
@ENV{keys %env} = values %env;
$ENV{KRB5RCACHEDIR} = $rcache;

my $conf = <<"EOF2";
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 127.0.0.0/8;
        root %%TESTDIR%%;

        location /app/ {
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF2

$t->run($conf, main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");

like($t->startup_log,
     qr/\[warn\].*replay cache directory .* is not writable/,
     'the start names the unwritable replay cache');

my ($rc, $out) = $kdc->kinit('alice', 'alice-pw',
                             ccache => $t->path('alice.cc'));
is($rc, 0, 'kinit alice') or diag($out);

sub negotiate {
    my $port = $t->port('https');
    return $t->get("https://localhost:$port/app/",
                   headers => ['Accept: text/html'],
                   curl => ['--negotiate', '-u', ':', '--resolve',
                            "localhost:$port:127.0.0.1"]);
}

my $mark = length $t->error_log;
my $r = negotiate();

is($r->status, 401, 'a real token, no replay cache to write: 401');
isnt($r->body, "app\n", 'not the page');
ok(!$r->set_cookie('__Host-ocs_ticket'), 'no ticket');

my @lines = grep { /\[(warn|error|crit|alert)\]/ }
            split /\n/, substr($t->error_log, $mark);
is(scalar @lines, 1, 'one log line for the refused token')
    or diag(substr($t->error_log, $mark));
like($lines[0] // '',
     qr/\[error\].*Negotiate: token refused: .*Permission denied/,
     "at error, in GSSAPI's words: the cache cannot be written");

# the directory opened to the workers: the same client gets in
chmod 0777, $rcache;
$t->reload;

$r = negotiate();
is($r->status, 200, 'a writable replay cache: signed in');

# a replay cache on a full file system (a 64 KiB tmpfs of the test's
# own, filled): refused as well, with the cause
my $full = $t->tmpfs('full', '64k', 0777);

SKIP: {
    my $why = "$@: the full disk is not tried";
    diag("SKIPPED: $why") unless $full;
    skip $why, 4 unless $full;

    $t->fill($full);

    $t->stop;
    $ENV{KRB5RCACHEDIR} = $full;
    $t->run($conf, main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");

    $mark = length $t->error_log;
    $r = negotiate();
    is($r->status, 401, 'a full replay cache file system: 401');
    ok(!$r->set_cookie('__Host-ocs_ticket'), 'full: no ticket');

    @lines = grep { /\[(warn|error|crit|alert)\]/ }
             split /\n/, substr($t->error_log, $mark);
    is(scalar @lines, 1, 'full: one log line')
        or diag(substr($t->error_log, $mark));
    like($lines[0] // '', qr/\[error\].*token refused: .*No space/,
         'full: at error, "No space left on device"');
}

$t->done;
