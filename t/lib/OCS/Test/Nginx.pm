package OCS::Test::Nginx;

# The nginx driver of the test harness (OCS::Test is the server-neutral
# half): real nginx with the built module, its nginx.conf written from
# the http{} part a test gives, started, reloaded and stopped by pid,
# its error log read.  OCS::Test->new returns one of these unless
# OCS_SERVER names another server; a file that tests nginx itself
# (nginx -t messages, how nginx was built) asks for it by name:
#
#     my $t = OCS::Test::Nginx->new;
#
# OCS_NGINX is the nginx binary (default /usr/sbin/nginx), OCS_MODULE
# the module (default build/nginx/objs/ngx_http_ocs_module.so).

use strict;
use warnings;

use parent -norequire, 'OCS::Test';

use OCS::Test;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

sub defaults {
    my ($class, $root) = @_;

    return (
        server => 'nginx',
        nginx  => $ENV{OCS_NGINX} || '/usr/sbin/nginx',
        module => $ENV{OCS_MODULE}
                  || "$root/build/nginx/objs/ngx_http_ocs_module.so",
    );
}

sub missing {
    my ($self) = @_;

    return "no nginx at $self->{nginx}" unless -x $self->{nginx};
    return "module not built: $self->{module}" unless -f $self->{module};
    return '';
}

# whether the nginx under test was configured --with-<what>
# ("http_auth_request_module", "http_v2_module")
sub built_with {
    my ($self, $what) = @_;

    $self->{configure} //= `$self->{nginx} -V 2>&1`;

    return $self->{configure} =~ /--with-\Q$what\E(?:\s|$)/;
}

# the version of the nginx under test: "1.22.1"
sub nginx_version {
    my ($self) = @_;

    return `$self->{nginx} -v 2>&1` =~ m{nginx/(\d+\.\d+\.\d+)} ? $1 : '';
}

sub server_version { $_[0]->nginx_version }

sub config {
    my ($self, $http, %opts) = @_;

    $self->cert;

    my $workers = $opts{workers} || 1;
    my $main = $opts{main} ? $self->expand($opts{main}) : '';
    my $globals = <<"EOF";
load_module $self->{module};
pid $self->{dir}/nginx.pid;
error_log $self->{dir}/error.log info;
worker_processes $workers;
events { worker_connections 256; }
$main
EOF

    $http = $self->expand($http);
    $http =~ s/^(\s*http\s*\{)/$1\n    access_log $self->{dir}\/access.log;\n    client_body_temp_path $self->{dir}\/body;\n    proxy_temp_path $self->{dir}\/proxy;/m;

    $self->write_file('nginx.conf', $globals . $http);
}

# nginx -t on a configuration: returns (ok, output)
sub try_config {
    my ($self, $http, %opts) = @_;

    $self->config($http, %opts);

    my $out = `$self->{nginx} -t -p $self->{dir}/ -c $self->{dir}/nginx.conf 2>&1`;

    return ($? == 0, $out);
}

sub run {
    my ($self, $http, %opts) = @_;

    if (defined $http) {
        $self->config($http, %opts);
        $self->{last_opts} = \%opts;
    }

    unlink $self->path('nginx.pid');

    my $out = `$self->{nginx} -p $self->{dir}/ -c $self->{dir}/nginx.conf 2>&1`;

    # what nginx printed before its error log was open
    $self->{startup} = $out;

    if ($? != 0) {
        diag($out);
        BAIL_OUT('nginx did not start: ' . ($out =~ /(\[emerg\].*)/ ? $1 : $out));
    }

    my $deadline = time + 10;

    while (time < $deadline) {
        last if -s $self->path('nginx.pid');
        sleep 0.05;
    }

    $self->{pid} = $self->read_file('nginx.pid') =~ /(\d+)/ ? $1 : undef;
    BAIL_OUT('nginx wrote no pid file') unless $self->{pid};

    # wait until every port of the configuration accepts connections
    for my $port (values %{$self->{ports}}) {
        next unless $self->read_file('nginx.conf') =~ /:$port\b/;

        while (time < $deadline) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                          Timeout => 1);
            if ($s) { close $s; last; }
            sleep 0.05;
        }
    }

    return $self;
}

sub workers_started {
    my ($self) = @_;
    my @n = $self->read_file('error.log') =~ /start worker process/g;
    return scalar @n;
}

# reload and wait until the new workers are up and the old ones gone
sub reload {
    my ($self, $http) = @_;

    $self->config($http, %{$self->{last_opts} || {}}) if defined $http;

    my $before = $self->workers_started;
    kill 'HUP', $self->{pid} or die "cannot signal nginx: $!\n";

    my $deadline = time + 10;

    while (time < $deadline) {
        last if $self->workers_started > $before;
        sleep 0.05;
    }

    # the old workers finish their requests and exit
    sleep 0.3;

    return $self->workers_started > $before;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;

    kill 'QUIT', $pid;

    my $deadline = time + 10;

    while (time < $deadline && kill(0, $pid)) {
        sleep 0.05;
    }

    if (kill 0, $pid) {
        kill 'KILL', $pid;
        diag("nginx $pid did not stop in time; killed");
    }
}

sub error_log { $_[0]->read_file('error.log') }

# what the last start printed to the console (configuration warnings)
sub startup_log { $_[0]{startup} }
sub access_log { $_[0]->read_file('access.log') }

# the error log lines that fail a file in done(): alerts, a failed
# start, a worker killed by a signal
sub log_problems {
    my ($self) = @_;

    return grep { /\[alert\]|\[emerg\]|exited on signal/ }
           split /\n/, $self->error_log;
}

1;
