package OCS::Run;

# What the harness's server modules (OCS::Slapd, OCS::Kdc) and their
# tests share: running a tool with its output captured, and small file
# helpers.  Core Perl only.

use strict;
use warnings;

use Exporter qw(import);
use POSIX ();

our @EXPORT_OK = qw(capture write_in slurp random_hex);

# Runs cmd with stdout and stderr together: (exit code, output).  In the
# child, setup (a code ref) prepares the environment before exec; input
# goes to stdin (else /dev/null); timeout, in seconds, is an alarm that
# survives exec, so no tool hangs a test for ever.
sub capture {
    my (%o) = @_;

    my @cmd = @{$o{cmd}};

    pipe(my $in_r, my $in_w) or die "pipe: $!\n";
    pipe(my $r, my $w) or die "pipe: $!\n";

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        close $r;
        close $in_w;
        open STDIN, '<&', $in_r;
        open STDOUT, '>&', $w;
        open STDERR, '>&', $w;
        $o{setup}->() if $o{setup};
        alarm $o{timeout} if $o{timeout};
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "cannot run $cmd[0]: $!\n";
        POSIX::_exit(127);
    }

    close $in_r;
    close $w;

    {
        # the input is a line or two, far below a pipe's capacity
        local $SIG{PIPE} = 'IGNORE';
        print $in_w $o{input} if defined $o{input};
        close $in_w;
    }

    my $out = do { local $/; <$r> };
    close $r;
    waitpid $pid, 0;

    return ($? & 127 ? 128 + ($? & 127) : $? >> 8,
            defined $out ? $out : '');
}

# writes dir/name (mode 0644 unless given) and returns the path
sub write_in {
    my ($dir, $name, $content, $mode) = @_;

    my $path = "$dir/$name";
    open my $fh, '>', $path or die "cannot write $path: $!\n";
    print $fh $content;
    close $fh;
    chmod(defined $mode ? $mode : 0644, $path);

    return $path;
}

# a file's text, or '' when it cannot be read
sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

# n random bytes as hex
sub random_hex {
    my ($n) = @_;
    open my $fh, '<', '/dev/urandom' or die "/dev/urandom: $!\n";
    read($fh, my $bytes, $n) == $n or die "/dev/urandom: short read\n";
    close $fh;
    return unpack 'H*', $bytes;
}

1;
