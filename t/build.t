#!/usr/bin/perl

# The build, in a copy of the build directory of the module under test:
# a second make does nothing; an out-of-date object is compiled alone
# and the module relinked; the module is replaced by rename, so that an
# nginx reading it during a rebuild or a new configuration always finds
# a whole file; one line per step, the commands with V=1.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Find qw(find);
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $MODULE = $ENV{OCS_MODULE}
             || "$ROOT/build/nginx/objs/ngx_http_ocs_module.so";
my $SO = 'nginx/objs/ngx_http_ocs_module.so';

plan(skip_all => "module not built by this Makefile: $MODULE")
    unless $MODULE =~ m{^(.*)/\Q$SO\E$} && -f "$1/nginx.id";

my $from = $1;
my %id = map { /^(src|cc) (.*)$/ ? ($1, $2) : () } lines("$from/nginx.id");

plan(skip_all => "no make") unless grep { -x "$_/make" } path();
plan tests => 25;

my $dir = tempdir('ocs-build-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $build = "$dir/build";

# the other builds under build/ are not this one's
mkdir $build or die "$build: $!\n";
for my $entry (glob("$from/*")) {
    next if $entry
        =~ m{/(upstream-[^/]*|clang|asan|fuzz|valgrind|test-skipped)$};
    system('cp', '-a', $entry, "$build/") == 0 or die "cp $entry failed\n";
}

# nginx's objs/Makefile rebuilds an object when a header config lists
# changes, and only then

my $config = join "\n", lines("$ROOT/config");
my @headers = map { s{^\Q$ROOT\E/}{}r }
              glob("$ROOT/core/include/ocs/*.h $ROOT/core/src/*.h"
                   . " $ROOT/ngx_ocs_*/*.h");
is_deeply([grep { index($config, "\$ngx_addon_dir/$_") < 0 } @headers], [],
          'config lists every header');

my $r = make();
is($r->{rc}, 0, 'up to date') or diag($r->{out});

# a second make

my $before = files();
$r = make();
is($r->{rc}, 0, 'again');
is($r->{out}, '', 'again silent');
is_deeply(changed($before, files()), [], 'again changes nothing');

# an object older than its source (as after touching the source, which
# this test leaves alone): that file alone, and the module relinked by
# rename while a loop stats it

my $glue = 'nginx/objs/addon/ngx_ocs_common/ngx_http_ocs_http.o';
my @old = stat("$build/$SO");

$before = files();
utime(0, 0, "$build/$glue") or die "$glue: $!\n";

$r = make(watch => "$build/$SO");
is($r->{rc}, 0, 'relink');
like($r->{out},
     qr{\A  CC   ngx_ocs_common/ngx_http_ocs_http\.c\n  LINK \S+/\Q$SO\E\n\z},
     'relink one line per step') or diag($r->{out});
is_deeply(changed($before, files()), [$glue, $SO], 'relink changes');

my @new = stat("$build/$SO");
isnt($new[1], $old[1], 'module replaced');
ok($r->{polls} > 0, 'module watched');
is($r->{missing}, 0, 'module never missing');
is_deeply($r->{partial}, [], 'module never partial');
ok(-x "$build/$SO", 'module mode');

# a core object: the core library and the binaries that link it, each
# one line

my $core = 'core/ocs_codec.o';

utime(0, 0, "$build/$core") or die "$core: $!\n";

$r = make();
is($r->{rc}, 0, 'core');
my @steps = split /\n/, $r->{out};
is_deeply([grep { /^  CC / } @steps], ['  CC   core/src/ocs_codec.c'],
          'core compiles one file') or diag($r->{out});
is(scalar(grep { !/^  (CC|AR|LINK) +\S+$/ } @steps), 0, 'core steps')
    or diag($r->{out});
ok(grep({ m{^  LINK \S+/unit/test_codec\.t$} } @steps), 'core relinks');

# V=1: the commands

utime(0, 0, "$build/$glue") or die "$glue: $!\n";

$r = make(args => ['V=1']);
is($r->{rc}, 0, 'verbose');
like($r->{out}, qr{ -c .*-Werror.*/ngx_ocs_common/ngx_http_ocs_http\.c$}ms,
     'verbose compile command');
unlike($r->{out}, qr/^  CC /m, 'verbose no summary');

# a new configuration, as after an nginx-dev upgrade: the tree is
# copied and configured again, every object compiled, and the module
# built before stays until the new one replaces it

@old = stat("$build/$SO");
utime(0, 0, "$build/nginx/objs/Makefile") or die "objs/Makefile: $!\n";

$r = make(watch => "$build/$SO");
is($r->{rc}, 0, 'reconfigure') or diag($r->{out});
like($r->{out}, qr{^  CONF \S+/nginx }m, 'reconfigure configures');
@new = stat("$build/$SO");
isnt($new[1], $old[1], 'reconfigure replaces module');
is($r->{missing}, 0, 'reconfigure module never missing');
is_deeply($r->{partial}, [], 'reconfigure module never partial');


###############################################################################

# runs "make all" in the copy; with watch, stats that file until make
# ends, and counts the times it was missing and the inodes seen with more
# than one size (a file written in place)
sub make {
    my (%opts) = @_;

    # not the make that may run this test: its jobs and flags
    local @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL V)};
    delete @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL V)};

    my $log = "$dir/make.log";
    my $pid = fork // die "fork: $!\n";

    if ($pid == 0) {
        open STDOUT, '>', $log or die "$log: $!\n";
        open STDERR, '>&', \*STDOUT or die "dup: $!\n";
        exec('make', '-C', $ROOT, "BUILD=$build", "NGINX_SRC=$id{src}",
             "CC=$id{cc}", @{$opts{args} // []}, 'all')
            or die "exec make: $!\n";
    }

    my (%sizes, $missing, $polls);
    my $deadline = time + 600;

    $missing = $polls = 0;

    while (waitpid($pid, WNOHANG) == 0) {
        if (time > $deadline) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            last;
        }

        unless ($opts{watch}) {
            sleep 0.05;
            next;
        }

        my @st = stat($opts{watch});
        $polls++;

        if (!@st) {
            $missing++;
            next;
        }

        $sizes{$st[1]}{$st[7]} = 1;
    }

    my $rc = $? >> 8;

    return {
        rc      => $rc,
        out     => join('', map { "$_\n" }
                            grep { !/^make: (Entering|Leaving) directory/ }
                            lines($log)),
        missing => $missing,
        polls   => $polls,
        partial => [grep { keys %{$sizes{$_}} > 1 } sort keys %sizes],
    };
}

# path => "inode mtime size" of every file of the copy
sub files {
    my %f;

    find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        my @st = stat(_);
        (my $rel = $_) =~ s{^\Q$build\E/}{};
        $f{$rel} = "$st[1] $st[9] $st[7]";
    } }, $build);

    return \%f;
}

sub changed {
    my ($a, $b) = @_;
    my %all = (%$a, %$b);

    return [sort grep { ($a->{$_} // '') ne ($b->{$_} // '') } keys %all];
}

sub lines {
    my ($path) = @_;

    open my $fh, '<', $path or die "$path: $!\n";
    chomp(my @l = <$fh>);
    return @l;
}

sub path { split /:/, $ENV{PATH} // '/usr/bin:/bin' }
