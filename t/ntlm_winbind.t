#!/usr/bin/perl

# NTLM and a winbindd that never answers.  gss-ntlmssp asks winbindd
# (through libwbclient and its socket, /run/samba/winbindd/pipe) for the
# NetBIOS names on every NEGOTIATE and for any user its NTLM_USER_FILE
# lacks, and libwbclient waits up to 300 s for an answer: a pool thread
# the proxy cannot free.  With a user file, "env _NO_WINBINDD=1;" keeps
# libwbclient away from winbindd; this shows both.  The socket's path is
# fixed, so nginx runs in a mount namespace of its own where a directory
# of the test is that path: root and unshare(1) are needed, and nothing
# outside the namespace changes.

use strict;
use warnings;

use lib 't/lib';
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::UNIX;
use OCS::Kdc;
use OCS::Test::Nginx;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

my ($so) = glob('/usr/lib/*/gssntlmssp/gssntlmssp.so');
plan skip_all => 'gss-ntlmssp is not installed (tools/install-deps '
                 . 'installs it)' unless $so;
plan skip_all => 'needs root for a mount namespace of its own' if $> != 0;
plan skip_all => 'unshare -m does not work here (a container without '
                 . 'CAP_SYS_ADMIN?)'
    if system('unshare -m true >/dev/null 2>&1') != 0;

# nginx in the namespace: "$2" is its -p prefix, the test directory
my $bin = tempdir('ocs-ns-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $nginx = "$bin/nginx";

open my $fh, '>', $nginx or die "$nginx: $!\n";
print $fh <<'EOF';
#!/bin/sh
exec unshare -m sh -c '
    mount -t tmpfs ocs-test /run &&
    mkdir -p /run/samba/winbindd &&
    mount --bind "$1" /run/samba/winbindd &&
    shift && exec "$@"' sh "${2}winbindd" "${OCS_NGINX:-/usr/sbin/nginx}" "$@"
EOF
close $fh;
chmod 0755, $nginx;

# the silent winbindd's pid, and the file that counts its connections
my ($wpid, $count);

my $t = OCS::Test::Nginx->new(nginx => $nginx);
plan tests => 10;
my $kdc = OCS::Kdc->new($t);

# Negotiate needs a keytab even when only NTLM is used
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->write_file('mech.conf', "gssntlmssp_v1\t1.3.6.1.4.1.311.2.2.10\t$so\n");
$t->write_file('ntlm-users', "OCS:alice:alice-pw\n");
$t->keyfile('ticket.keys', 1);

my %env = $kdc->env(ccache => $t->path('none.cc'));
@ENV{keys %env} = values %env;
$ENV{GSS_MECH_CONFIG} = $t->path('mech.conf');
$ENV{NTLM_USER_FILE} = $t->path('ntlm-users');

# libwbclient trusts a socket directory only if no one else may write it
mkdir $t->path('winbindd'), 0755 or die "mkdir: $!\n";
my $winbindd = silent_winbindd($t->path('winbindd/pipe'));

my $conf = <<"EOF";
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_ntlm on;
        ocs_auth_internal_networks 127.0.0.0/8;

        location /app/ {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-User \$ocs_user;
        }

        location = /ping {
            return 200 "pong\\n";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_kerberos_password on;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok \$http_x_user\\n";
        }
    }
}
EOF

my $main = join '', map { "env $_;\n" }
    qw(KRB5_CONFIG KRB5RCACHEDIR GSS_MECH_CONFIG NTLM_USER_FILE);

sub ntlm {
    my ($user, %o) = @_;
    return $t->get('/app/', headers => ['Accept: text/html'],
                   timeout => $o{timeout},
                   curl => ['--ntlm', '-u', $user]);
}

# with the user file and _NO_WINBINDD: winbindd is never asked

$t->run($conf, main => $main . "env _NO_WINBINDD=1;\n");

my $start = time;
my $r = ntlm('OCS\\alice:alice-pw');
is($r->status, 200, '_NO_WINBINDD: NTLM signs in, winbindd silent');
ok(time - $start < 5, '_NO_WINBINDD: at once');
is(accepted(), 0, '_NO_WINBINDD: winbindd never contacted');

$r = ntlm('OCS\\nobody:pw');
is($r->status, 401, '_NO_WINBINDD: a user not in the file: 401');
is(accepted(), 0, '_NO_WINBINDD: still not contacted');

# without it: the NEGOTIATE waits on winbindd, past any timeout of ours

$t->stop;
$t->run($conf, main => $main);

TODO: {
    local $TODO = 'libwbclient waits up to 300 s for a silent winbindd; '
        . 'the module cannot bound it (docs/kerberos.md, Deadlines)';

    $r = ntlm('OCS\\alice:alice-pw', timeout => 3);
    isnt($r->status, 0, 'winbindd silent: NTLM answers within 3 s');
}

ok(accepted() >= 1, 'winbindd silent: gss-ntlmssp asked winbindd');
is($t->get('/ping')->body, "pong\n", 'winbindd silent: nginx answers '
   . 'other requests meanwhile');

# winbindd gone: libwbclient's read ends, the thread is free again
stop_winbindd();

$r = ntlm('OCS\\alice:alice-pw');
is($r->status, 200, 'winbindd gone: NTLM signs in again');

$t->done;

# --- the silent winbindd --------------------------------------------

# a child that accepts on the socket, reads, never answers, and notes
# each connection in a file
sub silent_winbindd {
    my ($path) = @_;

    $count = "$path.count";
    open my $c, '>', $count or die "$count: $!\n";
    close $c;

    my $l = IO::Socket::UNIX->new(Local => $path, Type => SOCK_STREAM,
                                  Listen => 16)
        or die "listen on $path: $!\n";

    # winbindd's socket is open to all; the workers run as nobody
    chmod 0777, $path;

    $wpid = fork;
    die "fork: $!\n" unless defined $wpid;

    if ($wpid == 0) {
        $SIG{TERM} = sub { POSIX::_exit(0) };
        alarm 300;

        my $sel = IO::Select->new($l);

        while (1) {
            for my $s ($sel->can_read) {
                if ($s == $l) {
                    my $a = $l->accept or next;
                    $sel->add($a);
                    open my $n, '>>', $count or next;
                    print $n "accept\n";
                    close $n;

                } elsif (!sysread($s, my $buf, 65536)) {
                    $sel->remove($s);
                    close $s;
                }
            }
        }
    }

    close $l;
    return $wpid;
}

sub accepted {
    open my $c, '<', $count or return 0;
    my $n = () = <$c>;
    return $n;
}

sub stop_winbindd {
    return unless $wpid;
    kill 'TERM', $wpid;

    my $deadline = time + 10;
    sleep 0.05 while waitpid($wpid, WNOHANG) == 0 && time < $deadline;

    if (kill 0, $wpid) {
        kill 'KILL', $wpid;
        waitpid $wpid, 0;
    }

    undef $wpid;
}

END { stop_winbindd() }
