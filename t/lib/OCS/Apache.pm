package OCS::Apache;

# Apache httpd as the internal IIS stand-in an upstream test talks to:
# HTTPS on 127.0.0.1 with a certificate from a private CA, NTLM and
# Negotiate (SPNEGO with NTLM inside) through mod_auth_gssapi and
# gss-ntlmssp, and GssapiConnectionBound On, so that, as IIS does, an
# authenticated connection stays authenticated: what makes a connection
# handed to the wrong client visible.  Every response says who Apache
# thinks the user is (X-Upstream-User) and on which connection
# (X-Upstream-Port: nginx's source port), and what it got in the Cookie
# and X-User request headers (X-Saw-Cookie, X-Saw-User).  This is an upstream helper,
# not a server driver (that would be OCS::Test::Apache).  Core Perl only.
#
#     my $a = OCS::Apache->new($t);          # under $t's directory
#     my $why = OCS::Apache->missing;         # '' when it can run
#     $a->start(sites => [ { port => $t->port('iis') },
#                          { port => $t->port('iis_short'),
#                            keepalive_requests => 3 } ]);
#     $a->ca;          # the private CA's certificate (for nginx)
#     $a->name;        # the name its certificate is for: iis.ocs.test
#     $a->stop;
#
# The NTLM accounts come from NTLM_USER_FILE and the mechanism from
# GSS_MECH_CONFIG, as the caller set them in %ENV before start().
# Apache is stopped by pid, and at exit by the process that started it.

use strict;
use warnings;

use IO::Socket::INET;
use MIME::Base64 ();
use Time::HiRes qw(sleep time);

my $HTTPD = $ENV{OCS_APACHE} || '/usr/sbin/apache2';
my $MODULES = '/usr/lib/apache2/modules';
my $NAME = 'iis.ocs.test';

my %STARTED;

sub missing {
    return "no Apache httpd at $HTTPD (tools/install-deps installs it)"
        unless -x $HTTPD;
    return 'no mod_auth_gssapi (tools/install-deps installs '
           . 'libapache2-mod-auth-gssapi)'
        unless -f "$MODULES/mod_auth_gssapi.so";
    return 'gss-ntlmssp is not installed (tools/install-deps installs it)'
        unless glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');
    return '';
}

sub new {
    my ($class, $t) = @_;

    my $dir = $t->path('apache');
    mkdir $dir;
    mkdir "$dir/docs";
    chmod 0755, $dir, "$dir/docs";

    return bless { t => $t, dir => $dir }, $class;
}

sub dir { $_[0]{dir} }
sub name { $NAME }
sub ca { "$_[0]{dir}/ca.pem" }
sub pid { $_[0]{pid} }
sub error_log { _slurp("$_[0]{dir}/error.log") }

# a private CA and a certificate for iis.ocs.test signed by it
sub _certs {
    my ($self) = @_;

    my $d = $self->{dir};

    return if -f "$d/iis.pem";

    _write("$d/ext.cnf", "subjectAltName=DNS:$NAME\n"
                         . "extendedKeyUsage=serverAuth\n");

    my @cmds = (
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
        . " -nodes -days 2 -subj '/CN=OCS Test Internal CA'"
        . " -addext basicConstraints=critical,CA:TRUE"
        . " -addext keyUsage=critical,keyCertSign,cRLSign"
        . " -keyout $d/ca.key -out $d/ca.pem",
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256"
        . " -nodes -subj /CN=$NAME -keyout $d/iis.key -out $d/iis.csr",
        "openssl x509 -req -in $d/iis.csr -CA $d/ca.pem -CAkey $d/ca.key"
        . " -CAcreateserial -days 2 -extfile $d/ext.cnf -out $d/iis.pem",
    );

    for my $cmd (@cmds) {
        system("$cmd >/dev/null 2>&1") == 0
            or die "OCS::Apache: failed: $cmd\n";
    }

    chmod 0644, "$d/iis.key", "$d/ca.pem", "$d/iis.pem";
}

sub _site {
    my ($self, $s) = @_;

    my $d = $self->{dir};
    my $requests = $s->{keepalive_requests} // 0;
    my $timeout = $s->{keepalive_timeout} // 300;

    return <<"EOF";
Listen 127.0.0.1:$s->{port}
<VirtualHost 127.0.0.1:$s->{port}>
    ServerName $NAME
    DocumentRoot "$d/docs"
    SSLEngine on
    SSLCertificateFile "$d/iis.pem"
    SSLCertificateKeyFile "$d/iis.key"
    KeepAlive On
    MaxKeepAliveRequests $requests
    KeepAliveTimeout $timeout
    <Location />
        AuthType GSSAPI
        AuthName "IIS stand-in"
        GssapiAllowedMech ntlmssp
        GssapiConnectionBound On
        Require valid-user
    </Location>
    <Location /anonymous/>
        Require all granted
    </Location>
</VirtualHost>
EOF
}

sub _config {
    my ($self, %o) = @_;

    my $d = $self->{dir};
    my ($user, $group) = $> == 0 ? ('nobody', 'nogroup')
                                 : (scalar getpwuid($>), scalar getgrgid($)));

    my $conf = <<"EOF";
ServerRoot "$d"
DefaultRuntimeDir "$d"
PidFile "$d/httpd.pid"
ErrorLog "$d/error.log"
LogLevel info
ServerName $NAME
User $user
Group $group
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule authn_core_module $MODULES/mod_authn_core.so
LoadModule authz_user_module $MODULES/mod_authz_user.so
LoadModule auth_gssapi_module $MODULES/mod_auth_gssapi.so
LoadModule ssl_module $MODULES/mod_ssl.so
LoadModule headers_module $MODULES/mod_headers.so
StartServers 1
ServerLimit 2
ThreadsPerChild 64
MaxRequestWorkers 128
SSLSessionCache none
SSLProtocol -all +TLSv1.2 +TLSv1.3
LogFormat "%h:%{remote}p %u %s \\"%r\\"" short
CustomLog "$d/access.log" short
Header always set X-Upstream-User "expr=%{REMOTE_USER}"
Header always set X-Upstream-Port "expr=%{REMOTE_PORT}"
Header always set X-Saw-Cookie "expr=%{req:Cookie}"
Header always set X-Saw-User "expr=%{req:X-User}"
EOF

    $conf .= _ntlm_repairs();
    $conf .= $self->_site($_) for @{$o{sites}};

    _write("$d/httpd.conf", $conf);
}

# gss-ntlmssp refuses two things curl's own NTLM sends and IIS takes: a
# NEGOTIATE message of 32 bytes (it wants 40) and an AUTHENTICATE whose
# flags announce a VERSION field its 64-byte header has no room for.
# The stand-in repairs both as they arrive (mod_headers, before the
# authentication): the first is always the same, the second needs bit
# 0x02000000 cleared, which is the second base64 digit of bytes 63..65
# going from g..v to A..P.  The proxy passes them on unchanged.
sub _ntlm_repairs {
    my $curl = 'TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=';
    my $padded = MIME::Base64::encode_base64(
        MIME::Base64::decode_base64($curl) . "\0" x 8, '');

    my $text = "RequestHeader edit Authorization \"^NTLM $curl\$\" "
               . "\"NTLM $padded\" early\n";

    for my $i (0 .. 15) {
        my $from = substr('ghijklmnopqrstuv', $i, 1);
        my $to = substr('ABCDEFGHIJKLMNOP', $i, 1);

        $text .= "RequestHeader edit Authorization "
                 . "\"^(NTLM TlRMTVNTUAADAAAA.{68})A$from\" "
                 . "\"\$1A$to\" early\n";
    }

    return $text;
}

sub start {
    my ($self, %o) = @_;

    my $d = $self->{dir};

    $self->_certs;
    $self->{sites} = $o{sites} if $o{sites};
    $self->_config(sites => $self->{sites});

    _write("$d/docs/who", "hello\n");
    mkdir "$d/docs/anonymous";
    chmod 0755, "$d/docs/anonymous";
    _write("$d/docs/anonymous/file", "anonymous\n");

    unlink "$d/httpd.pid";

    my $out = `$HTTPD -f $d/httpd.conf -k start 2>&1`;
    die "OCS::Apache: apache2 did not start: $out\n" if $? != 0;

    my $deadline = time + 10;

    while (time < $deadline) {
        last if -s "$d/httpd.pid";
        sleep 0.05;
    }

    ($self->{pid}) = _slurp("$d/httpd.pid") =~ /(\d+)/
        or die "OCS::Apache: no pid file\n" . $self->error_log;
    $STARTED{$self->{pid}} = $$;

    for my $s (@{$self->{sites}}) {
        while (time < $deadline) {
            my $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$s->{port}",
                                          Timeout => 1);
            if ($c) { close $c; last; }
            sleep 0.05;
        }
    }

    return $self;
}

# stops it by pid and waits until it has gone
sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;
    delete $STARTED{$pid};

    _kill($pid);
}

sub _kill {
    my ($pid) = @_;

    kill 'TERM', $pid;

    my $deadline = time + 10;

    while (time < $deadline && kill(0, $pid)) {
        sleep 0.05;
    }

    kill 'KILL', $pid if kill(0, $pid);
}

# only in the process that started it, not in a forked child
sub DESTROY {
    my ($self) = @_;
    $self->stop if $self->{pid} && ($STARTED{$self->{pid}} || 0) == $$;
}

END {
    local $?;
    for my $pid (keys %STARTED) {
        _kill($pid) if $STARTED{$pid} == $$;
    }
}

sub _write {
    my ($path, $text) = @_;

    open my $f, '>', $path or die "OCS::Apache: $path: $!\n";
    print $f $text;
    close $f;
    chmod 0644, $path;
}

sub _slurp {
    my ($path) = @_;

    open my $f, '<', $path or return '';
    local $/;
    return scalar <$f>;
}

1;
