#!/usr/bin/perl

# Who may reach which service: OCS enabled, enhanced presence, groups
# (nested), filters, remote access from outside the internal networks,
# "off" in nested locations, and re-checks of live sessions.

use strict;
use warnings;

use lib 't/lib';
use OCS::Slapd;
use OCS::Test;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test->new;
plan tests => 44;
my $ldap = OCS::Slapd->new($t);

$ldap->start;
$t->keyfile('ticket.keys', 1);

my $conf = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    %%DIRECTORY%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_ldap contoso;
        ocs_auth_recheck 1h;

        location /cwa/ {
            ocs_auth forms;
            ocs_auth_require ocs_enabled;
            ocs_auth_require enhanced_presence;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;

            location /cwa/help/ {
                ocs_auth_require off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /cwa/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location /sales/ {
            ocs_auth forms;
            ocs_auth_require group Sales;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /sales-dn/ {
            ocs_auth forms;
            ocs_auth_require group "CN=Sales, OU=Groups, DC=contoso, DC=com";
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /filter/ {
            ocs_auth forms;
            ocs_auth_require filter "(displayName=Alice*)";
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /remote/ {
            ocs_auth forms;
            ocs_auth_remote_access attribute;
            ocs_auth_internal_networks 10.0.0.0/8;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;

            location /remote/inside/ {
                ocs_auth_internal_networks 127.0.0.0/8;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;

                location /remote/inside/off/ {
                    ocs_auth_internal_networks off;
                    proxy_pass http://127.0.0.1:%%PORT_backend%%;
                }
            }

            location /remote/off/ {
                ocs_auth_remote_access off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location /remote-group/ {
            ocs_auth forms;
            ocs_auth_remote_access group "Remote Access";
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /live/ {
            ocs_auth forms;
            ocs_auth_recheck 3s;
            ocs_auth_require group "CWA Users";
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        %%EXTRA%%

        location = /ocs/signin {
            ocs_auth_signin;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok $request_uri\n";
        }
    }
}
EOF

$conf =~ s/%%DIRECTORY%%/$ldap->nginx_directory()/e;

(my $first = $conf) =~ s/%%EXTRA%%//;
$t->run($first);

for my $user (qw(alice nora ned nick rita jeremy)) {
    my $r = $t->signin($user, "$user-pw", jar => $user);
    is($r->status, 303, "$user signed in");
}

sub status {
    my ($user, $uri) = @_;
    return $t->get($uri, jar => $user)->status;
}

# OCS settings

is(status('alice', '/cwa/'), 200, 'enabled, enhanced presence');

my $r = $t->get('/cwa/', jar => 'nora');
is($r->status, 403, 'not enabled for OCS');
like($r->body, qr/not enabled for Office Communications Server/,
     'not enabled: says why');

$r = $t->get('/cwa/', jar => 'ned');
is($r->status, 403, 'no enhanced presence');
like($r->body, qr/does not have enhanced presence enabled/,
     'no enhanced presence: says why');

is(status('ned', '/cwa/inner/'), 403, 'requirements inherit');
is(status('ned', '/cwa/help/'), 200, 'requirements off in a nested location');

# groups, nested, by name and by DN

is(status('nick', '/sales/'), 200, 'nested group by name');
is(status('nick', '/sales-dn/'), 200, 'nested group by DN');
$r = $t->get('/sales/', jar => 'alice');
is($r->status, 403, 'not in the group');
like($r->body, qr/not a member of a group that may use this service/,
     'not in the group: says why');

# a filter of one's own

is(status('alice', '/filter/'), 200, 'filter matches');
is(status('jeremy', '/filter/'), 403, 'filter does not match');

# remote access: 127.0.0.1 is outside 10.0.0.0/8

is(status('alice', '/remote/'), 200, 'remote access granted');
$r = $t->get('/remote/', jar => 'rita');
is($r->status, 403, 'no remote access from outside');
like($r->body, qr/connecting from outside the organisation/,
     'no remote access: says why');
is(status('rita', '/remote/inside/'), 200, 'inside: no remote access needed');
is(status('rita', '/remote/inside/off/'), 403,
   'internal networks off in a nested location: every client is outside');
is(status('alice', '/remote/inside/off/'), 200,
   'internal networks off: remote access still lets alice in');
is(status('rita', '/remote/off/'), 200, 'remote access off');
is(status('rita', '/remote-group/'), 403, 'remote access by group');
is(status('alice', '/remote-group/'), 200, 'remote access group member');

# a live session loses access when the directory says so (the re-check
# interval is 3 s: a sign-in, a request and an ldapmodify must fit in it
# before the "not yet checked" request, even on a loaded test machine)

$t->signin('jeremy', 'jeremy-pw', jar => 'live');
is(status('live', '/live/'), 200, 'live session');

$ldap->modify(<<'EOF');
dn: cn=CWA Users,ou=Groups,dc=contoso,dc=com
changetype: modify
delete: member
member: cn=jeremy,ou=Users,dc=contoso,dc=com
EOF

is(status('live', '/live/'), 200, 'removed from the group: not yet checked');
sleep 3.2;
$r = $t->get('/live/', jar => 'live');
is($r->status, 403, 'removed from the group: access ends at the re-check');
ok($r->set_cookie('__Host-ocs_ticket'), 're-check seals a new ticket');

$t->signin('vadim', 'vadim-pw', jar => 'disable');
is(status('disable', '/live/'), 200, 'before the account is disabled');

$ldap->modify(<<'EOF');
dn: cn=vadim,ou=Users,dc=contoso,dc=com
changetype: modify
replace: userAccountControl
userAccountControl: 514
EOF

sleep 3.2;
is(status('disable', '/live/'), 302, 'disabled account: signed out');
is(status('disable', '/cwa/'), 302, 'disabled account: everywhere');

my $log = $t->error_log;
like($log, qr/\[error\].*user "nora" denied: not enabled for OCS/,
     'log: not enabled');
like($log, qr/\[error\].*user "ned" denied: enhanced presence not enabled/,
     'log: no enhanced presence');
like($log, qr/\[error\].*user "rita" denied: no remote access/,
     'log: no remote access');
like($log, qr/\[info\].*user "jeremy" re-checked in directory "contoso"/,
     'log: re-check');
like($log, qr/\[error\].*session of user "vadim" ended: account disabled/,
     'log: session ended');

# a new requirement after a reload: tickets are re-checked at once

(my $second = $conf) =~ s{%%EXTRA%%}{
        location /new/ {
            ocs_auth forms;
            ocs_auth_require filter "(sn=nobody)";
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }
};

ok($t->reload($second), 'reload with a new requirement');
is(status('alice', '/new/'), 403, 'the new requirement applies to old tickets');
is(status('alice', '/cwa/'), 200, 'the old requirements still met');

$t->done;
