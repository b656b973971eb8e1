package OCS::Echo;

# An upstream that records what reaches it: it answers each request with
# the request's header block exactly as it arrived, byte for byte, and
# appends that block to a log, so that a test sees what the proxy passed
# on (subrequests included).  One forked child on a free 127.0.0.1 port,
# one connection at a time, stopped by pid.  Core Perl only.
#
#     my $echo = OCS::Echo->new($t);          # %%PORT_echo%%
#     $echo->start;
#     my $r = $t->get('/app/');               # body: the headers it got
#     my @seen = $echo->requests;             # every header block so far
#     $echo->stop;                            # also when the test ends

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use POSIX qw(_exit);
use Time::HiRes qw(time sleep);

sub new {
    my ($class, $t, %o) = @_;

    return bless { t => $t, name => $o{name} || 'echo' }, $class;
}

sub port { $_[0]{t}->port($_[0]{name}) }
sub log_path { $_[0]{t}->path("$_[0]{name}.log") }

sub start {
    my ($self) = @_;

    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => $self->port,
                                       Proto => 'tcp', Listen => 16,
                                       ReuseAddr => 1)
        or die "echo: cannot listen on port " . $self->port . ": $!\n";

    my $log = $self->log_path;
    my $pid = fork;
    die "echo: cannot fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        # never unwinds into the test's destructors (they stop nginx)
        $SIG{TERM} = sub { _exit(0) };
        $SIG{PIPE} = 'IGNORE';

        while (1) {
            my $c = $listen->accept or next;
            eval { _serve($c, $log) };
            close $c;
        }
    }

    close $listen;
    $self->{pid} = $pid;

    return $self;
}

# every header block received so far, oldest first
sub requests {
    my ($self) = @_;

    my $text = $self->{t}->read_file($self->log_path);

    return grep { length } split /\r\n\r\n/, $text;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;

    kill 'TERM', $pid;
    waitpid $pid, 0;
}

sub DESTROY { $_[0]->stop }

# one request, with a deadline: a silent client does not hold the server
sub _serve {
    my ($c, $log) = @_;

    my $sel = IO::Select->new($c);
    my $deadline = time + 5;
    my $buf = '';

    while ($buf !~ /\r\n\r\n/) {
        my $left = $deadline - time;
        return if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($c, $buf, 65536, length $buf);
        return unless $n;
    }

    my ($head) = $buf =~ /^(.*?\r\n)\r\n/s;
    my $want = $head =~ /^Content-Length:\s*(\d+)/mi ? $1 : 0;
    my $have = length($buf) - length($head) - 2;

    while ($have < $want) {
        my $left = $deadline - time;
        return if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($c, my $more, 65536);
        return unless $n;
        $have += $n;
    }

    if (open my $fh, '>>', $log) {
        print $fh "$head\r\n";
        close $fh;
    }

    print $c "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        . "Content-Length: " . length($head) . "\r\n"
        . "Connection: close\r\n\r\n" . $head;
}

1;
