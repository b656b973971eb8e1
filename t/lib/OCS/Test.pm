package OCS::Test;

# The server-neutral half of the test harness: a private directory per
# test file, free 127.0.0.1 ports, the user and key files, a self-signed
# certificate, HTTP through real curl, and the end check.  Starting,
# configuring and stopping the web server is a driver's job
# (OCS::Test::Nginx today); OCS::Test->new returns the driver that
# OCS_SERVER names (default "nginx"), so a scenario file does not name
# its server.  Core Perl only.  See t/README.
#
#     my $t = OCS::Test->new;        # an OCS::Test::Nginx
#     plan tests => 2;               # every file plans its count
#     $t->users(alice => 'secret');
#     $t->keyfile('ticket.keys', 1);
#     $t->run(<<'EOF');              # the driver's configuration
#     http { server { listen 127.0.0.1:%%PORT_https%% ssl; ... } }
#     EOF
#     my $r = $t->get('/protected', jar => 'a');
#     is($r->status, 302, 'redirect');
#     $t->done;                      # stops the server, checks its log
#
# In a configuration, %%PORT_name%% becomes a free port (the same one for
# the same name), %%TESTDIR%% the test directory, %%CERT%% and %%KEY%% a
# self-signed certificate for localhost and 127.0.0.1.
#
# A driver is a subclass that provides:
#
#     defaults        its fields' defaults (binaries, module), from %ENV
#     missing         why the file cannot run here ('' when it can)
#     config(text, %opts)      writes the configuration
#     try_config(text, %opts)  checks one: returns (ok, output)
#     run(text, %opts)         writes it (when given), starts, waits for
#                              the ports; a failed start ends the run
#     reload(text)             reloads, waits for the new workers
#     stop                     stops the server by pid (kept in
#                              $self->{pid}: DESTROY stops it too)
#     error_log, access_log, startup_log   the logs' text
#     log_problems             the error log lines that fail a file
#                              (alerts, crashes)
#     built_with(what), server_version     what was built

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Test::More;

use OCS::Test::Response;

my $ROOT = abs_path(dirname(__FILE__) . '/../../..');

sub new {
    my ($class, %opts) = @_;

    # the scenario files ask for OCS::Test: the driver is chosen here
    if ($class eq __PACKAGE__) {
        my $server = $opts{server} || $ENV{OCS_SERVER} || 'nginx';
        my $driver = __PACKAGE__ . '::' . ucfirst(lc $server);

        eval "require $driver; 1"
            or die "OCS_SERVER=$server: no test driver $driver\n$@";

        return $driver->new(%opts);
    }

    my $self = bless {
        root   => $ROOT,
        build  => $ENV{OCS_BUILD} || "$ROOT/build",
        ports  => {},
        keep   => $ENV{OCS_TEST_KEEP},
        $class->defaults($ROOT),
        %opts,
    }, $class;

    my $missing = $self->missing;
    plan(skip_all => $missing) if $missing;

    $self->{dir} = tempdir('ocs-test-XXXXXX', TMPDIR => 1,
                           CLEANUP => !$self->{keep});

    # the server's workers run as nobody when the tests run as root
    chmod 0755, $self->{dir};
    diag("test directory: $self->{dir}") if $self->{keep};

    return $self;
}

# the driver's part (see above)
sub defaults { () }
sub missing { '' }

for my $method (qw(config try_config run reload stop error_log access_log
                   startup_log log_problems built_with server_version))
{
    no strict 'refs';
    *{$method} = sub {
        die ref($_[0]) . " does not implement $method\n";
    };
}

sub dir { $_[0]{dir} }

sub root { $_[0]{root} }

# a free port on 127.0.0.1, the same one for the same name
sub port {
    my ($self, $name) = @_;

    return $self->{ports}{$name} if $self->{ports}{$name};

    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => 0, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 1)
            or next;
        my $port = $s->sockport;
        close $s;
        next if grep { $_ == $port } values %{$self->{ports}};
        return $self->{ports}{$name} = $port;
    }

    die "no free port for $name\n";
}

sub path { my ($self, $name) = @_; return "$self->{dir}/$name" }

# --- small file systems of a test's own ----------------------------------

# the tmpfs mounts to take away when the file ends: this END block runs
# before File::Temp's (loaded first), so a mount is gone before its
# test directory is removed
my @MOUNTS;
END { system('umount', '-l', $_) for reverse @MOUNTS }

# $t->tmpfs('full', '64k', 0777): a tmpfs of that size mounted at a new
# directory of the test's; its path, or undef (with the reason in $@)
# where mounting is refused (not root, a container without the right)
sub tmpfs {
    my ($self, $name, $size, $mode) = @_;

    my $dir = $self->path($name);
    mkdir $dir;
    chmod $mode // 0755, $dir;

    my $opts = sprintf 'size=%s,mode=%04o', $size, $mode // 0755;

    if (system("mount -t tmpfs -o $opts tmpfs $dir 2>/dev/null") != 0) {
        $@ = 'no tmpfs mount here (mount -t tmpfs refused)';
        return undef;
    }

    push @MOUNTS, $dir;
    $@ = '';

    return $dir;
}

# fills the file system of dir (a tmpfs above) with dir/fill, leaving
# about leave bytes (0 unless told) free; returns the bytes written
sub fill {
    my ($self, $dir, $leave) = @_;

    my ($avail) = `df -B1 --output=avail $dir` =~ /(\d+)\s*$/;
    my $want = ($avail // 0) - ($leave // 0);
    my $block = "\0" x 4096;
    my $done = 0;

    open my $fh, '>', "$dir/fill" or die "$dir/fill: $!\n";

    while ($done < $want) {
        my $n = $want - $done < 4096 ? $want - $done : 4096;
        last unless syswrite $fh, $block, $n;
        $done += $n;
    }

    close $fh;

    return $done;
}

sub write_file {
    my ($self, $name, $content, $mode) = @_;

    my $path = $self->path($name);
    open my $fh, '>', $path or die "cannot write $path: $!\n";
    print $fh $content;
    close $fh;
    chmod(defined $mode ? $mode : 0644, $path);

    return $path;
}

sub read_file {
    my ($self, $name) = @_;

    my $path = $name =~ m{^/} ? $name : $self->path($name);
    open my $fh, '<', $path or return '';
    local $/;
    my $text = <$fh>;
    close $fh;

    return defined $text ? $text : '';
}

# a user file made with the project's own ocs-passwd
sub users {
    my ($self, @pairs) = @_;
    my $file = 'users';
    $file = shift @pairs if @pairs % 2;

    my $path = $self->path($file);

    while (my ($user, $password) = splice @pairs, 0, 2) {
        open my $p, '|-', "$self->{build}/ocs-passwd $path '$user' 2>/dev/null"
            or die "cannot run ocs-passwd: $!\n";
        print $p "$password\n";
        close $p or die "ocs-passwd failed for $user\n";
    }

    chmod 0644, $path;

    return $path;
}

# a key file of n fresh random keys, as the documentation says to make one
sub keyfile {
    my ($self, $name, $n) = @_;

    my $text = '';
    $text .= `openssl rand -base64 32` for 1 .. ($n || 1);

    return $self->write_file($name, $text, 0600);
}

sub cert {
    my ($self) = @_;

    return if -f $self->path('cert.pem');

    my $cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
        . " -nodes -days 2 -subj /CN=localhost"
        . " -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
        . " -keyout $self->{dir}/key.pem -out $self->{dir}/cert.pem"
        . " 2>/dev/null";
    system($cmd) == 0 or die "openssl req failed\n";
}

sub expand {
    my ($self, $text) = @_;

    $text =~ s/%%PORT_(\w+)%%/$self->port($1)/ge;
    $text =~ s/%%TESTDIR%%/$self->{dir}/g;
    $text =~ s/%%CERT%%/$self->{dir}\/cert.pem/g;
    $text =~ s/%%KEY%%/$self->{dir}\/key.pem/g;

    return $text;
}

# both logs, for checking that no secret went into either
sub logs { $_[0]->error_log . $_[0]->access_log }

# stops the server and fails the file on a crash or an [alert] in its
# error log; the file must have planned its tests (plan tests => N),
# so that one that stops early fails
sub done {
    my ($self) = @_;

    $self->stop;

    my @bad = $self->log_problems;

    ok(!@bad, 'no alerts or crashes in error.log')
        or diag(join "\n", @bad);

    my $plan = Test::More->builder->has_plan;

    fail('the file plans its number of tests (plan tests => N)')
        unless $plan && $plan ne 'no_plan';

    done_testing();
}

sub DESTROY {
    my ($self) = @_;
    $self->stop if $self->{pid};
}

# --- HTTP through real curl -------------------------------------------

# $t->get('/path', jar => 'a', headers => [...], plain => 1, port => 'x',
#        curl => [more curl arguments])
sub get { my ($self, $uri, %o) = @_; return $self->http('GET', $uri, %o) }
sub head { my ($self, $uri, %o) = @_; return $self->http('HEAD', $uri, %o) }

# $t->post('/path', form => [name => value, ...], ...)
sub post { my ($self, $uri, %o) = @_; return $self->http('POST', $uri, %o) }

sub url {
    my ($self, $uri, %o) = @_;

    return $uri if $uri =~ m{^https?://};

    my $scheme = $o{plain} ? 'http' : 'https';
    my $port = $self->port($o{port} || $scheme);

    return "$scheme://127.0.0.1:$port$uri";
}

sub http {
    my ($self, $method, $uri, %o) = @_;

    my $hdr = $self->path('.curl-headers');
    my $body = $self->path('.curl-body');
    unlink $hdr, $body;

    my @cmd = ('curl', '-s', '-k', '--max-time', $o{timeout} || 15,
               '-D', $hdr, '-o', $body, '-w', '%{http_code}');

    push @cmd, $method eq 'HEAD' ? ('-I') : ('-X', $method);

    if ($o{jar}) {
        my $jar = $self->path("jar-$o{jar}");
        push @cmd, '-b', $jar, '-c', $jar;
    }

    push @cmd, '-H', $_ for @{$o{headers} || []};

    if ($o{form}) {
        my @f = @{$o{form}};
        while (my ($k, $v) = splice @f, 0, 2) {
            push @cmd, '--data-urlencode', "$k=$v";
        }
    }

    push @cmd, '--data-binary', $o{body} if defined $o{body};
    push @cmd, '--resolve', $o{resolve} if $o{resolve};
    push @cmd, @{$o{curl} || []};

    push @cmd, $self->url($uri, %o);

    open my $p, '-|', @cmd or die "cannot run curl: $!\n";
    my $code = <$p>;
    close $p;

    return OCS::Test::Response->new(
        code    => $code,
        headers => $self->read_file($hdr),
        body    => $method eq 'HEAD' ? '' : $self->read_file($body),
    );
}

# the cookies a jar holds: { name => value }
sub jar_cookies {
    my ($self, $name) = @_;

    my %c;

    for (split /\n/, $self->read_file("jar-$name")) {
        s/^#HttpOnly_//;
        next if /^#/ || !/\S/;
        my @f = split /\t/;
        $c{$f[5]} = $f[6] if @f >= 7;
    }

    return \%c;
}

# many POSTs of forms (each [name => value, ...]) to one path over one
# connection, as a flood comes: one curl; their statuses, in order.
# $t->posts('/ocs/signin', \@forms, jar => 'a', curl => [...])
sub posts {
    my ($self, $uri, $forms, %o) = @_;

    return () unless @$forms;

    my @cmd = ('curl');

    for my $i (0 .. $#$forms) {
        push @cmd, '--next' if $i;
        push @cmd, $self->_batch_args(%o), '-o', '/dev/null',
                   '-w', '%{http_code}\n';

        my @f = @{$forms->[$i]};
        while (my ($k, $v) = splice @f, 0, 2) {
            push @cmd, '--data-urlencode', "$k=" . ($v // '');
        }

        push @cmd, $self->url($uri, %o);
    }

    open my $p, '-|', @cmd or die "cannot run curl: $!\n";
    chomp(my @codes = <$p>);
    close $p;

    return @codes;
}

# n GETs of one path over one connection: one curl; their bodies ('' for
# one that failed)
sub gets {
    my ($self, $uri, $n, %o) = @_;

    return () unless $n > 0;

    my @cmd = ('curl');
    my @files = map { $self->path(".curl-batch-$_") } 1 .. $n;

    unlink @files;

    for my $i (0 .. $n - 1) {
        push @cmd, '--next' if $i;
        push @cmd, $self->_batch_args(%o), '-o', $files[$i],
                   $self->url($uri, %o);
    }

    system(@cmd);

    my @bodies = map { $self->read_file($_) } @files;
    unlink @files;

    return @bodies;
}

sub _batch_args {
    my ($self, %o) = @_;

    my @args = ('-s', '-k', '--max-time', $o{timeout} || 300);

    if ($o{jar}) {
        my $jar = $self->path("jar-$o{jar}");
        push @args, '-b', $jar, '-c', $jar;
    }

    return (@args, @{$o{curl} || []});
}

sub copy_jar {
    my ($self, $from, $to) = @_;
    $self->write_file("jar-$to", $self->read_file("jar-$from"));
}

# signs in through the real form: returns the POST's response
sub signin {
    my ($self, $user, $password, %o) = @_;

    my $signin = $o{signin} || '/ocs/signin';
    my $page = $self->get($signin . ($o{back} ? "?r=$o{back}" : ''),
                          jar => $o{jar} || 'default', port => $o{port},
                          curl => $o{curl});
    my $csrf = $page->field('csrf');
    my $back = $page->field('r');

    return $self->post($signin, jar => $o{jar} || 'default', port => $o{port},
                       headers => $o{headers}, curl => $o{curl},
                       form => [csrf => $csrf, r => $back,
                                username => $user, password => $password,
                                computer => $o{computer} || 'public']);
}

# a raw exchange over TLS through openssl s_client, written in pieces
# with a pause between them (as browsers do: headers, then the body)
sub tls_pieces {
    my ($self, $port, @pieces) = @_;

    my $out = $self->path('.tls-reply');
    my $pid = open(my $w, '|-', "openssl s_client -quiet -connect "
                   . "127.0.0.1:$port -servername localhost >$out 2>/dev/null")
        or die "cannot run openssl s_client: $!\n";

    select((select($w), $| = 1)[0]);
    sleep 0.5;

    for my $piece (@pieces) {
        print $w $piece;
        sleep 0.3;
    }

    sleep 0.5;
    close $w;

    return $self->read_file($out);
}

# a raw exchange over plain TCP: returns what the server sent before it
# closed or the timeout
sub raw {
    my ($self, $port, $request, %o) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 5)
        or die "cannot connect to $port: $!\n";

    print $s $request;

    my $reply = '';
    my $deadline = time + ($o{timeout} || 5);

    $s->blocking(0);

    while (time < $deadline) {
        my $n = sysread($s, my $buf, 65536);
        if (defined $n && $n == 0) { last }
        if ($n) { $reply .= $buf; last if $o{first} && $reply =~ /\r\n\r\n/ }
        sleep 0.02;
    }

    close $s;

    return $reply;
}

1;
