package OCS::Relay;

# A TCP relay between a client and a server, for fault tests: a process
# on a free 127.0.0.1 port that forwards every byte both ways, except
# that after the client sends something matching "lose", the server's
# answer is thrown away (until the client sends again).  That is a
# request the server got and judged, whose answer never came back: a
# lost packet, a dead link, a server that answered too late.  Stopped by
# pid.
#
#     my $relay = OCS::Relay->new(to => $port, lose => qr/cn=ned,/);
#     ... "ldap://127.0.0.1:" . $relay->port ...
#     $relay->lost;                  # answers thrown away so far

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;

use OCS::Child;

sub new {
    my ($class, %o) = @_;

    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => 0, Listen => 16,
                                       ReuseAddr => 1, Proto => 'tcp')
        or die "relay: cannot listen: $!\n";

    my $port = $listen->sockport;
    my ($pid, $events) = OCS::Child::spawn(sub {
        _serve($listen, $o{to}, $o{lose}, @_);
    });

    close $listen;

    return bless { pid => $pid, port => $port, events => $events,
                   lost => 0 }, $class;
}

sub port { $_[0]{port} }

# the server's answers thrown away so far
sub lost {
    my ($self) = @_;
    return OCS::Child::count($self->{events}, \$self->{lost});
}

# one select loop for every pair; bounded by the number of events
sub _serve {
    my ($listen, $to, $lose, $w) = @_;

    my $sel = IO::Select->new($listen);
    my (%peer, %client, %drop);

    for (1 .. 1_000_000) {
        for my $fh ($sel->can_read(60)) {
            if ($fh == $listen) {
                my $c = $listen->accept or next;
                my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => $to, Proto => 'tcp')
                    or do { close $c; next };
                $peer{$c} = $s;
                $peer{$s} = $c;
                $client{$c} = 1;
                $sel->add($c, $s);
                next;
            }

            # its pair may have closed earlier in this round
            my $other = $peer{$fh} or next;
            my $n = sysread($fh, my $buf, 65536);

            if (!$n) {
                $sel->remove($fh, $other);
                close $fh;
                close $other;
                delete @peer{$fh, $other};
                next;
            }

            if ($client{$fh}) {
                $drop{$other} = ($buf =~ $lose) ? 1 : 0;
                syswrite($other, $buf);

            } elsif ($drop{$fh}) {
                syswrite($w, '.');

            } else {
                syswrite($other, $buf);
            }
        }
    }
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
