package OCS::Child;

# The processes a test forks for its peers (silent servers, relays,
# misbehaving KDCs): started here, stopped by pid (TERM, then KILL),
# and stopped at exit by the process that started them, so that no
# peer outlives its test.  Core Perl only.
#
#     my ($pid, $events) = OCS::Child::spawn(sub { my ($w) = @_; ... });
#     OCS::Child::count($events);     # bytes the child wrote to $w
#     OCS::Child::stop($pid);

use strict;
use warnings;

use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

# pid => the process that started it
my %RUNNING;

# forks code($w): the child's end of a pipe on which it may report
# events, a byte each; returns the pid and the parent's (non-blocking)
# end
sub spawn {
    my ($code) = @_;

    pipe(my $r, my $w) or die "spawn: pipe: $!\n";

    my $pid = fork;
    die "spawn: fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        close $r;
        $w->autoflush(1);
        eval { $code->($w) };
        POSIX::_exit(0);
    }

    close $w;
    $r->blocking(0);
    $RUNNING{$pid} = $$;

    return ($pid, $r);
}

# the bytes the child has written so far, added to *$total
sub count {
    my ($events, $total) = @_;

    while (defined(my $n = sysread($events, my $buf, 4096))) {
        last if $n == 0;
        $$total += length $buf;
    }

    return $$total;
}

# a child forked elsewhere, stopped here like the others
sub adopt {
    my ($pid) = @_;
    $RUNNING{$pid} = $$;
}

# one that ended by itself
sub forget {
    my ($pid) = @_;
    delete $RUNNING{$pid};
}

sub owned {
    my ($pid) = @_;
    return $pid && ($RUNNING{$pid} || 0) == $$;
}

# TERM (and CONT, for a stopped one), then KILL after 10 s; reaped
sub stop {
    my ($pid) = @_;

    return unless $pid;

    delete $RUNNING{$pid};

    kill 'TERM', $pid;
    kill 'CONT', $pid;

    my $deadline = time + 10;

    while (time < $deadline) {
        return if waitpid($pid, WNOHANG) != 0;
        sleep 0.05;
    }

    kill 'KILL', $pid;
    print STDERR "# child $pid did not stop in time; killed\n";
    waitpid $pid, 0;
}

END {
    local $?;
    for my $pid (keys %RUNNING) {
        stop($pid) if $RUNNING{$pid} == $$;
    }
}

1;
