#!/usr/bin/perl

# A real browser with Kerberos: headless Chromium, allowed to use
# Negotiate for localhost as an intranet site, signs in without a form
# from the user's credential cache (a real MIT KDC), through the quick
# sign-in URL too; without a ticket it lands on the sign-in form.

use strict;
use warnings;

use lib 't/lib';
use OCS::Browser;
use Test::More;

BEGIN {
    plan(skip_all => OCS::Browser->missing) if OCS::Browser->missing;
}

use OCS::Kdc;
use OCS::Test;

my $t = OCS::Test->new;
plan tests => 9;
my $kdc = OCS::Kdc->new($t);

$kdc->start;
$kdc->addprinc('alice', 'alice-pw');
$kdc->addprinc('HTTP/localhost');
my $keytab = $kdc->keytab('http.keytab', 'HTTP/localhost');

$t->users(bob => 'bob-pw');
$t->keyfile('ticket.keys', 1);

# the browser's environment: the realm's krb5.conf, alice's cache
my %env = $kdc->env(ccache => $t->path('alice.cc'));
@ENV{keys %env} = values %env;

$t->run(<<"EOF", main => "env KRB5_CONFIG;\nenv KRB5RCACHEDIR;\n");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_keytab $keytab;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth forms;
        ocs_auth_negotiate on;
        ocs_auth_internal_networks 127.0.0.0/8;
        ocs_sso_identity_header X-User;

        location /app/ {
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/quick {
            ocs_auth_quick_signin;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            default_type text/html;
            return 200 "<html><body><h1 id=hello>Hello \$http_x_user</h1></body></html>";
        }
    }
}
EOF

my $base = 'https://localhost:' . $t->port('https');

my $browser = eval {
    OCS::Browser->new(port => $t->port('webdriver'), dir => $t->dir,
                      server => $t,
                      args => ['--auth-server-allowlist=localhost']);
};

if (!$browser) {
    fail('browser starts');
    diag($@);
    $t->done;
    exit;
}

sub heading {
    my $e = $browser->find('#hello') or return undef;
    return $browser->text($e);
}

# no Kerberos ticket yet: the 401 page moves the browser on to the form

$browser->go("$base/app/");
my $url = $browser->wait_for(sub {
    my $u = $browser->url;
    return $u =~ m{/ocs/signin} ? $u : undef;
});
like($url // '', qr{^\Q$base\E/ocs/signin\?r=%2Fapp%2F$},
     'no ticket: the browser lands on the sign-in form');
ok($browser->find('#username'), 'no ticket: the form is shown');

# with a ticket: straight in

my ($rc, $out) = $kdc->kinit('alice', 'alice-pw',
                             ccache => $t->path('alice.cc'));
is($rc, 0, 'kinit alice') or diag($out);

$browser->go("$base/app/");
is($browser->wait_for(sub { heading() }), 'Hello alice',
   'Kerberos: signed in without a form');

my $c = $browser->cookie('__Host-ocs_ticket');
ok($c && $c->{httpOnly} && $c->{secure},
   'the proxy ticket: HttpOnly and Secure');

# the quick sign-in URL, after the session is gone

$browser->cmd('DELETE', '/cookie');

$browser->go("$base/ocs/quick?r=%2Fapp%2Fquick");
is($browser->wait_for(sub { heading() }), 'Hello alice',
   'quick sign-in: on to the service, no form');
like($browser->url, qr{^\Q$base\E/app/quick$}, 'quick sign-in: the URL');

$browser->quit;

like($t->error_log, qr/\[notice\].*user "alice" signed in with Kerberos/,
     'logged as a Kerberos sign-in');

$t->done;
