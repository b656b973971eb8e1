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

use OCS::Child;

sub new {
    my ($class, %o) = @_;

    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1,
        $o{udp} ? (Proto => 'udp') : (Proto => 'tcp', Listen => 64))
        or die "silent peer: cannot listen: $!\n";

    my $port = $sock->sockport;
    my ($pid, $events) = OCS::Child::spawn(sub { _serve($sock, @_, $o{udp}) });

    close $sock;

    return bless { port => $port, pid => $pid, events => $events,
                   accepted => 0 }, $class;
}

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }

# how many connections (TCP) or datagrams (UDP) have come in so far
sub accepted {
    my ($self) = @_;
    return OCS::Child::count($self->{events}, \$self->{accepted});
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
    OCS::Child::stop(delete $self->{pid});
}

sub DESTROY {
    my ($self) = @_;
    local ($!, $?);
    $self->stop if OCS::Child::owned($self->{pid});
}

1;
