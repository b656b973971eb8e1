#!/usr/bin/perl

# Run by tools/test-asan before the suite, against the Apache module it
# built with the sanitizers and Debian's apache2 started with the ASan
# runtime preloaded (the wrapper in OCS_APACHE): the module checks its
# loads and calls UBSan's handlers, a running child has the runtime and
# that module mapped, and a report made on purpose in a child lands in
# OCS_ASAN_REPORTS, written by the child's user: a read past a heap
# block by a module built the same way (tools/asan/ap_canary.c, in
# OCS_APACHE_CANARY).  Not a signal, as the nginx canary sends: Apache
# installs its own handler for SIGBUS and SIGSEGV over ASan's.
# Without this, an Apache run with no report would prove nothing.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Apache;
use Test::More;
use Time::HiRes qw(sleep time);

my $reports = $ENV{OCS_ASAN_REPORTS}
    or BAIL_OUT('OCS_ASAN_REPORTS is not set: run tools/test-asan');

my $t = OCS::Test::Apache->new;
plan tests => 8;

my $module = `nm -D $t->{module} 2>&1`;

like($module, qr/ U __asan_report_load\d/m, 'the module checks its loads');
like($module, qr/ U __ubsan_handle_/m, 'the module calls UBSan');

my $canary = $ENV{OCS_APACHE_CANARY}
    or BAIL_OUT('OCS_APACHE_CANARY is not set: run tools/test-asan');

$t->run(<<"EOF2");
LoadModule ocs_canary_module $canary
Listen 127.0.0.1:%%PORT_http%%
<VirtualHost 127.0.0.1:%%PORT_http%%>
    <Location "/canary">
        SetHandler ocs-asan-canary
    </Location>
</VirtualHost>
EOF2

my $r = $t->get('/', plain => 1);
is($r->status, 404, 'the ASan Apache answers');

my ($child) = grep { /^\d+$/ } split /\s+/, `pgrep -P $t->{pid}`;
BAIL_OUT('no child process') unless $child;

my $maps = do { local (@ARGV, $/) = ("/proc/$child/maps"); <> } // '';
like($maps, qr/libclang_rt\.asan/, 'a child runs with the ASan runtime');
like($maps, qr/\Q$t->{module}\E/, 'and with the instrumented module');

# the canary's read past its block stops the child that serves it
my %before = map { $_ => 1 } glob "$reports/san.*";
$t->get('/canary', plain => 1, timeout => 10);

my $deadline = time + 10;
my @new;

while (time < $deadline) {
    @new = grep { !$before{$_} && -s $_ } glob "$reports/san.*";
    last if @new;
    sleep 0.1;
}

my $text = @new ? do { local (@ARGV, $/) = ($new[0]); <> } : '';

like($text, qr/ERROR: AddressSanitizer: heap-buffer-overflow/,
     "a child's report is in $reports");

SKIP: {
    skip 'children keep our user when the tests are not root', 1 if $> != 0;

    my $uid = (stat "/proc/$child")[4];
    isnt($uid, 0, 'the children run as a user of their own');
    is(@new ? (stat $new[0])[4] : -1, $uid, "written by the child's user");
}

$t->stop;
