package OCS::KdcPeer;

# A KDC that misbehaves, for the deadline tests: a small Perl process on
# one 127.0.0.1 port, UDP and TCP, forked by the test and stopped by pid.
# Core Perl only.
#
#     my $p = OCS::KdcPeer->new($t, name => 'silent',
#                               udp => 'drop', tcp => 'hold');
#     $p->start;
#     $p->port;            # for krb5.conf: kdc = 127.0.0.1:PORT
#     $p->count;           # requests seen so far, UDP and TCP
#     $p->stop;            # by pid: TERM, then KILL
#
# udp:  'drop'     reads each datagram and never answers;
#       'too_big'  answers each with KRB_ERR_RESPONSE_TOO_BIG (RFC 4120
#                  7.2.1), which sends a client on to TCP; the error
#                  names realm => 'OCS.TEST' unless told otherwise;
#       'garbage'  answers each with 200 bytes of noise;
#       'none'     no UDP socket: the kernel refuses (ICMP unreachable).
# tcp:  'hold'     accepts, reads and never answers, keeping each
#                  connection open;
#       'relay:N:PORT'  relays the first N requests to the KDC on PORT,
#                  then holds as 'hold' does: a KDC that answers the
#                  password exchange and then goes silent;
#       'garbage'  answers each request with a well-framed message of
#                  noise (a 4-byte length, then random bytes);
#       'cut'      answers each with a length of 4096 and 10 bytes, then
#                  closes the connection: a KDC gone mid-answer;
#       'none'     no listener: connections are refused.
#
# The process ends by itself after 300 s (an alarm), so that no peer
# outlives a test that died without stopping it.

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use OCS::Child;
use Time::HiRes qw(sleep time);


sub new {
    my ($class, $t, %opts) = @_;

    my $self = bless {
        t     => $t,
        name  => $opts{name} || 'peer',
        udp   => $opts{udp} || 'none',
        tcp   => $opts{tcp} || 'none',
        realm => $opts{realm} || 'OCS.TEST',
    }, $class;

    $self->{count} = $t->path("kdcpeer-$self->{name}.count");

    return $self;
}

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }

# requests seen so far: datagrams and TCP messages
sub count {
    my ($self) = @_;
    open my $fh, '<', $self->{count} or return 0;
    my $n = () = <$fh>;
    return $n;
}

sub start {
    my ($self) = @_;

    return $self if $self->{pid};

    my ($udp, $tcp, $port);

    # one port for both, as a KDC has it: bound here, before the fork,
    # so that the port is taken once start returns
    for my $i (0 .. 20) {
        $port = $self->{t}->port($i ? "$self->{name}-$i" : $self->{name});

        $udp = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $port, Proto => 'udp');
        next unless $udp;

        last if $self->{tcp} eq 'none';

        $tcp = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $port, Proto => 'tcp',
                                     Listen => 16, ReuseAddr => 1);
        last if $tcp;

        close $udp;
        undef $udp;
    }

    die "no port free for tcp and udp for $self->{name}\n" unless $udp;

    if ($self->{udp} eq 'none') {
        # the port stays reserved by the TCP side, or by nothing
        close $udp;
        undef $udp;
    }

    open my $log, '>', $self->{count} or die "$self->{count}: $!\n";
    close $log;

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        alarm 300;
        eval { $self->_serve($udp, $tcp) };
        POSIX::_exit(0);
    }

    close $udp if $udp;
    close $tcp if $tcp;

    $self->{pid} = $pid;
    $self->{port} = $port;
    OCS::Child::adopt($pid);

    return $self;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;
    OCS::Child::stop($pid);
}


sub DESTROY {
    my ($self) = @_;
    local ($., $@, $!, $^E, $?);
    $self->stop if OCS::Child::owned($self->{pid});
}


# --- the child --------------------------------------------------------

sub _serve {
    my ($self, $udp, $tcp) = @_;

    my $sel = IO::Select->new(grep { defined } $udp, $tcp);
    my (%held, %buf);
    my ($relay, $kdc) = $self->{tcp} =~ /^relay:(\d+):(\d+)$/;

    while (1) {
        for my $fh ($sel->can_read) {
            if (defined $udp && $fh == $udp) {
                my $peer = $udp->recv(my $dgram, 65536);
                next unless defined $peer;
                $self->_note('udp');
                $udp->send(_too_big($self->{realm}), 0, $peer)
                    if $self->{udp} eq 'too_big';
                $udp->send(_noise(200), 0, $peer)
                    if $self->{udp} eq 'garbage';

            } elsif (defined $tcp && $fh == $tcp) {
                my $c = $tcp->accept or next;
                $sel->add($c);
                $held{$c} = $c;
                $buf{$c} = '';

            } else {
                my $n = sysread($fh, my $data, 65536);

                if (!$n) {
                    $sel->remove($fh);
                    delete $held{$fh};
                    delete $buf{$fh};
                    close $fh;
                    next;
                }

                $buf{$fh} .= $data;
                next if length $buf{$fh} < 4;

                my $len = unpack 'N', $buf{$fh};
                next if length $buf{$fh} < 4 + $len;

                my $msg = substr $buf{$fh}, 0, 4 + $len, '';
                $self->_note('tcp');

                if (defined $relay && $relay > 0) {
                    $relay--;
                    syswrite $fh, _relay($kdc, $msg);

                } elsif ($self->{tcp} eq 'garbage') {
                    syswrite $fh, pack('N', 300) . _noise(300);

                } elsif ($self->{tcp} eq 'cut') {
                    syswrite $fh, pack('N', 4096) . _noise(10);
                    $sel->remove($fh);
                    delete $held{$fh};
                    delete $buf{$fh};
                    close $fh;
                }
            }
        }
    }
}

sub _noise { join '', map { chr int rand 256 } 1 .. $_[0] }

sub _note {
    my ($self, $what) = @_;
    open my $fh, '>>', $self->{count} or return;
    print $fh "$what\n";
    close $fh;
}

# one TCP exchange with the real KDC, within a few seconds
sub _relay {
    my ($port, $msg) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 5) or return '';
    syswrite $s, $msg;

    my $reply = '';
    my $sel = IO::Select->new($s);

    while ($sel->can_read(5)) {
        my $n = sysread($s, my $data, 65536);
        last unless $n;
        $reply .= $data;
        last if length $reply >= 4
                && length $reply >= 4 + unpack('N', $reply);
    }

    close $s;

    return $reply;
}

# --- DER, just enough for one KRB-ERROR -------------------------------

sub _tlv {
    my ($tag, $body) = @_;

    my $len = length $body;
    my $l = $len < 128 ? chr $len
          : $len < 256 ? "\x81" . chr $len
          : "\x82" . pack 'n', $len;

    return chr($tag) . $l . $body;
}

sub _int { _tlv(0x02, chr $_[0]) }
sub _str { _tlv(0x1b, $_[0]) }
sub _ctx { _tlv(0xa0 + $_[0], $_[1]) }

# KRB-ERROR (RFC 4120 5.9.1): error-code 52, response too big; a client
# reads only the code before it tries again over TCP
sub _too_big {
    my ($realm) = @_;
    my @t = gmtime;
    my $now = sprintf '%04d%02d%02d%02d%02d%02dZ', $t[5] + 1900, $t[4] + 1,
                      @t[3, 2, 1, 0];
    my $sname = _tlv(0x30, _ctx(0, _int(2))
                           . _ctx(1, _tlv(0x30, _str('krbtgt')
                                                . _str($realm))));

    return _tlv(0x7e, _tlv(0x30, _ctx(0, _int(5)) . _ctx(1, _int(30))
                                 . _ctx(4, _tlv(0x18, $now))
                                 . _ctx(5, _int(0)) . _ctx(6, _int(52))
                                 . _ctx(9, _str($realm))
                                 . _ctx(10, $sname)));
}

1;
