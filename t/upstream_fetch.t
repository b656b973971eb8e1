#!/usr/bin/perl

# tools/test-upstream's fetch of the nginx tarball, against a private
# archive in a file:// directory with apt's real client: only the .orig
# tarball is fetched (the .dsc may be missing), checked against the
# Sources index; when it cannot be fetched the run says why in apt's own
# words, on stderr and in build/test-skipped for the end of "make test",
# and fails instead with OCS_TEST_STRICT.

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(strftime);
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $TOOL = "$ROOT/tools/test-upstream";

plan(skip_all => 'no apt-get') unless -x '/usr/bin/apt-get';
plan(skip_all => 'no apt-helper') unless -x '/usr/lib/apt/apt-helper';
plan tests => 20;

my $dir = tempdir('ocs-fetch-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $archive = "$dir/archive";
my $pool = "$archive/pool/main/n/nginx";
my $orig = 'nginx_9.9.9.orig.tar.gz';

my $tarball = make_tarball();
archive($tarball);

# the tarball alone, although the .dsc the index lists is not there

my $r = fetch('ok');
is($r->{rc}, 0, 'fetched');
is(slurp("$r->{build}/upstream-trixie/$orig"), $tarball, 'tarball');
ok(!-e "$r->{build}/upstream-trixie/nginx_9.9.9-1.dsc", 'no dsc');
ok(!-e "$r->{build}/test-skipped", 'nothing skipped');

# a tarball already there is used without apt

$r = fetch('ok', build => $r->{build}, mirror => 'http://127.0.0.1:1/none');
is($r->{rc}, 0, 'cached');
unlike($r->{err}, qr/SKIPPED/, 'cached not skipped');

# a tarball that is not the one the index names

write_file("$pool/$orig", "not the tarball\n");

$r = fetch('tampered');
is($r->{rc}, 0, 'tampered skips');
like($r->{err}, qr/^test-upstream: SKIPPED: cannot download \Q$orig\E$/m,
     'tampered reason');
like($r->{err}, qr/^    E: .*Hash Sum mismatch/m, 'tampered apt message');
is($r->{skipped}, $r->{err}, 'tampered kept for the end');
ok(!-e "$r->{build}/upstream-trixie/$orig", 'tampered not kept');

$r = fetch('strict', strict => 1);
isnt($r->{rc}, 0, 'strict fails');
like($r->{err}, qr/^test-upstream: FAILED \(OCS_TEST_STRICT\): cannot/m,
     'strict says so');

# a tarball missing from the pool

unlink "$pool/$orig";

$r = fetch('missing');
is($r->{rc}, 0, 'missing skips');
like($r->{err}, qr/^    E: Failed to fetch .*\Q$orig\E/m,
     'missing apt message');

# an archive that does not answer: apt-get update only warns, and the
# reason is its warning, not the next step's error alone

my $port = closed_port();
$r = fetch('down', mirror => "http://127.0.0.1:$port/debian");
is($r->{rc}, 0, 'down skips');
like($r->{err}, qr/^test-upstream: SKIPPED: cannot read the nginx source/m,
     'down reason');
like($r->{err}, qr/^    W: Failed to fetch http:\/\/127\.0\.0\.1:$port\//m,
     'down apt message');
is($r->{skipped}, $r->{err}, 'down kept for the end');
unlike($r->{err}, qr/unsandboxed/, 'no sandbox note');


###############################################################################

# runs the fetch in a build directory of its own; returns its exit code,
# its stderr and what it left in test-skipped
sub fetch {
    my ($name, %opts) = @_;

    my $build = $opts{build} || "$dir/build-$name";
    make_path($build);

    local $ENV{OCS_BUILD} = $build;
    local $ENV{OCS_DEBIAN_MIRROR} = $opts{mirror}
                                    || "[trusted=yes] file://$archive";
    local $ENV{OCS_TEST_STRICT} = $opts{strict} ? 1 : '';

    my $pid = open(my $out, '-|') // die "fork: $!\n";

    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT or die "dup: $!\n";
        open STDIN, '<', '/dev/null' or die "stdin: $!\n";
        exec($TOOL, '--fetch-only', 'trixie') or die "exec: $!\n";
    }

    my $err = do { local $/; <$out> } // '';
    close $out;

    return {
        rc      => $? >> 8,
        err     => join('', grep { !/^test-upstream: (fetching|\/)/ }
                                 split /^/, $err),
        build   => $build,
        skipped => -e "$build/test-skipped"
                   ? slurp("$build/test-skipped") : '',
    };
}

# a real gzipped tar, as the test's own bytes
sub make_tarball {
    my $src = "$dir/nginx-9.9.9";

    make_path($src);
    write_file("$src/README", "not nginx\n");
    system('tar', '-czf', "$dir/$orig", '-C', $dir, 'nginx-9.9.9') == 0
        or die "tar failed\n";

    return slurp("$dir/$orig");
}

# an unsigned archive (apt is told to trust it) with one source package
# whose .dsc is missing from the pool
sub archive {
    my ($tgz) = @_;

    my $dsc = "Format: 3.0 (quilt)\nSource: nginx\n";

    make_path($pool, "$archive/dists/trixie/main/source");
    write_file("$pool/$orig", $tgz);

    my $files = join '', map { " $_\n" }
        md5_hex($dsc) . ' ' . length($dsc) . ' nginx_9.9.9-1.dsc',
        md5_hex($tgz) . ' ' . length($tgz) . " $orig";
    my $sha = join '', map { " $_\n" }
        sha256_hex($dsc) . ' ' . length($dsc) . ' nginx_9.9.9-1.dsc',
        sha256_hex($tgz) . ' ' . length($tgz) . " $orig";

    my $sources = <<"EOF";
Package: nginx
Binary: nginx
Version: 9.9.9-1
Maintainer: Nobody <nobody\@example.org>
Architecture: any
Format: 3.0 (quilt)
Directory: pool/main/n/nginx
Files:
${files}Checksums-Sha256:
${sha}
EOF

    write_file("$archive/dists/trixie/main/source/Sources", $sources);

    write_file("$archive/dists/trixie/Release",
        "Origin: ocs-test\nSuite: trixie\nCodename: trixie\n"
        . "Components: main\nArchitectures: source\n"
        . 'Date: ' . strftime('%a, %d %b %Y %H:%M:%S UTC', gmtime(time))
        . "\nSHA256:\n " . sha256_hex($sources) . ' ' . length($sources)
        . " main/source/Sources\n");
}

# a port of 127.0.0.1 that nothing listens on
sub closed_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "socket: $!\n";
    my $port = $s->sockport;

    close $s;
    return $port;
}

sub write_file {
    my ($path, $data) = @_;

    open my $fh, '>', $path or die "$path: $!\n";
    binmode $fh;
    print $fh $data;
    close $fh or die "$path: $!\n";
}

sub slurp {
    my ($path) = @_;

    open my $fh, '<', $path or die "$path: $!\n";
    binmode $fh;
    local $/;
    return scalar <$fh>;
}
