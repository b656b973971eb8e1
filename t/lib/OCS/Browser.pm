package OCS::Browser;

# A real browser for the tests: headless Chromium driven through
# chromedriver's W3C WebDriver HTTP API, spoken with HTTP::Tiny and
# JSON::PP.  Core Perl only.
#
#     plan(skip_all => OCS::Browser->missing) if OCS::Browser->missing;
#     my $b = OCS::Browser->new(port => $t->port('webdriver'),
#                               dir => $t->dir);
#     $b->go('https://localhost:8443/app/');
#     my $e = $b->find('#username');
#     $b->type($e, 'alice');
#     $b->click($b->find('button[type=submit]'));
#     $b->quit;                      # session, chromedriver, chromium
#
# args => [...] adds Chromium command-line switches.  The browser gets
# the test's environment (KRB5CCNAME and the like) through chromedriver.
#
# server => $t keeps the test's nginx until the browser has quit, also
# when the test dies: the browser's open connections would hold up a
# graceful stop of nginx.
#
# chromedriver is a child of the test, in a process group of its own, on
# a 127.0.0.1 port; the browser it starts keeps its profile in the test
# directory.  Everything is stopped by pid at the end, also when the test
# dies or is interrupted.

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX qw(WNOHANG);
use Scalar::Util qw(refaddr);
use Time::HiRes qw(sleep time);

# loaded before the END below, so that END stops the browser before
# File::Temp removes the directory it runs in
use File::Temp ();

our $CHROMIUM = '/usr/bin/chromium';
our $DRIVER = '/usr/bin/chromedriver';

# the W3C web element identifier
my $ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

# the browsers not quit yet, for END and the signals
my %LIVE;

# why no browser can run, or '' when one can
sub missing {
    return (-x $CHROMIUM && -x $DRIVER) ? ''
        : 'headless Chromium and chromedriver not installed'
          . ' (apt-get install chromium chromium-driver)';
}

sub new {
    my ($class, %o) = @_;

    die "OCS::Browser: no port\n" unless $o{port};
    die "OCS::Browser: no dir\n" unless $o{dir};

    my $self = bless {
        port    => $o{port},
        dir     => $o{dir},
        server  => $o{server},
        timeout => $o{timeout} || 10,
        args    => $o{args} || [],
        json    => JSON::PP->new->utf8->canonical,
        http    => HTTP::Tiny->new(timeout => 30, keep_alive => 1,
                                   agent => 'ocs-test'),
    }, $class;

    $self->{base} = "http://127.0.0.1:$self->{port}";
    $self->{profile} = "$self->{dir}/chromium-profile";
    $self->{log} = "$self->{dir}/chromedriver.log";

    mkdir $self->{profile};

    $LIVE{refaddr $self} = $self;

    # an interrupted test still runs END, which stops the browser (exit,
    # not die: an eval in the test must not catch the interruption)
    my %signo = (HUP => 1, INT => 2, TERM => 15);

    for my $sig (keys %signo) {
        $SIG{$sig} = sub { print STDERR "# killed by SIG$sig\n";
                           exit(128 + $signo{$sig}) }
            unless ref $SIG{$sig};
    }

    $self->_start_driver;
    $self->_start_session;

    return $self;
}

sub log_text {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return '';
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

sub _start_driver {
    my ($self) = @_;

    my $pid = fork;
    die "cannot fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $self->{log};
        open STDERR, '>&', \*STDOUT;
        # without --allowed-ips chromedriver listens on loopback only
        { no warnings 'exec'; exec $DRIVER, "--port=$self->{port}"; }
        POSIX::_exit(127);
    }

    # the parent too, so that no kill can race the child's setpgrp
    setpgrp($pid, $pid);

    $self->{pid} = $pid;

    my $deadline = time + 15;

    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            die "chromedriver exited with status $?:\n" . $self->log_text;
        }

        my $r = $self->{http}->get("$self->{base}/status");

        if ($r->{success}) {
            my $v = eval { $self->{json}->decode($r->{content})->{value} };
            return if $v && $v->{ready};
        }

        sleep 0.1;
    }

    die "chromedriver not ready on port $self->{port} in 15 s:\n"
        . $self->log_text;
}

sub _start_session {
    my ($self) = @_;

    my $caps = {
        capabilities => {
            alwaysMatch => {
                browserName => 'chrome',
                acceptInsecureCerts => JSON::PP::true,
                'goog:chromeOptions' => {
                    binary => $CHROMIUM,
                    args => [
                        '--headless=new',
                        '--no-sandbox',
                        '--disable-gpu',
                        '--disable-dev-shm-usage',
                        '--disable-quic',
                        '--no-first-run',
                        '--disable-background-networking',
                        '--disable-component-update',
                        '--disable-sync',
                        "--user-data-dir=$self->{profile}",
                        @{$self->{args}},
                    ],
                },
            },
        },
    };

    my $v = $self->_call('POST', '/session', $caps);

    $self->{session} = $v->{sessionId}
        or die "no session id from chromedriver\n";
    $self->{caps} = $v->{capabilities};
}

sub capabilities { $_[0]{caps} }

# one WebDriver command: (1, value) or (0, error, message)
sub _try {
    my ($self, $method, $path, $body) = @_;

    my %req = (headers => { 'Content-Type' => 'application/json' });
    $req{content} = $self->{json}->encode($body || {}) if $method eq 'POST';

    my $r = $self->{http}->request($method, $self->{base} . $path, \%req);
    my $doc = eval { $self->{json}->decode($r->{content}) };

    if (!$doc || ref $doc ne 'HASH') {
        return (0, 'bad response', "$r->{status} $r->{reason}: "
                . substr($r->{content} || '', 0, 300));
    }

    my $v = $doc->{value};

    if (!$r->{success}) {
        return (0, ref $v eq 'HASH' ? ($v->{error} || 'error') : 'error',
                ref $v eq 'HASH' ? ($v->{message} || '') : "$r->{status}");
    }

    return (1, $v);
}

sub _call {
    my ($self, $method, $path, $body) = @_;

    my ($ok, $v, $message) = $self->_try($method, $path, $body);
    return $v if $ok;

    $message = substr($message || '', 0, 400);
    die "webdriver $method $path: $v: $message\n";
}

# a command of the session
sub cmd {
    my ($self, $method, $path, $body) = @_;
    die "no webdriver session\n" unless $self->{session};
    return $self->_call($method, "/session/$self->{session}$path", $body);
}

sub try_cmd {
    my ($self, $method, $path, $body) = @_;
    return (0, 'no session') unless $self->{session};
    return $self->_try($method, "/session/$self->{session}$path", $body);
}

# --- navigation and the page -------------------------------------------

sub go { my ($self, $url) = @_; $self->cmd('POST', '/url', { url => $url }) }
sub refresh { $_[0]->cmd('POST', '/refresh', {}) }
sub url { $_[0]->cmd('GET', '/url') }
sub title { $_[0]->cmd('GET', '/title') }
sub source { $_[0]->cmd('GET', '/source') }

# the current URL in parts: scheme, host, port, path, query (raw), and
# the query's parameters decoded
sub location {
    my ($self) = @_;

    my $url = $self->url;
    my %u = (url => $url);

    @u{qw(scheme host port path query)} =
        $url =~ m{^(\w+)://([^/:]+)(?::(\d+))?([^?#]*)(?:\?([^#]*))?};

    $u{query} = '' unless defined $u{query};

    for (split /&/, $u{query}) {
        my ($k, $v) = split /=/, $_, 2;
        $u{param}{_unescape($k)} = _unescape(defined $v ? $v : '');
    }

    return \%u;
}

sub _unescape {
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $s;
}

# the script's return value
sub script {
    my ($self, $code, @args) = @_;
    return $self->cmd('POST', '/execute/sync',
                      { script => $code, args => \@args });
}

# the page as PNG
sub screenshot {
    my ($self) = @_;
    return decode_base64($self->cmd('GET', '/screenshot'));
}

# --- elements ----------------------------------------------------------

# the first element a CSS selector finds, or undef
sub find {
    my ($self, $css) = @_;

    my ($ok, $v, $message) = $self->try_cmd('POST', '/element',
        { using => 'css selector', value => $css });

    return $v->{$ELEMENT} if $ok;
    return undef if $v eq 'no such element';

    die "webdriver find $css: $v: $message\n";
}

sub find_all {
    my ($self, $css) = @_;

    my $v = $self->cmd('POST', '/elements',
                       { using => 'css selector', value => $css });

    return map { $_->{$ELEMENT} } @$v;
}

sub _e {
    my ($self, $e) = @_;
    die "no such element on " . $self->url . "\n" unless defined $e;
    return "/element/$e";
}

sub click { my ($s, $e) = @_; $s->cmd('POST', $s->_e($e) . '/click') }
sub clear { my ($s, $e) = @_; $s->cmd('POST', $s->_e($e) . '/clear') }
sub text { my ($s, $e) = @_; $s->cmd('GET', $s->_e($e) . '/text') }
sub tag { my ($s, $e) = @_; $s->cmd('GET', $s->_e($e) . '/name') }

sub type {
    my ($s, $e, $text) = @_;
    $s->cmd('POST', $s->_e($e) . '/value', { text => $text });
}

sub attribute {
    my ($s, $e, $name) = @_;
    return $s->cmd('GET', $s->_e($e) . "/attribute/$name");
}

sub property {
    my ($s, $e, $name) = @_;
    return $s->cmd('GET', $s->_e($e) . "/property/$name");
}

sub displayed {
    my ($s, $e) = @_;
    return $s->cmd('GET', $s->_e($e) . '/displayed') ? 1 : 0;
}

sub selected {
    my ($s, $e) = @_;
    return $s->cmd('GET', $s->_e($e) . '/selected') ? 1 : 0;
}

# whether an element's document has gone, as after a navigation
sub stale {
    my ($self, $e) = @_;

    my ($ok, $err) = $self->try_cmd('GET', $self->_e($e) . '/name');

    return 0 if $ok;
    return 1 if $err eq 'stale element reference' || $err eq 'no such element';
    return 0;
}

# --- cookies -----------------------------------------------------------

# the cookies of the current page, httpOnly ones included
sub cookies { @{ $_[0]->cmd('GET', '/cookie') } }

sub cookie {
    my ($self, $name) = @_;
    my ($c) = grep { $_->{name} eq $name } $self->cookies;
    return $c;
}

# --- waiting -----------------------------------------------------------

# polls until the code returns true, for at most the timeout: its value,
# or undef when the time ran out
sub wait_for {
    my ($self, $code, $timeout) = @_;

    my $deadline = time + ($timeout || $self->{timeout});

    while (1) {
        my $v = eval { $code->() };
        return $v if $v;
        return undef if time >= $deadline;
        sleep 0.05;
    }
}

# clicks and waits until the page the click was on has gone and the next
# one is loaded: the new page's URL, or undef when none came in time
sub click_and_wait {
    my ($self, $e, $timeout) = @_;

    my $old = $self->find('html');

    $self->click($e);

    $self->wait_for(sub { $self->stale($old) }, $timeout) or return undef;

    return $self->wait_for(sub {
        $self->script('return document.readyState') eq 'complete'
            && $self->url;
    }, $timeout);
}

# --- the end -----------------------------------------------------------

# [pid, start time] of every process below chromedriver
sub _descendants {
    my ($self) = @_;

    return () unless $self->{pid};

    my (%children, %start);

    opendir my $d, '/proc' or return ();

    for my $pid (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh>;
        close $fh;
        # pid (comm) state ppid ... starttime, the 22nd field
        next unless $stat
            && $stat =~ /^\d+ \(.*\)\s+\S+\s+(\d+)(?:\s+\S+){17}\s+(\d+)/s;
        push @{$children{$1}}, $pid;
        $start{$pid} = $2;
    }

    closedir $d;

    my @found;
    my @queue = ($self->{pid});

    while (@queue) {
        my $p = shift @queue;
        for my $c (@{$children{$p} || []}) {
            push @found, [$c, $start{$c}];
            push @queue, $c;
        }
    }

    return @found;
}

# the same process still alive (not the pid reused)
sub _alive {
    my ($proc) = @_;
    my ($pid, $start) = @$proc;

    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    close $fh;

    return 0 unless $stat
        && $stat =~ /^\d+ \(.*\)\s+(\S+)\s+\d+(?:\s+\S+){17}\s+(\d+)/s;
    return 0 if $1 eq 'Z';

    return $2 eq $start;
}

# the browser processes still alive after quit: (pid, ...)
sub leftovers {
    my ($self) = @_;
    return map { $_->[0] } grep { _alive($_) } @{$self->{procs} || []};
}

# ends the session, chromedriver and the browser; returns the pids that
# had to be killed
sub quit {
    my ($self) = @_;

    delete $LIVE{refaddr $self};

    my @procs = $self->_descendants;

    if ($self->{session}) {
        $self->_try('DELETE', "/session/$self->{session}");
        delete $self->{session};
    }

    if (my $pid = delete $self->{pid}) {
        kill 'TERM', -$pid;

        my $deadline = time + 5;
        while (time < $deadline) {
            last if waitpid($pid, WNOHANG) == $pid;
            sleep 0.05;
        }

        if (kill 0, $pid) {
            kill 'KILL', -$pid;
            waitpid($pid, 0);
        }
    }

    $self->{procs} = \@procs;

    # the browser has gone: nginx may stop now
    delete $self->{server};

    # what left chromedriver's process group: by pid, never by name
    my $deadline = time + 5;
    my @killed;

    while (my @left = grep { _alive($_) } @procs) {
        if (time >= $deadline) {
            kill 'KILL', map { $_->[0] } @left;
            push @killed, map { $_->[0] } @left;
            last;
        }
        sleep 0.05;
    }

    return @killed;
}

sub DESTROY {
    my ($self) = @_;
    $self->quit if $self->{pid} || $self->{session};
}

END {
    my $status = $?;
    $_->quit for values %LIVE;
    $? = $status;
}

1;
