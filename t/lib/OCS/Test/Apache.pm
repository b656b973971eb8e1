package OCS::Test::Apache;

# The Apache httpd driver of the test harness (OCS::Test is the
# server-neutral half): real /usr/sbin/apache2 with the built
# mod_auth_ocs, its httpd.conf written around the part a test gives
# (Listen, <VirtualHost>, ...), started, restarted gracefully and stopped
# by pid, its error log read.  OCS::Test->new returns one of these when
# OCS_SERVER=apache; a file that tests Apache itself asks by name:
#
#     my $t = OCS::Test::Apache->new;
#     $t->run($conf, mpm => 'prefork');     # or 'event' (the default)
#
# OCS_APACHE is the binary (default /usr/sbin/apache2), OCS_APACHE_MODULE
# the module (default build/apache/mod_auth_ocs.so).  The modules every
# configuration gets: the MPM, authn_core, authz_core, authz_user,
# authz_host, ssl, headers, proxy, proxy_http, slotmem_shm, env, setenvif,
# alias, mime and auth_ocs.  A configuration may load more
# with LoadModule name %%MODULES%%/mod_name.so.

use strict;
use warnings;

use parent -norequire, 'OCS::Test';

use OCS::Test;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

my $MODULES = '/usr/lib/apache2/modules';

my @LOAD = qw(authn_core authz_core authz_user authz_host ssl headers proxy
              proxy_http slotmem_shm env setenvif alias mime);

sub defaults {
    my ($class, $root) = @_;

    return (
        server => 'apache',
        apache => $ENV{OCS_APACHE} || '/usr/sbin/apache2',
        module => $ENV{OCS_APACHE_MODULE}
                  || "$root/build/apache/mod_auth_ocs.so",
    );
}

sub missing {
    my ($self) = @_;

    return "no Apache httpd at $self->{apache} (tools/install-deps "
           . "installs apache2)" unless -x $self->{apache};
    return "module not built: $self->{module} (make apache)"
        unless -f $self->{module};
    return '';
}

sub built_with {
    my ($self, $what) = @_;

    return -f "$MODULES/mod_$what.so";
}

sub server_version {
    my ($self) = @_;

    return `$self->{apache} -v 2>&1` =~ m{Apache/(\d+\.\d+\.\d+)} ? $1 : '';
}

sub expand {
    my ($self, $text) = @_;

    $text =~ s/%%MODULES%%/$MODULES/g;

    return $self->SUPER::expand($text);
}

sub config {
    my ($self, $conf, %opts) = @_;

    $self->cert;

    my $d = $self->{dir};
    my $mpm = $opts{mpm} || $ENV{OCS_APACHE_MPM} || 'event';
    my ($user, $group) = $> == 0 ? ('nobody', 'nogroup')
                                 : (scalar getpwuid($>), scalar getgrgid($)));
    my $level = $opts{log_level} || 'info';

    my $load = "LoadModule mpm_${mpm}_module $MODULES/mod_mpm_$mpm.so\n";
    $load .= "LoadModule ${_}_module $MODULES/mod_$_.so\n" for @LOAD;
    $load .= "LoadModule auth_ocs_module $self->{module}\n";

    my $procs = $mpm eq 'prefork'
        ? "StartServers 3\nMinSpareServers 3\nMaxSpareServers 3\n"
          . "ServerLimit 8\nMaxRequestWorkers 8\n"
        : "StartServers 2\nServerLimit 4\nThreadsPerChild 8\n"
          . "MaxRequestWorkers 32\nMinSpareThreads 8\nMaxSpareThreads 32\n";

    mkdir "$d/htdocs";
    chmod 0755, "$d/htdocs";

    my $globals = <<"EOF";
ServerRoot "$d"
DefaultRuntimeDir "$d"
PidFile "$d/httpd.pid"
ErrorLog "$d/error.log"
LogLevel warn auth_ocs:$level
ServerName localhost
User $user
Group $group
$load$procs
Mutex file:$d default
DocumentRoot "$d/htdocs"
TypesConfig /etc/mime.types
SSLSessionCache none
SSLProtocol -all +TLSv1.2 +TLSv1.3
LogFormat "%h %u %>s \\"%r\\" user=%{OCS_USER}e" ocs
CustomLog "$d/access.log" ocs
EOF

    $self->write_file('httpd.conf', $globals . $self->expand($conf));
}

# apachectl -t on a configuration: returns (ok, output)
sub try_config {
    my ($self, $conf, %opts) = @_;

    $self->config($conf, %opts);

    my $out = `$self->{apache} -t -f $self->{dir}/httpd.conf 2>&1`;

    return ($? == 0, $out);
}

sub run {
    my ($self, $conf, %opts) = @_;

    if (defined $conf) {
        $self->config($conf, %opts);
        $self->{last_opts} = \%opts;
    }

    unlink $self->path('httpd.pid');

    my $out = `$self->{apache} -f $self->{dir}/httpd.conf -k start 2>&1`;

    $self->{startup} = $out;

    if ($? != 0) {
        diag($out);
        diag($self->error_log);
        BAIL_OUT('apache2 did not start: ' . $out);
    }

    my $deadline = time + 10;

    while (time < $deadline) {
        last if -s $self->path('httpd.pid');
        sleep 0.05;
    }

    $self->{pid} = $self->read_file('httpd.pid') =~ /(\d+)/ ? $1 : undef;
    BAIL_OUT('apache2 wrote no pid file: ' . $self->error_log)
        unless $self->{pid};

    $self->_wait_ports($deadline);

    return $self;
}

sub _wait_ports {
    my ($self, $deadline) = @_;

    for my $port (values %{$self->{ports}}) {
        next unless $self->read_file('httpd.conf') =~ /Listen\s+\S*:$port\b/;

        while (time < $deadline) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                          Timeout => 1);
            if ($s) { close $s; last; }
            sleep 0.05;
        }
    }
}

sub _generations {
    my ($self) = @_;
    my @n = $self->error_log =~ /resuming normal operations/g;
    return scalar @n;
}

# a graceful restart (what Debian's logrotate does daily), with a new
# configuration when one is given; waits for the new generation
sub reload {
    my ($self, $conf) = @_;

    $self->config($conf, %{$self->{last_opts} || {}}) if defined $conf;

    my $before = $self->_generations;
    kill 'USR1', $self->{pid} or die "cannot signal apache2: $!\n";

    my $deadline = time + 15;

    while (time < $deadline) {
        last if $self->_generations > $before;
        sleep 0.05;
    }

    $self->_wait_ports($deadline);
    sleep 0.3;

    return $self->_generations > $before;
}

# the pids of the children serving requests now
sub children {
    my ($self) = @_;

    my @kids;

    opendir(my $dh, '/proc') or return ();

    for my $p (grep { /^\d+$/ } readdir $dh) {
        open(my $fh, '<', "/proc/$p/stat") or next;
        my $stat = <$fh> // '';
        close $fh;
        push @kids, $p if $stat =~ /^\d+ \(apache2\) \S (\d+)/
                          && $1 == ($self->{pid} // 0);
    }

    closedir $dh;

    return sort { $a <=> $b } @kids;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;

    kill 'TERM', $pid;

    my $deadline = time + 10;

    while (time < $deadline && kill(0, $pid)) {
        sleep 0.05;
    }

    if (kill 0, $pid) {
        kill 'KILL', $pid;
        diag("apache2 $pid did not stop in time; killed");
    }
}

sub error_log { $_[0]->read_file('error.log') }
sub startup_log { $_[0]{startup} }
sub access_log { $_[0]->read_file('access.log') }

# the error log lines that fail a file: alerts, emergencies, a child
# killed by a signal
sub log_problems {
    my ($self) = @_;

    return grep { /:alert\]|:emerg\]|exit signal (?!Terminated)/ }
           split /\n/, $self->error_log;
}

1;
