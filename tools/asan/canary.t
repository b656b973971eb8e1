#!/usr/bin/perl

# Run by tools/test-asan before the suite, against the nginx and module
# it built: both are instrumented (the ASan runtime in nginx, the
# module's loads and stores checked, UBSan's handlers called, ODR
# indicators, pools made of malloc() blocks), and a report made on
# purpose in a worker (a SIGBUS, which ASan reports as it would a bad
# access; SIGSEGV is left to kill the worker as without ASan, see
# tools/test-asan) lands in OCS_ASAN_REPORTS, written by the worker's
# user.
# Without this, a suite with no report would prove nothing.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test::Nginx;
use Test::More;
use Time::HiRes qw(sleep time);

my $reports = $ENV{OCS_ASAN_REPORTS}
    or BAIL_OUT('OCS_ASAN_REPORTS is not set: run tools/test-asan');

my $t = OCS::Test::Nginx->new;
plan tests => 10;

my $nginx = `nm $t->{nginx} 2>&1`;
my $module = `nm -D $t->{module} 2>&1`;

like($nginx, qr/ T __asan_init\b/m, 'nginx carries the ASan runtime');
like($nginx, qr/ T __asan_default_options\b/m,
     'nginx carries the options of the run');
like($module, qr/ U __asan_report_load\d/m, 'the module checks its loads');
like($module, qr/ U __ubsan_handle_/m, 'the module calls UBSan');
like($module, qr/__odr_asan_gen_/m, 'the module has ODR indicators');
like(`$t->{nginx} -V 2>&1`, qr/-DNGX_DEBUG_PALLOC=1/,
     'nginx pools are malloc() blocks');

$t->run(<<'EOF');
http {
    server {
        listen 127.0.0.1:%%PORT_http%%;

        location / {
            return 200 "up\n";
        }
    }
}
EOF

my $r = $t->get('/', plain => 1);
is($r->status, 200, 'the ASan nginx answers');

my $deadline = time + 10;
my ($worker) = grep { /^\d+$/ } split /\s+/, `pgrep -P $t->{pid}`;
BAIL_OUT('no worker process') unless $worker;

kill 'BUS', $worker;

my $report = "$reports/san.$worker";

while (time < $deadline && !-s $report) {
    sleep 0.1;
}

my $text = -s $report ? do { local (@ARGV, $/) = ($report); <> } : '';

like($text, qr/ERROR: AddressSanitizer: BUS/,
     "the worker's report is in $reports");

SKIP: {
    skip 'workers keep our user when the tests are not root', 1 if $> != 0;

    my $nobody = getpwnam('nobody');
    is((stat $report)[4], $nobody, 'written by the worker, as nobody');
}

$t->done;
