package OCS::Kdc;

# A real MIT Kerberos KDC (Debian's krb5kdc 1.20) on 127.0.0.1 for the
# integration tests: a private realm, OCS.TEST by default, whose database,
# krb5.conf and kdc.conf live in the test directory.  Nothing system-wide
# is read or written: every tool runs with KRB5_CONFIG and KRB5_KDC_PROFILE
# pointing there.  Core Perl only.
#
#     my $t = OCS::Test->new;
#     my $kdc = OCS::Kdc->new($t);         # name => 'kdc' by default
#     $kdc->start;         # first call: the configuration, the database
#                          # (kdb5_util create -s, a random master password,
#                          # the stash file), then krb5kdc -n as a child;
#                          # after a stop: the same realm, the same keys
#     $kdc->addprinc('alice', 'alice-pw');   # with a password
#     $kdc->addprinc('HTTP/localhost');      # with random keys
#     $kdc->keytab('http.keytab', 'HTTP/localhost');  # its path, 0644
#     my ($rc, $out) = $kdc->kinit('alice', 'alice-pw');
#     my ($rc, $out) = $kdc->kinit('alice', 'pw', ccache => $file);
#     my ($rc, $out) = $kdc->kinit('alice', 'pw', lifetime => '2s');
#     my ($rc, $out) = $kdc->run('klist', '-k', $file);  # any tool
#     my %env = $kdc->env;     # what another process needs, see below
#     $kdc->realm;             # OCS.TEST
#     $kdc->port;              # the KDC's port, TCP and UDP
#     $kdc->ccache;            # FILE:DIR/ccache, the default cache
#     $kdc->kdc_log;           # what krb5kdc logged
#     $kdc->stop;              # by pid: TERM, up to 10 s, then KILL
#     $kdc->pause;             # SIGSTOP: the sockets stay, nothing answers
#     $kdc->resume;            # SIGCONT
#     $kdc->client_conf('krb5-two.conf', kdcs => ['127.0.0.1:5000',
#                       $kdc->kdc]);  # krb5.conf naming other KDCs, UDP
#                                     # first; tcp_first => 1 keeps
#                                     # udp_preference_limit = 1
#
# The port is $t->port($name) (also free for UDP), the files live in
# $t->dir/krb5kdc-$name, so a test can run two realms (name => 'kdc2',
# realm => 'OTHER.TEST'); libdefaults => "clockskew = 1\n" adds lines to
# krb5.conf's [libdefaults].  Principals may be added and keytabs exported
# before start, while running and after a stop: kadmin.local works on the
# database itself.  The KDC started is stopped when the object goes away
# and at END, also when the test dies.
#
# env() gives KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME and KRB5RCACHEDIR
# (a directory every user may write, for acceptors that keep a replay
# cache); env(keytab => $file) adds KRB5_KTNAME, env(ccache => $file)
# names another cache.  nginx passes none of them to its workers unless
# its configuration says "env KRB5_CONFIG;" and so on.
#
# krb5.conf asks no DNS (dns_lookup_kdc, dns_lookup_realm, rdns and
# dns_canonicalize_hostname false, qualify_shortname empty: "localhost"
# stays "localhost"), maps localhost and 127.0.0.1 to the realm and sets
# udp_preference_limit = 1, so clients speak TCP to the KDC.

use strict;
use warnings;

use File::Path qw(make_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use OCS::Child;
use Time::HiRes qw(sleep time);
use Test::More;

use OCS::Run qw(capture write_in slurp random_hex);

my $SBIN = $ENV{OCS_KRB5_SBIN} || '/usr/sbin';
my $BIN = $ENV{OCS_KRB5_BIN} || '/usr/bin';

# how long a client tool may take before the alarm ends it
my $TOOL_TIMEOUT = 30;


sub new {
    my ($class, $t, %opts) = @_;

    my $name = $opts{name} || 'kdc';

    for my $tool ("$SBIN/krb5kdc", "$SBIN/kdb5_util", "$SBIN/kadmin.local",
                  "$BIN/kinit", "$BIN/klist")
    {
        plan(skip_all => "no $tool (apt-get install krb5-kdc"
                         . " krb5-admin-server krb5-user)")
            unless -x $tool;
    }

    my $self = bless {
        t      => $t,
        name   => $name,
        realm  => $opts{realm} || 'OCS.TEST',
        extra  => $opts{libdefaults} || '',
        dir    => $t->path("krb5kdc-$name"),
        master => random_hex(16),
    }, $class;

    $self->{port} = $self->_free_port;

    return $self;
}

sub dir { $_[0]{dir} }
sub realm { $_[0]{realm} }
sub port { $_[0]{port} }
sub kdc { "127.0.0.1:$_[0]{port}" }
sub pid { $_[0]{pid} }
sub krb5_conf { "$_[0]{dir}/krb5.conf" }
sub kdc_conf { "$_[0]{dir}/kdc.conf" }
sub ccache { "FILE:$_[0]{dir}/ccache" }

# what krb5kdc logged, and printed before its log was open
sub kdc_log {
    my ($self) = @_;
    return slurp("$self->{dir}/kdc.log")
        . slurp("$self->{dir}/krb5kdc.out");
}

# what a client or a server process needs to use this realm
sub env {
    my ($self, %opts) = @_;

    my %env = (
        KRB5_CONFIG      => $self->krb5_conf,
        KRB5_KDC_PROFILE => $self->kdc_conf,
        KRB5CCNAME       => $opts{ccache} ? _file($opts{ccache})
                                          : $self->ccache,
        KRB5RCACHEDIR    => "$self->{dir}/rcache",
    );

    $env{KRB5_KTNAME} = _file($self->_path($opts{keytab})) if $opts{keytab};

    return %env;
}

# $t->port() knows only that TCP is free: the KDC binds UDP as well
sub _free_port {
    my ($self) = @_;

    for my $i (0 .. 20) {
        my $port = $self->{t}->port($i ? "$self->{name}-$i" : $self->{name});
        my $u = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $port, Proto => 'udp');
        next unless $u;
        close $u;
        return $port;
    }

    die "no port free for both tcp and udp for $self->{name}\n";
}

sub start {
    my ($self) = @_;

    return $self if $self->{pid};

    # a test killed by a signal still runs END, which stops the KDC
    for my $sig (qw(INT TERM HUP)) {
        my $n = { HUP => 1, INT => 2, TERM => 15 }->{$sig};
        $SIG{$sig} = sub { exit 128 + $n }
            if !$SIG{$sig} || $SIG{$sig} eq 'DEFAULT';
    }

    $self->_make;

    my $out = "$self->{dir}/krb5kdc.out";

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $out;
        open STDERR, '>&', \*STDOUT;
        $self->_child_env;
        my @cmd = ("$SBIN/krb5kdc", '-n', '-r', $self->{realm});
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "cannot run $cmd[0]: $!\n";
        POSIX::_exit(127);
    }

    $self->{pid} = $pid;
    OCS::Child::adopt($pid);

    # krb5kdc binds UDP before TCP: once TCP answers, both are there
    my $deadline = time + 10;

    while (1) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{port}",
                                      Timeout => 1);
        if ($s) { close $s; last }

        if (waitpid($pid, WNOHANG) == $pid) {
            my $status = $? & 127 ? "signal " . ($? & 127) : $? >> 8;
            delete $self->{pid};
            OCS::Child::forget($pid);
            die "krb5kdc exited ($status) before listening on"
                . " $self->{port}:\n" . $self->_tail;
        }

        if (time > $deadline) {
            $self->stop;
            die "krb5kdc does not listen on $self->{port}:\n" . $self->_tail;
        }

        sleep 0.05;
    }

    return $self;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;
    OCS::Child::stop($pid);
}

# a stopped KDC keeps its sockets: connections complete, nothing answers
sub pause {
    my ($self) = @_;
    kill 'STOP', $self->{pid} if $self->{pid};
}

sub resume {
    my ($self) = @_;
    kill 'CONT', $self->{pid} if $self->{pid};
}


sub DESTROY {
    my ($self) = @_;
    local ($., $@, $!, $^E, $?);
    $self->stop if OCS::Child::owned($self->{pid});
}


# --- the principals ---------------------------------------------------

# a principal with a password, or with random keys when there is none
sub addprinc {
    my ($self, $name, $password) = @_;

    _check_name($name);
    $self->_make;

    # the password goes in on stdin, twice as kadmin.local asks, so that
    # no quoting rule of kadmin's command line applies to it
    my ($rc, $out) = defined $password
        ? $self->_run("$password\n$password\n", "$SBIN/kadmin.local",
                      '-r', $self->{realm}, '-q', "addprinc $name")
        : $self->_run(undef, "$SBIN/kadmin.local", '-r', $self->{realm},
                      '-q', "addprinc -randkey $name");

    # kadmin.local -q exits 0 whatever happened
    die "addprinc $name failed ($rc): $out"
        unless $rc == 0 && $out =~ /^Principal "[^"]+" created\.$/m;

    return $self;
}

# exports the principals' current keys (-norandkey: a password still
# works, and a second export gets the same keys); the keytab's path
sub keytab {
    my ($self, $file, @principals) = @_;

    die "keytab: no principals\n" unless @principals;
    _check_name($_) for @principals;
    $self->_make;

    my $path = $self->_path($file);
    die "keytab: no white space in \"$path\", please\n" if $path =~ /\s/;

    my ($rc, $out) = $self->_run(undef, "$SBIN/kadmin.local",
        '-r', $self->{realm},
        '-q', "ktadd -k $path -norandkey @principals");

    for my $p (@principals) {
        (my $short = $p) =~ s/\@\Q$self->{realm}\E$//;
        die "ktadd $p failed ($rc): $out"
            unless $out =~ /^Entry for principal \Q$short\E(\@\S+)? with /m;
    }

    # nginx workers (nobody, when the tests run as root) read it; a
    # throwaway realm's keys
    chmod 0644, $path;

    return $path;
}

# kinit, the password on stdin: (exit code, output)
sub kinit {
    my ($self, $principal, $password, %opts) = @_;

    my %env = $self->env(ccache => $opts{ccache});
    my @life = $opts{lifetime} ? ('-l', $opts{lifetime}) : ();

    return $self->_run("$password\n", "$BIN/kinit", @life, '-c',
                       $env{KRB5CCNAME}, $principal);
}

# any command in this realm's environment: (exit code, output)
sub run {
    my ($self, @cmd) = @_;
    return $self->_run(undef, @cmd);
}

sub _check_name {
    my ($name) = @_;
    die "bad principal name \"$name\"\n"
        unless defined $name && $name =~ m{^[\w.\-/]+(\@[\w.\-]+)?$};
}

# --- the processes ----------------------------------------------------

# the private Kerberos environment, nothing of the caller's but a trace
sub _child_env {
    my ($self, %opts) = @_;

    delete $ENV{$_} for grep { /^KRB5/ && $_ ne 'KRB5_TRACE' } keys %ENV;

    my %env = $self->env(%opts);
    @ENV{keys %env} = values %env;
}

# runs a command with the given input on stdin and stdout and stderr
# together: (exit code, output)
sub _run {
    my ($self, $input, @cmd) = @_;

    return capture(cmd => \@cmd, input => $input,
                   timeout => $TOOL_TIMEOUT,
                   setup => sub { $self->_child_env });
}

# the last lines of the logs, for a KDC that would not start
sub _tail {
    my ($self) = @_;

    my @lines = split /\n/, $self->kdc_log;
    splice @lines, 0, -20 if @lines > 20;

    return join '', map { "    $_\n" } @lines;
}

# --- the files --------------------------------------------------------

# the configuration and the database, once
sub _make {
    my ($self) = @_;

    return if $self->{made};

    # readable: nginx workers (nobody, when the tests run as root) read
    # krb5.conf; the database and the stash are 0600
    make_path($self->{dir}, { mode => 0755 });
    make_path("$self->{dir}/rcache");
    chmod 01777, "$self->{dir}/rcache";

    $self->_write('krb5.conf', $self->_krb5_conf);
    $self->_write('kdc.conf', $self->_kdc_conf);
    $self->_write('kadm5.acl', '');

    my ($rc, $out) = $self->_run("$self->{master}\n$self->{master}\n",
                                 "$SBIN/kdb5_util", '-r', $self->{realm},
                                 'create', '-s');

    die "kdb5_util create failed ($rc): $out" if $rc != 0;

    $self->{made} = 1;
}

sub _krb5_conf {
    my ($self) = @_;

    my ($d, $realm, $port, $extra) = @$self{qw(dir realm port extra)};
    $extra =~ s/^/    /mg;

    return <<"EOF";
# krb5.conf for OCS::Kdc: private to $d

[libdefaults]
    default_realm = $realm
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    qualify_shortname = ""
    rdns = false
    udp_preference_limit = 1
    default_ccache_name = FILE:$d/ccache
    default_client_keytab_name = FILE:$d/client.keytab
$extra
[realms]
    $realm = {
        kdc = 127.0.0.1:$port
    }

[domain_realm]
    localhost = $realm
    .localhost = $realm
    127.0.0.1 = $realm
EOF
}

# a krb5.conf for clients of this realm that names other KDCs, in order,
# with libkrb5's default transport preferences (UDP first for small
# requests) unless tcp_first; its path
sub client_conf {
    my ($self, $file, %opts) = @_;

    $self->_make;

    my $kdcs = join '', map { "        kdc = $_\n" } @{$opts{kdcs}};
    my $conf = $self->_krb5_conf;

    $conf =~ s/^ *kdc = .*\n/$kdcs/m;
    $conf =~ s/^ *udp_preference_limit = .*\n//m unless $opts{tcp_first};

    return $self->_write($file, $conf);
}

sub _kdc_conf {
    my ($self) = @_;

    my ($d, $realm, $port) = @$self{qw(dir realm port)};

    return <<"EOF";
# kdc.conf for OCS::Kdc: private to $d

[kdcdefaults]
    kdc_listen = 127.0.0.1:$port
    kdc_tcp_listen = 127.0.0.1:$port

[realms]
    $realm = {
        database_name = $d/principal
        key_stash_file = $d/stash
        acl_file = $d/kadm5.acl
        max_life = 1d
        max_renewable_life = 7d
    }

[logging]
    kdc = FILE:$d/kdc.log
    admin_server = FILE:$d/kadmin.log
    default = FILE:$d/krb5.log

# no SPAKE groups are configured: keep its module from logging an error
[plugins]
    kdcpreauth = {
        disable = spake
    }
EOF
}

# a name in the KDC's directory, or a path
sub _path {
    my ($self, $file) = @_;
    return $file =~ m{^/} ? $file : "$self->{dir}/$file";
}

sub _file {
    my ($name) = @_;
    return $name =~ /^[A-Z]+:/ ? $name : "FILE:$name";
}

sub _write {
    my ($self, $name, $content, $mode) = @_;
    return write_in($self->{dir}, $name, $content, $mode);
}

1;

