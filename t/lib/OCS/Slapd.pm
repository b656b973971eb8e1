package OCS::Slapd;

# A real OpenLDAP slapd (Debian's 2.5: back_mdb, memberof, ppolicy) on
# 127.0.0.1 for the integration tests, private to the test directory and
# seeded with an Active-Directory-like tree.  Core Perl only; the certificates
# come from the openssl command, the data goes in through ldapadd/ldapmodify
# against the running server so that the memberof overlay computes memberOf.
#
#     my $t = OCS::Test->new;
#     my $ldap = OCS::Slapd->new($t);      # name => 'ldap' by default
#     $ldap->start;        # first call: CA and server certificate, schema,
#                          # slapd.conf, the mdb directory, slapd, seed data;
#                          # after a stop: the same server with the same data
#     $ldap->url('ldap');  # ldap://127.0.0.1:NNNN  (StartTLS works on it)
#     $ldap->url('ldaps'); # ldaps://127.0.0.1:MMMM
#     $ldap->port('ldap'); $ldap->port('ldaps');
#     $ldap->ca_file;          # PEM of the test CA that signed the server cert
#     $ldap->other_ca_file;    # PEM of an unrelated CA ("wrong CA" tests)
#     $ldap->base;             # dc=contoso,dc=com
#     $ldap->bind_dn;          # cn=svc-ocs,ou=Service,dc=contoso,dc=com
#     $ldap->bind_password_file;  # mode 0600: the service password and "\n"
#     $ldap->admin_dn;         # cn=admin,dc=contoso,dc=com (the rootdn)
#     $ldap->admin_password;
#     $ldap->modify($ldif);    # ldapmodify as the rootdn; dies with the output
#     $ldap->search($filter, @attrs);  # ldapsearch as the rootdn from the
#                                      # base: the LDIF text (unwrapped)
#     $ldap->user_dn('alice'); # cn=alice,ou=Users,dc=contoso,dc=com
#     $ldap->stop;             # by pid: TERM, up to 10 s, then KILL
#
# The ports are $t->port($name) and $t->port("${name}s"), and the files live
# in $t->dir/slapd-$name, so a test can run two servers (name => 'ldap2').
# Every server started is stopped when the object goes away and at END, also
# when the test dies.
#
# modify() takes changetype records; a record may carry the relax control
# to set ppolicy's operational attributes (pwdAccountLockedTime,
# pwdChangedTime, ...):
#
#     dn: cn=alice,ou=Users,dc=contoso,dc=com
#     control: 1.3.6.1.4.1.4203.666.5.12 true
#     changetype: modify
#     replace: pwdAccountLockedTime
#     pwdAccountLockedTime: 000001010000Z
#
# Note that ppolicy (pwdMustChange TRUE) sets pwdReset on an entry whose
# userPassword the rootdn replaces.
#
# The tree (every user: inetOrgPerson + ocsUser, password NAME-pw unless
# said otherwise, sAMAccountName NAME, userPrincipalName NAME@contoso.com,
# msRTCSIP-PrimaryUserAddress sip:NAME@contoso.com, msRTCSIP-UserEnabled
# TRUE, msRTCSIP-OptionFlags 257, userAccountControl 512, msNPAllowDialin
# TRUE, in "CWA Users" and "Remote Access"):
#
#     alice    displayName "Alice Example", ocsTotpSecret
#              JBSWY3DPEHPK3PXPJBSWY3DP (readable by the service account
#              only, not by alice herself)
#     jeremy, vadim
#     dave     userAccountControl 514 (disabled; binds fine at the LDAP level)
#     nora     msRTCSIP-UserEnabled FALSE
#     ned      msRTCSIP-OptionFlags 1 (no enhanced presence)
#     rita     msNPAllowDialin FALSE, not in "Remote Access"
#     nick     only in "Sales EMEA", itself a member of "Sales"
#     sam      password 'pass word: with colons: and spaces', "Sam Spaces"
#     lucy     pwdAccountLockedTime 000001010000Z (locked by the admin)
#     eve      policy cn=expiring (pwdMaxAge 60), pwdChangedTime 2000: expired
#     mark     pwdReset TRUE: must change the password
#     star     sAMAccountName "st*r"
#
#     ou=Policies: cn=default (ppolicy_default: pwdMustChange, pwdLockout,
#     pwdMaxFailure 0 so that failed binds never lock anyone, grace 0) and
#     cn=expiring (the same with pwdMaxAge 60).  new(max_failure => 5,
#     failure_interval => 600) makes the default policy lock after 5
#     failed binds within 10 minutes, as a domain's lockout policy does.
#
# Access: userPassword is writable (not readable) by self and usable for
# binds only; the service account reads everything else; a user reads
# their own entry; anonymous can only bind (and read the root DSE).
#
# Also: $ldap->dir (the private directory), $ldap->pid (of the running
# slapd), $ldap->group_dn('CWA Users'), and $ldap->nginx_directory(@lines),
# the ocs_ldap_directory "contoso" block for nginx.conf.

use strict;
use warnings;

use File::Path qw(make_path);
use IO::Socket::INET;
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(sleep time);
use Test::More;

use OCS::Run qw(capture write_in slurp random_hex);

my $SLAPD = $ENV{OCS_SLAPD} || '/usr/sbin/slapd';
my $MODULES = $ENV{OCS_SLAPD_MODULES} || '/usr/lib/ldap';
my $SCHEMA = $ENV{OCS_SLAPD_SCHEMA} || '/etc/ldap/schema';

my $BASE = 'dc=contoso,dc=com';
my $RELAX = '1.3.6.1.4.1.4203.666.5.12';

# the servers running, pid => owner process, for END
my %RUNNING;

sub new {
    my ($class, $t, %opts) = @_;

    my $name = $opts{name} || 'ldap';

    for my $tool ($SLAPD, map { "/usr/bin/$_" }
                  qw(ldapadd ldapmodify ldapsearch openssl))
    {
        plan(skip_all => "no $tool (apt-get install slapd ldap-utils)")
            unless -x $tool;
    }

    my $self = bless {
        t     => $t,
        name  => $name,
        dir   => $t->path("slapd-$name"),
        admin => random_hex(12),
        svc   => random_hex(16),
        # the default policy's lockout: 0 never locks (the usual seed)
        max_failure => $opts{max_failure} || 0,
        failure_interval => $opts{failure_interval},
    }, $class;

    return $self;
}

sub dir { $_[0]{dir} }
sub base { $BASE }
sub bind_dn { "cn=svc-ocs,ou=Service,$BASE" }
sub admin_dn { "cn=admin,$BASE" }
sub admin_password { $_[0]{admin} }
sub user_dn { my ($self, $name) = @_; return "cn=$name,ou=Users,$BASE" }
sub group_dn { my ($self, $name) = @_; return "cn=$name,ou=Groups,$BASE" }
sub ca_file { "$_[0]{dir}/ca.pem" }
sub other_ca_file { "$_[0]{dir}/other-ca.pem" }
sub bind_password_file { "$_[0]{dir}/bind-password" }
sub pid { $_[0]{pid} }

sub port {
    my ($self, $scheme) = @_;
    $scheme ||= 'ldap';
    die "port: ldap or ldaps\n" unless $scheme =~ /^ldaps?$/;
    return $self->{t}->port($scheme eq 'ldaps' ? "$self->{name}s"
                                               : $self->{name});
}

# the nginx block most tests use for this directory: "contoso", plain
# ldap://, the service account, the AD-like base and a filter for
# people; extra directives go inside it
sub nginx_directory {
    my ($self, @extra) = @_;

    my @lines = ('url ' . $self->url('ldap') . ';',
                 'bind_dn "' . $self->bind_dn . '";',
                 'bind_password_file ' . $self->bind_password_file . ';',
                 "base \"$BASE\";",
                 'filter "(objectClass=inetOrgPerson)";', @extra);

    return "ocs_ldap_directory contoso {\n"
           . join('', map { "        $_\n" } @lines) . "    }\n";
}

sub url {
    my ($self, $scheme) = @_;
    $scheme ||= 'ldap';
    return "$scheme://127.0.0.1:" . $self->port($scheme);
}

# why slapd would not start: it logs nothing once detached (loglevel 0,
# no syslog here), so ask slaptest about the configuration
sub _diagnose {
    my ($self) = @_;
    (my $slaptest = $SLAPD) =~ s/slapd$/slaptest/;
    my $why = '';

    for my $port ($self->port('ldap'), $self->port('ldaps')) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 1);
        $why .= "port $port is in use by another process\n" if $s;
    }

    my ($rc, $out) = $self->_run($slaptest, '-u',
                                 '-f', "$self->{dir}/slapd.conf");
    return $why . "slaptest -u: $out";
}

sub start {
    my ($self) = @_;

    return $self if $self->{pid};

    # a test killed by a signal still runs END, which stops slapd
    for my $sig (qw(INT TERM HUP)) {
        my $n = { HUP => 1, INT => 2, TERM => 15 }->{$sig};
        $SIG{$sig} = sub { exit 128 + $n }
            if !$SIG{$sig} || $SIG{$sig} eq 'DEFAULT';
    }

    my $first = !$self->{made};

    if ($first) {
        # readable: nginx workers (nobody, when the tests run as root) may
        # need the CA files; the keys and passwords are 0600
        make_path($self->{dir}, { mode => 0755 });
        make_path("$self->{dir}/slapd-data", { mode => 0700 });
        $self->_certs;
        $self->_write('ocs.schema', _schema());
        $self->_write('slapd.conf', $self->_conf, 0600);
        $self->_write('bind-password', "$self->{svc}\n", 0600);
        $self->_write('ldap.conf', "TLS_REQCERT demand\n");
        make_path("$self->{dir}/no-cacerts");
        $self->{made} = 1;
    }

    unlink "$self->{dir}/slapd.pid";

    my ($rc, $out) = $self->_run($SLAPD, '-h',
        $self->url('ldap') . '/ ' . $self->url('ldaps') . '/',
        '-f', "$self->{dir}/slapd.conf");

    die "slapd did not start ($rc): $out" . $self->_diagnose if $rc != 0;

    my $deadline = time + 10;

    while (time < $deadline) {
        last if slurp("$self->{dir}/slapd.pid") =~ /^\d+\s*$/;
        sleep 0.05;
    }

    my ($pid) = slurp("$self->{dir}/slapd.pid") =~ /(\d+)/
        or die "slapd wrote no pid file\n" . $self->_diagnose;

    $self->{pid} = $pid;
    $RUNNING{$pid} = $$;

    for my $port ($self->port('ldap'), $self->port('ldaps')) {
        while (1) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                          Timeout => 1);
            if ($s) { close $s; last }
            if (time > $deadline || !_alive($pid)) {
                $self->stop;
                die "slapd does not listen on $port\n" . $self->_diagnose;
            }
            sleep 0.05;
        }
    }

    if ($first) {
        eval { $self->_seed; 1 } or do {
            my $err = $@;
            $self->stop;
            die $err;
        };
    }

    return $self;
}

sub stop {
    my ($self) = @_;

    my $pid = delete $self->{pid} or return;
    _stop($pid);
}

sub _stop {
    my ($pid) = @_;

    delete $RUNNING{$pid};

    kill 'TERM', $pid;

    my $deadline = time + 10;

    while (time < $deadline && _alive($pid)) {
        sleep 0.05;
    }

    if (_alive($pid)) {
        kill 'KILL', $pid;
        diag("slapd $pid did not stop in time; killed");
        $deadline = time + 5;
        sleep 0.05 while time < $deadline && _alive($pid);
    }
}

# a pid that exists and is not a zombie (a daemon's parent is init, and
# init may be slow or unwilling to reap it)
sub _alive {
    my ($pid) = @_;

    return 0 unless kill 0, $pid;

    my $stat = slurp("/proc/$pid/stat");
    return 0 if $stat =~ /^\d+ \(.*\) Z /s;

    return 1;
}

sub DESTROY {
    my ($self) = @_;
    local ($., $@, $!, $^E, $?);
    $self->stop if $self->{pid} && ($RUNNING{$self->{pid}} || 0) == $$;
}

END {
    local $?;
    for my $pid (keys %RUNNING) {
        _stop($pid) if $RUNNING{$pid} == $$;
    }
}

# --- the client tools -------------------------------------------------

# ldapmodify as the rootdn; dies with the output on failure
sub modify {
    my ($self, $ldif) = @_;

    my $file = $self->_write('.modify.ldif', $ldif, 0600);

    my ($rc, $out) = $self->_run('ldapmodify', $self->_admin_args,
                                 '-f', $file);

    die "ldapmodify failed ($rc): $out\n$ldif" if $rc != 0;

    return $out;
}

# ldapadd as the rootdn
sub _add {
    my ($self, $ldif) = @_;

    my $file = $self->_write('.add.ldif', $ldif, 0600);

    my ($rc, $out) = $self->_run('ldapadd', $self->_admin_args, '-f', $file);

    die "ldapadd failed ($rc): $out\n" if $rc != 0;
}

# ldapsearch as the rootdn from the base: the LDIF text
sub search {
    my ($self, $filter, @attrs) = @_;

    my ($rc, $out) = $self->_run('ldapsearch', $self->_admin_args,
                                 '-LLL', '-o', 'ldif-wrap=no',
                                 '-b', $BASE, $filter, @attrs);

    die "ldapsearch failed ($rc): $out" if $rc != 0;

    return $out;
}

sub _admin_args {
    my ($self) = @_;
    return ('-x', '-H', $self->url('ldap'), '-D', $self->admin_dn,
            '-w', $self->{admin});
}

# runs a command with stdout and stderr together and the LDAP client
# configuration kept private: (exit code, output)
sub _run {
    my ($self, @cmd) = @_;

    return capture(cmd => \@cmd, setup => sub {
        delete $ENV{$_} for grep { /^LDAP/ } keys %ENV;
        $ENV{LDAPCONF} = "$self->{dir}/ldap.conf";
        $ENV{LDAPRC} = 'ocs-test-no-ldaprc';
        $ENV{LDAPTLS_CACERT} = $self->ca_file;
        $ENV{LDAPTLS_CACERTDIR} = "$self->{dir}/no-cacerts";
    });
}

# --- the files --------------------------------------------------------

sub _write {
    my ($self, $name, $content, $mode) = @_;
    return write_in($self->{dir}, $name, $content, $mode);
}

sub _certs {
    my ($self) = @_;

    my $d = $self->{dir};

    $self->_write('openssl.cnf', <<'EOF');
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

    my @ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
              '-nodes');

    my @steps = (
        [qw(openssl req -x509 -config), "$d/openssl.cnf", '-extensions', 'ca',
         @ec, '-days', 2, '-subj', '/O=Contoso Test/CN=OCS Test CA',
         '-keyout', "$d/ca.key", '-out', "$d/ca.pem"],
        [qw(openssl req -x509 -config), "$d/openssl.cnf", '-extensions', 'ca',
         @ec, '-days', 2, '-subj', '/O=Elsewhere/CN=Unrelated Test CA',
         '-keyout', "$d/other-ca.key", '-out', "$d/other-ca.pem"],
        [qw(openssl req -new -config), "$d/openssl.cnf", @ec,
         '-subj', '/CN=localhost',
         '-keyout', "$d/server.key", '-out', "$d/server.csr"],
        [qw(openssl x509 -req -in), "$d/server.csr",
         '-CA', "$d/ca.pem", '-CAkey', "$d/ca.key",
         '-set_serial', '0x' . random_hex(8), '-days', 2,
         '-extfile', "$d/openssl.cnf", '-extensions', 'server',
         '-out', "$d/server.pem"],
    );

    for my $cmd (@steps) {
        my ($rc, $out) = $self->_run(@$cmd);
        die "@$cmd[0,1] failed: $out" if $rc != 0;
    }

    # slapd runs as the user running the tests and reads the key itself
    chmod 0600, "$d/ca.key", "$d/other-ca.key", "$d/server.key";
    chmod 0644, "$d/ca.pem", "$d/other-ca.pem", "$d/server.pem";
}

# our own small schema, with AD's names (not Debian's msuser.schema,
# whose memberOf clashes with the memberof overlay, which brings its own)
sub _schema {
    return <<'EOF';
# OCS test schema: the Active Directory attributes the proxy reads

attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
    EQUALITY integerMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

attributetype ( 1.2.840.113556.1.4.1119 NAME 'msNPAllowDialin'
    EQUALITY booleanMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )

attributetype ( 1.3.6.1.4.1.32473.1.1.1 NAME 'msRTCSIP-UserEnabled'
    EQUALITY booleanMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )

attributetype ( 1.3.6.1.4.1.32473.1.1.2 NAME 'msRTCSIP-OptionFlags'
    EQUALITY integerMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )

attributetype ( 1.3.6.1.4.1.32473.1.1.3 NAME 'msRTCSIP-PrimaryUserAddress'
    EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

attributetype ( 1.3.6.1.4.1.32473.1.1.4 NAME 'ocsTotpSecret'
    DESC 'a TOTP secret: base32, options after commas'
    EQUALITY caseExactMatch
    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )

objectclass ( 1.3.6.1.4.1.32473.1.2.1 NAME 'ocsUser'
    DESC 'what the OCS proxy reads from an AD user' AUXILIARY
    MAY ( sAMAccountName $ userPrincipalName $ userAccountControl $
          msNPAllowDialin $ msRTCSIP-UserEnabled $ msRTCSIP-OptionFlags $
          msRTCSIP-PrimaryUserAddress $ ocsTotpSecret ) )
EOF
}

sub _conf {
    my ($self) = @_;

    my $d = $self->{dir};
    my $svc = $self->bind_dn;

    return <<"EOF";
# slapd.conf for OCS::Slapd: private to $d

include $SCHEMA/core.schema
include $SCHEMA/cosine.schema
include $SCHEMA/inetorgperson.schema
include $d/ocs.schema

modulepath $MODULES
moduleload back_mdb
moduleload memberof
moduleload ppolicy

pidfile $d/slapd.pid
argsfile $d/slapd.args
loglevel 0

TLSCACertificateFile $d/ca.pem
TLSCertificateFile $d/server.pem
TLSCertificateKeyFile $d/server.key

# the root DSE and the schema, as on any directory
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw $self->{admin}
directory $d/slapd-data
maxsize 67108864

index objectClass eq
index cn eq,sub
index sAMAccountName eq,sub
index userPrincipalName eq,sub
index msRTCSIP-PrimaryUserAddress eq
index member eq
index memberOf eq

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

overlay ppolicy
ppolicy_default "cn=default,ou=Policies,$BASE"
ppolicy_use_lockout

access to attrs=userPassword
    by self =wx
    by anonymous auth
    by * none

# second-factor secrets: the service account only, not even the user
access to attrs=ocsTotpSecret
    by dn.exact="$svc" read
    by * none

access to *
    by dn.exact="$svc" read
    by self read
    by anonymous auth
    by * none
EOF
}

# --- the seed data ----------------------------------------------------

my @USERS = (
    { name => 'alice', displayName => 'Alice Example',
      ocsTotpSecret => 'JBSWY3DPEHPK3PXPJBSWY3DP' },
    { name => 'jeremy' },
    { name => 'vadim' },
    { name => 'dave', userAccountControl => 514 },
    { name => 'nora', 'msRTCSIP-UserEnabled' => 'FALSE' },
    { name => 'ned', 'msRTCSIP-OptionFlags' => 1 },
    { name => 'rita', msNPAllowDialin => 'FALSE', remote => 0 },
    { name => 'nick', cwa => 0, remote => 0, groups => ['Sales EMEA'] },
    { name => 'sam', password => 'pass word: with colons: and spaces',
      displayName => 'Sam Spaces', sn => 'Spaces' },
    { name => 'lucy' },
    { name => 'eve', pwdPolicySubentry => "cn=expiring,ou=Policies,$BASE" },
    { name => 'mark' },
    { name => 'star', sAMAccountName => 'st*r' },
);

my @USER_ATTRS = qw(cn sn givenName displayName mail sAMAccountName
    userPrincipalName userPassword userAccountControl msNPAllowDialin
    msRTCSIP-UserEnabled msRTCSIP-OptionFlags msRTCSIP-PrimaryUserAddress
    pwdPolicySubentry ocsTotpSecret);

# one LDIF line; values that are not plain safe strings go in base64
sub _attr {
    my ($name, $value) = @_;

    return "$name: $value\n"
        if $value =~ /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/
           && $value !~ / $/ && $name ne 'userPassword';

    return "${name}:: " . encode_base64($value, '') . "\n";
}

sub _entry {
    my ($dn, @pairs) = @_;

    my $ldif = _attr('dn', $dn);

    while (my ($k, $v) = splice @pairs, 0, 2) {
        $ldif .= _attr($k, $_) for ref $v ? @$v : ($v);
    }

    return "$ldif\n";
}

sub _seed {
    my ($self) = @_;

    my $ldif = _entry($BASE, objectClass => [qw(top dcObject organization)],
                      dc => 'contoso', o => 'Contoso');

    for my $ou (qw(Users Groups Service Policies)) {
        $ldif .= _entry("ou=$ou,$BASE", objectClass => 'organizationalUnit',
                        ou => $ou);
    }

    my @lock = (pwdMaxFailure => $self->{max_failure});
    push @lock, pwdFailureCountInterval => $self->{failure_interval}
        if defined $self->{failure_interval};

    for my $policy (['default', @lock], ['expiring', pwdMaxAge => 60,
                                         pwdMaxFailure => 0])
    {
        my ($cn, @more) = @$policy;
        $ldif .= _entry("cn=$cn,ou=Policies,$BASE",
                        objectClass => [qw(device pwdPolicy)], cn => $cn,
                        pwdAttribute => 'userPassword',
                        pwdMustChange => 'TRUE', pwdLockout => 'TRUE',
                        pwdGraceAuthnLimit => 0, @more);
    }

    my %members;

    for my $u (@USERS) {
        my $n = $u->{name};
        my %a = (
            cn => $n, sn => 'Example', givenName => ucfirst $n,
            displayName => ucfirst($n) . ' Example',
            mail => "$n\@contoso.com", sAMAccountName => $n,
            userPrincipalName => "$n\@contoso.com",
            userPassword => "$n-pw", userAccountControl => 512,
            msNPAllowDialin => 'TRUE', 'msRTCSIP-UserEnabled' => 'TRUE',
            'msRTCSIP-OptionFlags' => 257,
            'msRTCSIP-PrimaryUserAddress' => "sip:$n\@contoso.com",
        );
        $a{$_} = $u->{$_} for grep { exists $u->{$_} } @USER_ATTRS;
        $a{userPassword} = $u->{password} if defined $u->{password};

        $ldif .= _entry($self->user_dn($n),
                        objectClass => [qw(inetOrgPerson ocsUser)],
                        map { exists $a{$_} ? ($_ => $a{$_}) : () }
                        @USER_ATTRS);

        my @groups = @{$u->{groups} || []};
        push @groups, 'CWA Users' unless defined $u->{cwa} && !$u->{cwa};
        push @groups, 'Remote Access'
            unless defined $u->{remote} && !$u->{remote};
        push @{$members{$_}}, $self->user_dn($n) for @groups;
    }

    $ldif .= _entry($self->bind_dn,
                    objectClass => [qw(applicationProcess
                                       simpleSecurityObject)],
                    cn => 'svc-ocs',
                    description => 'the OCS proxy service account',
                    userPassword => $self->{svc});

    push @{$members{Sales}}, $self->group_dn('Sales EMEA');

    # members before the groups they are in, so memberOf gets computed
    for my $g ('CWA Users', 'Remote Access', 'Sales EMEA', 'Sales') {
        $ldif .= _entry($self->group_dn($g), objectClass => 'groupOfNames',
                        cn => $g, member => $members{$g});
    }

    $self->_add($ldif);

    # ppolicy's state, through the relax control
    my $state = '';

    for (['lucy', pwdAccountLockedTime => '000001010000Z'],
         ['eve', pwdChangedTime => '20000101000000Z'],
         ['mark', pwdReset => 'TRUE'])
    {
        my ($n, $attr, $value) = @$_;
        $state .= "dn: " . $self->user_dn($n) . "\n"
            . "control: $RELAX true\nchangetype: modify\n"
            . "replace: $attr\n$attr: $value\n\n";
    }

    $self->modify($state);

    $self->_check_seed;
}

# what the overlays should have made of it
sub _check_seed {
    my ($self) = @_;

    my %want = (
        $self->user_dn('alice') =>
            [$self->group_dn('CWA Users'), $self->group_dn('Remote Access')],
        $self->user_dn('nick') => [$self->group_dn('Sales EMEA')],
        $self->group_dn('Sales EMEA') => [$self->group_dn('Sales')],
    );

    for my $dn (sort keys %want) {
        my ($rdn) = $dn =~ /^(cn=[^,]+)/;
        my $out = $self->search("($rdn)", 'memberOf');
        my @got = sort $out =~ /^memberOf: (.*)$/mg;
        my @exp = sort @{$want{$dn}};
        die "seed: $dn has memberOf (@got), not (@exp)\n"
            unless "@got" eq "@exp";
    }

    for (['lucy', 'pwdAccountLockedTime: 000001010000Z'],
         ['eve', 'pwdChangedTime: 20000101000000Z'],
         ['mark', 'pwdReset: TRUE'])
    {
        my ($n, $line) = @$_;
        my $out = $self->search("(cn=$n)", '+');
        die "seed: $n has no $line:\n$out" unless $out =~ /^\Q$line\E$/m;
    }

    my $out = $self->search('(pwdReset=TRUE)', 'cn');
    my @reset = $out =~ /^cn: (.*)$/mg;
    die "seed: pwdReset on @reset, not only on mark\n"
        unless "@reset" eq 'mark';
}

1;
