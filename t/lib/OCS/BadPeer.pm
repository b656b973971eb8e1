package OCS::BadPeer;

# A TCP peer that misbehaves in one of the ways a broken domain
# controller, KDC or OTP server does, for the fault tests: a process on
# a free 127.0.0.1 port, forked by the test and stopped by pid.  Core
# Perl only.
#
#     my $p = OCS::BadPeer->new(mode => 'garbage');
#     ... "ldap://127.0.0.1:" . $p->port ...
#     $p->accepted;                   # connections taken so far
#     $p->stop;                       # also on DESTROY
#
# mode:  'garbage'   reads what the client sends first, answers 512
#                    bytes of noise and closes;
#        'cut'       reads, answers the bytes of prefix => '...' (the
#                    start of a real answer) and closes mid-answer;
#        'slow'      relays to => PORT, holding each answer for
#                    delay => seconds before it goes back;
#        'refuse'    nothing listens on the port: connections are
#                    refused (the port was free when it was picked).
#
# port => N takes that port instead of a free one (a peer started
# later on the port a refusing one had: the server comes back).
# tell => 1 (slow mode) also counts, in accepted(), each request the
# relay passes on: a test sees that a request over a pooled connection
# is on its way, and that its answer is held.

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(sleep);

use OCS::Child;

sub new {
    my ($class, %o) = @_;

    my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $o{port} || 0,
                                     ReuseAddr => 1,
                                     Proto => 'tcp', Listen => 64)
        or die "bad peer: cannot listen: $!\n";

    my $port = $sock->sockport;
    my $self = bless { port => $port, accepted => 0, %o }, $class;

    if ($o{mode} eq 'refuse') {
        close $sock;
        return $self;
    }

    ($self->{pid}, $self->{events}) =
        OCS::Child::spawn(sub { _serve($self, $sock, @_) });

    close $sock;

    return $self;
}

sub port { $_[0]{port} }

sub accepted {
    my ($self) = @_;
    return 0 unless $self->{events};
    return OCS::Child::count($self->{events}, \$self->{accepted});
}

sub _serve {
    my ($self, $sock, $w) = @_;

    alarm 300;

    # bounded: a test never needs more than this many connections
    for (1 .. 1000) {
        my $c = $sock->accept or last;
        syswrite($w, '.');

        if ($self->{mode} eq 'slow') {
            my $pid = fork;
            if (defined $pid && $pid == 0) {
                _relay($self, $c, $w);
                POSIX::_exit(0);
            }
            close $c;
            next;
        }

        my $sel = IO::Select->new($c);
        sysread($c, my $buf, 65536) if $sel->can_read(5);

        if ($self->{mode} eq 'garbage') {
            syswrite($c, join '', map { chr int rand 256 } 1 .. 512);
        } else {
            syswrite($c, $self->{prefix} // "\x30\x84\x00\x00\x10\x00\x02");
        }

        close $c;
    }
}

# forwards both ways, each answer held back for the delay
sub _relay {
    my ($self, $c, $w) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{to}",
                                  Proto => 'tcp', Timeout => 5)
        or return;
    my $sel = IO::Select->new($c, $s);

    for (1 .. 100000) {
        my @ready = $sel->can_read(30) or last;

        for my $fh (@ready) {
            my $n = sysread($fh, my $buf, 65536);
            return unless $n;

            if ($fh == $s) {
                sleep $self->{delay};
                syswrite($c, $buf);
            } else {
                syswrite($s, $buf);
                syswrite($w, '.') if $self->{tell};
            }
        }
    }
}

sub stop {
    my ($self) = @_;
    OCS::Child::stop(delete $self->{pid}) if $self->{pid};
}

sub DESTROY {
    my ($self) = @_;
    local ($!, $?);
    $self->stop if $self->{pid} && OCS::Child::owned($self->{pid});
}

1;
