#!/usr/bin/perl

# A published application's own sign-out URL ends the proxy session as
# well, as TMG's "published server logoff URL" did; the request still
# reaches the application.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 32;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_identity_header X-User;

        location /cwa/ {
            ocs_auth forms;
            ocs_auth_app_logoff ?Cmd=logoff /cwa/signout.aspx ?logout;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;

            location /cwa/inner/ {
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }

            location /cwa/keep/ {
                ocs_auth_app_logoff off;
                proxy_pass http://127.0.0.1:%%PORT_backend%%;
            }
        }

        location /other/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            add_header Set-Cookie "app=gone; Path=/";
            return 200 "app saw $request_uri user=$http_x_user\n";
        }
    }
}
EOF

sub alive {
    my ($jar, $uri) = @_;
    return $t->get($uri || '/other/', jar => $jar)->status == 200;
}

for my $case (['/cwa/default.aspx?Cmd=logoff', 'query argument'],
              ['/cwa/default.aspx?x=1&cmd=LOGOFF', 'argument without case'],
              ['/cwa/signout.aspx', 'path'],
              ['/cwa/page?logout', 'argument without a value'],
              ['/cwa/inner/x?Cmd=logoff', 'inherited'])
{
    my ($uri, $name) = @$case;
    my $jar = "j-$name";

    $t->signin('alice', 'pw', jar => $jar);
    $t->copy_jar($jar, "$jar-copy");

    my $r = $t->get($uri, jar => $jar);
    is($r->status, 200, "$name: reaches the application");
    like($r->body, qr/^app saw \Q$uri\E user=alice$/m,
         "$name: the application knows who signs out");
    like($r->set_cookie('__Host-ocs_ticket'), qr/^__Host-ocs_ticket=; .*Max-Age=0/,
         "$name: ticket cookie cleared");
    ok($r->set_cookie('app'), "$name: the application's own cookies pass");
    ok(!alive("$jar-copy"), "$name: the session is over everywhere");
}

$t->signin('alice', 'pw', jar => 'not');

for my $uri ('/cwa/default.aspx?Cmd=logoffnow', '/cwa/default.aspx?Cmd=',
             '/cwa/signout.aspx/x', '/cwa/keep/x?Cmd=logoff',
             '/other/x?Cmd=logoff')
{
    my $r = $t->get($uri, jar => 'not');
    ok(!$r->set_cookie('__Host-ocs_ticket') && alive('not'), "no match: $uri");
}

like($t->error_log,
     qr/\[notice\].*user "alice" signed out through the application's sign-out URL/,
     'log');

$t->done;
