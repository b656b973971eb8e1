#!/usr/bin/perl

# Authorization on Apache, as t/ldap_authz.t on nginx: OCS enabled,
# enhanced presence, groups (nested), filters, remote access from
# outside the internal networks, "off" in nested locations, the SIP
# claim, and re-checks of live sessions against a real slapd.  nginx
# signs the users in with the same slapd and key file (a mixed fleet),
# with the same requirements, so that Apache judges nginx's facts.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;
use Test::More;
use Time::HiRes qw(sleep);

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 66;

my $ldap = OCS::Slapd->new($n);
$ldap->start;
my $keys = $n->keyfile('ticket.keys', 1);

# the requirements of the Apache side, so that the facts nginx puts in
# its tickets are the ones Apache asks for (the same generation)
my @reqs = ('ocs_enabled', 'enhanced_presence', 'group Sales',
            'group "CN=Sales, OU=Groups, DC=contoso, DC=com"',
            'filter "(displayName=Alice*)"', 'group "CWA Users"');
my @remote = ('attribute', 'group "Remote Access"');

my $i = 0;
my $facts = join('', map { $i++; "        location /f$i/ { ocs_auth forms; "
                            . "ocs_auth_require $_; return 200; }\n" } @reqs)
            . join('', map { $i++; "        location /f$i/ { ocs_auth forms; "
                            . "ocs_auth_remote_access $_; return 200; }\n" }
                   @remote);

my $dir = $ldap->nginx_directory();

$n->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    $dir

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;

$facts
        location = /ocs/signin {
            ocs_auth_signin;
        }
    }
}
EOF

my $echo = OCS::Echo->new($a);
$echo->start;

my $url = $ldap->url('ldap');
my $bind = $ldap->bind_dn;
my $pw = $ldap->bind_password_file;

my $conf = <<"EOF";
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<OCSDirectory contoso>
    url $url
    bind_dn "$bind"
    bind_password_file $pw
    base "dc=contoso,dc=com"
    filter "(objectClass=inetOrgPerson)"
</OCSDirectory>

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSLDAP contoso
    OCSRecheck 1h
    ProxyPass / http://127.0.0.1:%%PORT_echo%%/

    <Location /cwa/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire ocs_enabled
        OCSRequire enhanced_presence
        OCSSIPClaim %{HTTP:X-SIP-URI}
    </Location>
    <Location /cwa/help/>
        OCSRequire off
    </Location>
    <Location /cwa/noclaim/>
        OCSSIPClaim off
    </Location>

    <Location /sales/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire group Sales
    </Location>

    <Location /sales-dn/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire group "CN=Sales, OU=Groups, DC=contoso, DC=com"
    </Location>

    <Location /filter/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire filter "(displayName=Alice*)"
    </Location>

    <Location /remote/>
        AuthType OCS-Forms
        Require valid-user
        OCSRemoteAccess attribute
        OCSInternalNetworks 10.0.0.0/8
    </Location>
    <Location /remote/inside/>
        OCSInternalNetworks 127.0.0.0/8
    </Location>
    <Location /remote/inside/off/>
        OCSInternalNetworks off
    </Location>
    <Location /remote/off/>
        OCSRemoteAccess off
    </Location>

    <Location /remote-group/>
        AuthType OCS-Forms
        Require valid-user
        OCSRemoteAccess group "Remote Access"
    </Location>

    <Location /live/>
        AuthType OCS-Forms
        Require valid-user
        OCSRecheck 3s
        OCSRequire group "CWA Users"
    </Location>
    <Location /live/never/>
        OCSRecheck 0
    </Location>
    <Location /live/nodir/>
        OCSLDAP off
    </Location>

    %%EXTRA%%
</VirtualHost>
EOF

(my $first = $conf) =~ s/%%EXTRA%%//;
$a->run($first);

# a jar of nginx's, for Apache
sub jar {
    my ($name) = @_;
    $a->write_file("jar-$name", $n->read_file("jar-$name"));
}

sub signin {
    my ($user, $jar) = @_;
    my $r = $n->signin($user, "$user-pw", jar => $jar);
    jar($jar);
    return $r;
}

for my $user (qw(alice nora ned nick rita jeremy)) {
    is(signin($user, $user)->status, 303, "nginx: $user signed in");
}

sub status {
    my ($user, $uri, @h) = @_;
    return $a->get($uri, jar => $user, headers => [@h])->status;
}

# OCS settings

is(status('alice', '/cwa/'), 200, 'enabled, enhanced presence');

my $r = $a->get('/cwa/', jar => 'nora');
is($r->status, 403, 'not enabled for OCS');
like($r->body, qr/not enabled for Office Communications Server/,
     'not enabled: says why');
like($r->body, qr/<title>Access denied/, 'the access denied page');
like($r->header('Cache-Control') // '', qr/no-store/, '403: no-store');

$r = $a->get('/cwa/', jar => 'ned');
is($r->status, 403, 'no enhanced presence');
like($r->body, qr/does not have enhanced presence enabled/,
     'no enhanced presence: says why');

is(status('ned', '/cwa/inner/'), 403, 'requirements inherit');
is(status('ned', '/cwa/help/'), 200, 'requirements off in a nested location');

# groups, nested, by name and by DN

is(status('nick', '/sales/'), 200, 'nested group by name');
is(status('nick', '/sales-dn/'), 200, 'nested group by DN');
$r = $a->get('/sales/', jar => 'alice');
is($r->status, 403, 'not in the group');
like($r->body, qr/not a member of a group that may use this service/,
     'not in the group: says why');

# a filter of one's own

is(status('alice', '/filter/'), 200, 'filter matches');
is(status('jeremy', '/filter/'), 403, 'filter does not match');

# remote access: 127.0.0.1 is outside 10.0.0.0/8

is(status('alice', '/remote/'), 200, 'remote access granted');
$r = $a->get('/remote/', jar => 'rita');
is($r->status, 403, 'no remote access from outside');
like($r->body, qr/connecting from outside the organisation/,
     'no remote access: says why');
is(status('rita', '/remote/inside/'), 200, 'inside: no remote access needed');
is(status('rita', '/remote/inside/x/'), 200, 'internal networks inherit');
is(status('rita', '/remote/inside/off/'), 403,
   'internal networks off in a nested location: every client is outside');
is(status('alice', '/remote/inside/off/'), 200,
   'internal networks off: remote access still lets alice in');
is(status('rita', '/remote/off/'), 200, 'remote access off');
is(status('rita', '/remote/x/'), 403, 'remote access inherits');
is(status('rita', '/remote-group/'), 403, 'remote access by group');
is(status('alice', '/remote-group/'), 200, 'remote access group member');

# the sign-in address a request claims

is(status('alice', '/cwa/', 'X-SIP-URI: sip:alice@contoso.com'), 200,
   'claim matches');
is(status('alice', '/cwa/', 'X-SIP-URI: ALICE@Contoso.com'), 200,
   'claim without the prefix, in another case');
is(status('alice', '/cwa/'), 200, 'no claim');
$r = $a->get('/cwa/', jar => 'alice',
             headers => ['X-SIP-URI: sip:jeremy@contoso.com']);
is($r->status, 403, 'claim of another account');
like($r->body, qr/does not match the account you signed in with/,
     'claim mismatch message');
is(status('alice', '/cwa/x/', 'X-SIP-URI: sip:jeremy@contoso.com'), 403,
   'the claim inherits');
is(status('alice', '/cwa/noclaim/', 'X-SIP-URI: sip:jeremy@contoso.com'),
   200, 'OCSSIPClaim off in a nested location');

# nothing re-checked: the facts were nginx's, for the same requirements
unlike($a->error_log, qr/re-checked/, 'nginx\'s facts judged as they are');

# a live session loses access when the directory says so

signin('jeremy', 'live');
is(status('live', '/live/'), 200, 'live session');

$ldap->modify(<<'EOF');
dn: cn=CWA Users,ou=Groups,dc=contoso,dc=com
changetype: modify
delete: member
member: cn=jeremy,ou=Users,dc=contoso,dc=com
EOF

is(status('live', '/live/'), 200, 'removed from the group: not yet checked');
sleep 3.2;
is(status('live', '/live/never/'), 200, 'OCSRecheck 0: no re-check');
$r = $a->get('/live/', jar => 'live');
is($r->status, 403, 'removed from the group: access ends at the re-check');
ok($r->set_cookie('__Host-ocs_ticket'), 're-check seals a new ticket');
is(status('live', '/live/inner/'), 403, 'the new facts stay with the ticket');

signin('vadim', 'disable');
is(status('disable', '/live/'), 200, 'before the account is disabled');

$ldap->modify(<<'EOF');
dn: cn=vadim,ou=Users,dc=contoso,dc=com
changetype: modify
replace: userAccountControl
userAccountControl: 514
EOF

sleep 3.2;
is(status('disable', '/live/nodir/'), 200, 'OCSLDAP off: no re-check there');
$r = $a->get('/live/', jar => 'disable');
is($r->status, 302, 'disabled account: signed out');
like($r->header('Location') // '', qr{/ocs/signin\?r=%2Flive%2F$},
     'disabled account: to the sign-in page');
# another child sees the revocation: OCSSessionStore is shared
is(status('disable', '/cwa/'), 302, 'disabled account: everywhere');

# re-checks at once in the threads of a child (mpm_event): they share
# the child's handle, each on a connection of its own

for my $k (1 .. 8) {
    signin('alice', "p$k");
}

my $before = () = $a->error_log =~ /user "alice" re-checked/g;
sleep 3.2;

my @curls;
for my $k (1 .. 8) {
    my $jar = $a->path("jar-p$k");
    open my $c, '-|', 'curl', '-s', '-k', '--max-time', '15', '-o',
         '/dev/null', '-w', '%{http_code}', '-b', $jar, '-c', $jar,
         $a->url('/live/')
        or die "cannot run curl: $!\n";
    push @curls, $c;
}
my @codes = map { my $code = <$_>; close $_; $code } @curls;
is(join(' ', @codes), join(' ', ('200') x 8),
   'eight re-checks at once: all answered');
my $after = () = $a->error_log =~ /user "alice" re-checked/g;
is($after - $before, 8, 'eight re-checks at once: each asked the directory');

# the directory down: the session goes on with its facts

signin('alice', 'down');
$ldap->stop;
sleep 3.2;
is(status('down', '/live/'), 200, 'directory down: the ticket\'s facts');
$ldap->start;

my $log = $a->error_log;
like($log, qr/\[auth_ocs:error\].*user "nora" denied: not enabled for OCS/,
     'log: not enabled');
like($log, qr/\[auth_ocs:error\].*user "ned" denied: enhanced presence not enabled/,
     'log: no enhanced presence');
like($log, qr/\[auth_ocs:error\].*user "rita" denied: no remote access/,
     'log: no remote access');
like($log, qr/\[auth_ocs:error\].*user "alice" denied: the sign-in address does not match the account/,
     'log: claim mismatch');
like($log, qr/\[auth_ocs:info\].*user "jeremy" re-checked in directory "contoso"/,
     'log: re-check');
like($log, qr/\[auth_ocs:error\].*session of user "vadim" ended: account disabled/,
     'log: session ended');
like($log, qr/\[auth_ocs:error\].*directory "contoso" unavailable for the re-check of user "alice"/,
     'log: directory down');

# a new requirement after a graceful restart: tickets are re-checked at once

(my $second = $conf) =~ s{%%EXTRA%%}{
    <Location /new/>
        AuthType OCS-Forms
        Require valid-user
        OCSRequire filter "(sn=nobody)"
    </Location>
};

ok($a->reload($second), 'graceful restart with a new requirement');
is(status('alice', '/new/'), 403, 'the new requirement applies to old tickets');
is(status('alice', '/cwa/'), 200, 'the old requirements still met');
like($a->error_log, qr/user "alice" re-checked in directory "contoso"/,
     'the old ticket re-checked');

$n->stop;
$echo->stop;
$a->done;
