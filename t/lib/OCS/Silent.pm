package OCS::Silent;

# A peer that never answers, for deadline tests: a process on a free
# 127.0.0.1 port that accepts TCP connections (or takes UDP datagrams)
# and never reads or writes a byte, until it is stopped by pid.  A
# silent peer is what a hung domain controller, KDC or OTP server looks
# like from outside: the connection stands, nothing comes back.
#
#     my $peer = OCS::Silent->new;            # TCP
#     my $udp  = OCS::Silent->new(udp => 1);  # UDP: datagrams go unread
#     ... "ldaps://127.0.0.1:" . $peer->port ...
#     $peer->accepted;                        # connections taken so far
#     $peer->stop;                            # also on DESTROY

use strict;
use warnings;

use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);

sub new {
    my ($class, %o) = @_;

    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1,
        $o{udp} ? (Proto => 'udp') : (Proto => 'tcp', Listen => 64))
        or die "silent peer: cannot listen: $!\n";

    my $self = bless { port => $sock->sockport, udp => $o{udp} }, $class;

    pipe(my $r, my $w) or die "silent peer: pipe: $!\n";

    my $pid = fork;
    die "silent peer: fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        close $r;
        $w->autoflush(1);
        _serve($sock, $w, $o{udp});
        POSIX::_exit(0);
    }

    close $w;
    close $sock;
    $r->blocking(0);

    $self->{pid} = $pid;
    $self->{events} = $r;
    $self->{accepted} = 0;

    return $self;
}

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }

# how many connections (TCP) or datagrams (UDP) have come in so far
sub accepted {
    my ($self) = @_;

    while (defined(my $n = sysread($self->{events}, my $buf, 4096))) {
        last if $n == 0;
        $self->{accepted} += length $buf;
    }

    return $self->{accepted};
}

# keeps every connection open and unread; one byte on the pipe for each
sub _serve {
    my ($sock, $w, $udp) = @_;

    my @held;

    # bounded: a test never needs more than this many connections
    for (1 .. 10000) {
        if ($udp) {
            my $from = $sock->recv(my $buf, 65536);
            last unless defined $from;

        } else {
            my $c = $sock->accept or last;
            push @held, $c;
        }

        syswrite($w, '.');
    }

    sleep 3600;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;

    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub DESTROY {
    my ($self) = @_;
    local ($!, $?);
    $self->stop;
}

1;
