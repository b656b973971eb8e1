#!/usr/bin/perl

# OCS::Slapd, the harness's real OpenLDAP: binds, ppolicy states, what the
# service account and anonymous see, memberOf, StartTLS and LDAPS, restart.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Slapd;
use OCS::Run qw(capture);
use POSIX ();
use Test::More;

my $t = OCS::Test->new;
plan tests => 74;
my $ldap = OCS::Slapd->new($t);

mkdir $t->path('no-cacerts');

# an LDAP client tool with a private TLS configuration: (exit code, output)
sub tool {
    my ($ca, @cmd) = @_;

    return capture(cmd => \@cmd, setup => sub {
        delete $ENV{$_} for grep { /^LDAP/ } keys %ENV;
        $ENV{LDAPCONF} = '/dev/null';
        $ENV{LDAPRC} = 'ocs-test-no-ldaprc';
        $ENV{LDAPTLS_CACERT} = $ca || $ldap->ca_file;
        $ENV{LDAPTLS_CACERTDIR} = $t->path('no-cacerts');
        $ENV{LDAPTLS_REQCERT} = 'demand';
    });
}

sub whoami {
    my ($dn, $password, @opts) = @_;
    return tool(undef, 'ldapwhoami', '-x', '-o', 'nettimeout=5',
                '-H', $ldap->url('ldap'), '-D', $dn, '-w', $password, @opts);
}

sub svc_search {
    my ($filter, @attrs) = @_;
    my $password = $t->read_file($ldap->bind_password_file);
    chomp $password;
    return tool(undef, 'ldapsearch', '-x', '-LLL', '-o', 'ldif-wrap=no',
                '-H', $ldap->url('ldap'), '-D', $ldap->bind_dn,
                '-w', $password, '-b', $ldap->base, $filter, @attrs);
}

sub member_of {
    my ($rdn) = @_;
    return join '|', sort $ldap->search("($rdn)", 'memberOf')
        =~ /^memberOf: cn=([^,]+),/mg;
}

# the processes still running this server's configuration
sub running {
    my $conf = $ldap->dir . '/slapd.conf';
    my @pids;
    for my $p (glob '/proc/[0-9]*') {
        my $cmd = $t->read_file("$p/cmdline");
        push @pids, $p =~ /(\d+)$/ if index($cmd, $conf) >= 0;
    }
    return @pids;
}

# the accessors

like($ldap->url('ldap'), qr{^ldap://127\.0\.0\.1:\d+$}, 'ldap url');
like($ldap->url('ldaps'), qr{^ldaps://127\.0\.0\.1:\d+$}, 'ldaps url');
is($ldap->port('ldap'), $t->port('ldap'), 'ldap port by name');
is($ldap->port('ldaps'), $t->port('ldaps'), 'ldaps port by name');
is($ldap->base, 'dc=contoso,dc=com', 'base');
is($ldap->bind_dn, 'cn=svc-ocs,ou=Service,dc=contoso,dc=com', 'bind dn');
is($ldap->admin_dn, 'cn=admin,dc=contoso,dc=com', 'admin dn');
is($ldap->user_dn('alice'), 'cn=alice,ou=Users,dc=contoso,dc=com',
   'user dn');

my $two = OCS::Slapd->new($t, name => 'ldap2');
is($two->port('ldaps'), $t->port('ldap2s'), 'second server: its own ports');
isnt($two->port('ldap'), $ldap->port('ldap'), 'second server: other port');

$ldap->start;

ok($ldap->pid && kill(0, $ldap->pid), 'running');
is(($ldap->start)->pid, $ldap->pid, 'start again while running: same');

my $pw = $t->read_file($ldap->bind_password_file);
like($pw, qr/^[^\n]{16,}\n\z/, 'bind password file: one line');
is((stat $ldap->bind_password_file)[2] & 07777, 0600, 'bind password mode');
like($t->read_file($ldap->ca_file), qr/BEGIN CERTIFICATE/, 'ca file');
like($t->read_file($ldap->other_ca_file), qr/BEGIN CERTIFICATE/,
     'other ca file');
ok($ldap->admin_password, 'admin password');

# binds

my ($rc, $out) = whoami($ldap->user_dn('alice'), 'alice-pw');
is($rc, 0, 'alice binds');
like($out, qr/^dn:cn=alice,ou=Users,dc=contoso,dc=com$/m, 'alice whoami');

($rc, $out) = whoami($ldap->user_dn('alice'), 'wrong');
is($rc, 49, 'wrong password: 49');

($rc) = whoami($ldap->user_dn('nobody'), 'x');
is($rc, 49, 'no such user: 49');

($rc) = whoami($ldap->user_dn('sam'), 'pass word: with colons: and spaces');
is($rc, 0, 'password with spaces and colons');

($rc) = whoami($ldap->user_dn('dave'), 'dave-pw');
is($rc, 0, 'disabled account binds at the ldap level');

($rc) = whoami($ldap->user_dn('star'), 'star-pw');
is($rc, 0, 'star binds');

# failed binds never lock anyone
whoami($ldap->user_dn('jeremy'), 'wrong') for 1 .. 6;
($rc) = whoami($ldap->user_dn('jeremy'), 'jeremy-pw');
is($rc, 0, 'no lockout after failures');

# ppolicy states

($rc, $out) = whoami($ldap->user_dn('lucy'), 'lucy-pw');
is($rc, 49, 'locked: 49');
($rc, $out) = whoami($ldap->user_dn('lucy'), 'lucy-pw', '-e', 'ppolicy');
is($rc, 49, 'locked with ppolicy: 49');
like($out, qr/Account locked/, 'locked: reported');

($rc, $out) = whoami($ldap->user_dn('eve'), 'eve-pw', '-e', 'ppolicy');
is($rc, 49, 'expired: 49');
like($out, qr/Password expired/, 'expired: reported');

($rc, $out) = whoami($ldap->user_dn('mark'), 'mark-pw', '-e', 'ppolicy');
like($out, qr/Password must be changed/, 'must change: reported');
($rc, $out) = tool(undef, 'ldapsearch', '-x', '-H', $ldap->url('ldap'),
                   '-D', $ldap->user_dn('mark'), '-w', 'mark-pw',
                   '-b', $ldap->user_dn('mark'), '-s', 'base', 'cn');
is($rc, 50, 'must change: other operations refused');

($rc, $out) = whoami($ldap->user_dn('alice'), 'alice-pw', '-e', 'ppolicy');
is($rc, 0, 'alice with ppolicy');
unlike($out, qr/locked|expired|must be changed|grace/i,
       'alice: nothing to report');

# what the service account sees

($rc, $out) = svc_search('(sAMAccountName=alice)', 'sAMAccountName',
                         'msRTCSIP-PrimaryUserAddress', 'memberOf',
                         'userPassword');
is($rc, 0, 'service search');
like($out, qr/^dn: cn=alice,ou=Users,dc=contoso,dc=com$/m, 'alice found');
like($out, qr/^msRTCSIP-PrimaryUserAddress: sip:alice\@contoso\.com$/m,
     'sip address readable');
like($out, qr/^memberOf: cn=CWA Users,ou=Groups,dc=contoso,dc=com$/m,
     'memberOf readable');
unlike($out, qr/userPassword/i, 'no userPassword for the service');

($rc, $out) = svc_search('(sAMAccountName=st\2ar)', 'cn');
is(join(',', $out =~ /^cn: (.*)$/mg), 'star', 'escaped asterisk: star only');
($rc, $out) = svc_search('(sAMAccountName=st*r)', 'cn');
is(join(',', $out =~ /^cn: (.*)$/mg), 'star', 'unescaped: a wildcard');
($rc, $out) = svc_search('(userPrincipalName=ALICE@CONTOSO.COM)', 'cn');
is(join(',', $out =~ /^cn: (.*)$/mg), 'alice', 'upn case-insensitive');

($rc, $out) = svc_search('(cn=*)', 'cn');
my @all = $out =~ /^dn: (.*)$/mg;
cmp_ok(scalar @all, '>=', 20, 'service sees the tree');

($rc, $out) = svc_search('(cn=nora)', 'msRTCSIP-UserEnabled',
                         'msRTCSIP-OptionFlags', 'userAccountControl');
like($out, qr/^msRTCSIP-UserEnabled: FALSE$/m, 'nora not enabled');
($rc, $out) = svc_search('(cn=ned)', 'msRTCSIP-OptionFlags');
like($out, qr/^msRTCSIP-OptionFlags: 1$/m, 'ned no enhanced presence');
($rc, $out) = svc_search('(cn=dave)', 'userAccountControl');
like($out, qr/^userAccountControl: 514$/m, 'dave disabled');
($rc, $out) = svc_search('(cn=rita)', 'msNPAllowDialin');
like($out, qr/^msNPAllowDialin: FALSE$/m, 'rita no dial-in');

# anonymous and users

($rc, $out) = tool(undef, 'ldapsearch', '-x', '-LLL',
                   '-H', $ldap->url('ldap'), '-b', $ldap->base,
                   '(objectClass=*)');
unlike($out, qr/^dn:/m, 'anonymous search: nothing');
($rc, $out) = tool(undef, 'ldapsearch', '-x', '-LLL',
                   '-H', $ldap->url('ldap'), '-b', $ldap->user_dn('alice'),
                   '-s', 'base', '(objectClass=*)');
unlike($out, qr/^dn:/m, 'anonymous read of alice: nothing');

($rc, $out) = tool(undef, 'ldapsearch', '-x', '-LLL',
                   '-H', $ldap->url('ldap'), '-D', $ldap->user_dn('alice'),
                   '-w', 'alice-pw', '-b', $ldap->user_dn('alice'),
                   '-s', 'base', '(objectClass=*)', 'cn', 'userPassword');
like($out, qr/^cn: alice$/m, 'alice reads her entry');
unlike($out, qr/userPassword/i, 'but not her password');

($rc, $out) = tool(undef, 'ldapsearch', '-x', '-LLL',
                   '-H', $ldap->url('ldap'), '-D', $ldap->user_dn('alice'),
                   '-w', 'alice-pw', '-b', $ldap->user_dn('jeremy'),
                   '-s', 'base', '(objectClass=*)');
unlike($out, qr/^dn:/m, 'alice does not read jeremy');

# memberOf

is(member_of('cn=alice'), 'CWA Users|Remote Access', 'alice memberOf');
is(member_of('cn=rita'), 'CWA Users', 'rita memberOf');
is(member_of('cn=nick'), 'Sales EMEA', 'nick memberOf');
is(member_of('cn=Sales EMEA'), 'Sales', 'group memberOf');
is(member_of('cn=svc-ocs'), '', 'service in no group');

$ldap->modify(<<"EOF");
dn: cn=Remote Access,ou=Groups,dc=contoso,dc=com
changetype: modify
delete: member
member: cn=alice,ou=Users,dc=contoso,dc=com
EOF
is(member_of('cn=alice'), 'CWA Users', 'member removed: memberOf follows');

$ldap->modify(<<"EOF");
dn: cn=temp,ou=Users,dc=contoso,dc=com
changetype: add
objectClass: inetOrgPerson
cn: temp
sn: Temp

dn: cn=Sales,ou=Groups,dc=contoso,dc=com
changetype: modify
add: member
member: cn=temp,ou=Users,dc=contoso,dc=com

dn: cn=temp,ou=Users,dc=contoso,dc=com
changetype: delete
EOF
unlike($ldap->search('(cn=Sales)', 'member'), qr/cn=temp/,
       'deleted entry: membership gone');

eval { $ldap->modify("dn: cn=nobody,ou=Users,dc=contoso,dc=com\n"
                     . "changetype: delete\n") };
like($@, qr/No such object/, 'modify dies with the output');

# TLS

($rc, $out) = tool(undef, 'ldapwhoami', '-x', '-ZZ', '-o', 'nettimeout=5',
                   '-H', $ldap->url('ldap'), '-D', $ldap->user_dn('alice'),
                   '-w', 'alice-pw');
is($rc, 0, 'starttls') or diag($out);

($rc, $out) = tool(undef, 'ldapwhoami', '-x', '-o', 'nettimeout=5',
                   '-H', $ldap->url('ldaps'), '-D', $ldap->user_dn('alice'),
                   '-w', 'alice-pw');
is($rc, 0, 'ldaps') or diag($out);

# (not by the name localhost: libldap checks the certificate against the
# machine's own host name then, which the certificate does not name)

($rc, $out) = tool($ldap->other_ca_file, 'ldapwhoami', '-x', '-ZZ',
                   '-o', 'nettimeout=5', '-H', $ldap->url('ldap'),
                   '-D', $ldap->user_dn('alice'), '-w', 'alice-pw');
isnt($rc, 0, 'starttls, wrong ca: refused');

($rc, $out) = tool($ldap->other_ca_file, 'ldapwhoami', '-x',
                   '-o', 'nettimeout=5', '-H', $ldap->url('ldaps'),
                   '-D', $ldap->user_dn('alice'), '-w', 'alice-pw');
isnt($rc, 0, 'ldaps, wrong ca: refused');

# stop, start, the data kept

$ldap->modify(<<"EOF");
dn: cn=alice,ou=Users,dc=contoso,dc=com
changetype: modify
replace: description
description: kept across restarts
EOF

my $pid = $ldap->pid;
$ldap->stop;
ok(!$ldap->pid, 'stopped');
is(join(',', running()), '', 'no slapd left');
($rc) = whoami($ldap->user_dn('alice'), 'alice-pw');
isnt($rc, 0, 'nothing listens');

$ldap->start;
isnt($ldap->pid, $pid, 'started again');
($rc) = whoami($ldap->user_dn('alice'), 'alice-pw');
is($rc, 0, 'alice binds again');
like($ldap->search('(cn=alice)', 'description'),
     qr/^description: kept across restarts$/m, 'data kept');
is(member_of('cn=nick'), 'Sales EMEA', 'memberOf kept');
($rc, $out) = whoami($ldap->user_dn('lucy'), 'lucy-pw', '-e', 'ppolicy');
like($out, qr/Account locked/, 'lock kept');

$ldap->stop;
is(join(',', running()), '', 'stopped again');

$t->done;
