#!/usr/bin/perl

# A tiny OCSSessionStore that fills up degrades safely, as nginx's
# ocs_sso_zone does: every session that started until then is revoked,
# the error log says so once, and signing in again works.  The store
# directives' sizes and errors; "Mutex flock:... ocs-store" applies.
# Tickets come from nginx (same key file).

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 14;

$n->users(alice => 'pw', bob => 'pw2');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }
}
EOF

my $vhost = <<'EOF';
<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>
</VirtualHost>
EOF

my $head = "Listen 127.0.0.1:%%PORT_https%%\nOCSKeyFile $keys\n";

# the directives' errors
my ($ok, $out) = $a->try_config($head . "OCSSessionStore 1k\n");
like($out, qr/invalid OCSSessionStore "1k": use a size from 4k to 1g/,
     'too small: refused');
($ok, $out) = $a->try_config($head
                             . "OCSLockoutStore 8k\nOCSLockoutStore 8k\n");
like($out, qr/OCSLockoutStore is duplicate/, 'duplicate: refused');
($ok, $out) = $a->try_config($head . "<VirtualHost 127.0.0.1:1>\n"
                             . "OCSConferenceStore 8k\n</VirtualHost>\n");
like($out, qr/OCSConferenceStore belongs in the main server configuration/,
     'in a virtual host: refused');

mkdir $a->path('htdocs/app');
$a->write_file('htdocs/app/index.html', "app\n");

$a->run($head . <<"EOF" . $vhost);
OCSSessionStore 4k
OCSLockoutStore 8k
OCSConferenceStore 8k
Mutex flock:%%TESTDIR%% ocs-store
EOF

like($a->error_log, qr/OCSSessionStore holds 10 records of 388 bytes/,
     '4k: 10 revocations');
ok($a->error_log =~ /OCSLockoutStore holds 20 records/
   && $a->error_log =~ /OCSConferenceStore holds 20 records/,
   'the other stores: 8k, 20 records each');

sub ticket {
    my ($user, $pw, $jar) = @_;
    $n->signin($user, $pw, jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
    $a->copy_jar($jar, "$jar-copy");
}

sub status { $a->get('/app/index.html', jar => $_[0])->status }

ticket('bob', 'pw2', 'bob');
is(status('bob'), 200, 'bob signed in');

# twelve sign-outs, two more than the store holds
my @s;

for my $i (1 .. 12) {
    ticket('alice', 'pw', "a$i");
    push @s, $a->get('/ocs/logoff', jar => "a$i",
                     headers => ['Sec-Fetch-Site: same-origin'])->status;
}

is_deeply(\@s, [(200) x 12], 'every sign-out answered');

my @full = $a->error_log =~ /(:error\].*ocs sso: OCSSessionStore is full \(0 expired entries dropped\); every session that started before now is revoked)/g;
is(scalar @full, 1, 'full: logged once, at error');

is_deeply([map { status("a$_-copy") } 1 .. 12], [(302) x 12],
          'full: no revoked session comes back');
is(status('bob'), 302, 'full: a session that started before is revoked');

ticket('bob', 'pw2', 'bob2');
is(status('bob2'), 200, 'full: signing in again works');

# the fallback emptied the store: the next sign-outs fit
for my $i (13 .. 15) {
    ticket('alice', 'pw', "a$i");
    $a->get('/ocs/logoff', jar => "a$i",
            headers => ['Sec-Fetch-Site: same-origin']);
}

@full = $a->error_log =~ /(OCSSessionStore is full)/g;
is(scalar @full, 1, 'room again: not logged again');
is(status('a14-copy'), 302, 'room again: revoked by its own record');

$n->stop;
$a->done;
