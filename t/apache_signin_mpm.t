#!/usr/bin/perl

# The sign-in page under mpm_prefork: the form, its post and the note
# of a failed post are answered by whichever process takes each
# connection, since the CSRF nonce and the note are sealed under the key
# file and kept by the browser, not by a process.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 11;

$t->users(alice => 'alice-pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path('htdocs');
mkdir $t->path('htdocs/app');
$t->write_file('htdocs/app/page.html', "app\n");

$t->run(<<'EOF', mpm => 'prefork');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%
    KeepAlive Off

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>
EOF

# the children come up a moment after the parent
my @kids;
for (1 .. 50) {
    @kids = $t->children;
    last if @kids >= 2;
    select(undef, undef, undef, 0.1);
}
ok(@kids >= 2, 'prefork: more than one process serves');

my $nav = ['Sec-Fetch-Mode: navigate', 'Sec-Fetch-Site: same-origin'];

my $r = $t->get('/app/page.html', jar => 'a');
is($r->status, 302, 'no ticket: to the sign-in page');

for my $i (1 .. 3) {
    $r = $t->signin('alice', 'wrong', jar => "n$i", back => '%2Fapp%2F',
                    headers => $nav);
    is($r->status, 303, "failed post $i: 303 with a note");
}

$r = $t->get('/ocs/signin?r=%2Fapp%2F', jar => 'n3', headers => $nav);
is($r->status, 401, 'the note opens in whichever process');
like($r->body, qr/incorrect/, 'the note\'s message');

$r = $t->signin('alice', 'alice-pw', jar => 'a', back => '%2Fapp%2Fpage.html');
is($r->status, 303, 'signed in');
is($t->get('/app/page.html', jar => 'a')->status, 200, 'the ticket opens');

my %pids = map { $_ => 1 } $t->error_log =~ /\[pid (\d+)[^\]]*\] [^\n]*sign-in failed/g;
ok(scalar(keys %pids) >= 1, 'the failures logged by the processes that took them');

$t->done;
