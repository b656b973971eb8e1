#!/usr/bin/perl

# The sign-in page across a mixed fleet: nginx and Apache httpd with the
# same key file take each other's forms.  A form nginx served posts to
# Apache (the CSRF nonce and token are the same cookie and field); the
# note of a failed post on Apache is read by nginx's form; the ticket
# Apache issues opens on nginx.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;
plan tests => 11;

my $users = $n->users(alice => 'alice-pw');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-User $ocs_user;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / { return 200 "nginx app for $http_x_user\n"; }
    }
}
EOF

$a->run(<<"EOF");
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile $users
    </Location>
</VirtualHost>
EOF

# the jar goes from one server to the other, as a browser's cookies for
# one host name would
sub carry {
    my ($from, $to, $jar) = @_;
    $to->write_file("jar-$jar", $from->read_file("jar-$jar"));
}

# a form from nginx, posted to Apache

my $page = $n->get('/ocs/signin?r=%2Fapp%2Fx', jar => 'j');
is($page->status, 200, 'nginx: the form');
carry($n, $a, 'j');

my $r = $a->post('/ocs/signin', jar => 'j',
                 form => [csrf => $page->field('csrf'),
                          r => $page->field('r'), username => 'alice',
                          password => 'alice-pw', computer => 'public']);
is($r->status, 303, 'apache: nginx\'s form signs in');
like($r->header('location') // '', qr{/app/x$}, 'apache: to the return url');

carry($a, $n, 'j');
is($n->get('/app/x', jar => 'j')->body, "nginx app for alice\n",
   'nginx: the ticket Apache issued opens');
is($n->get('/app/x')->status, 302, 'nginx: without it, the sign-in page');

# a failed post on Apache, its note read by nginx's form

my $nav = ['Sec-Fetch-Mode: navigate', 'Sec-Fetch-Site: same-origin'];

$page = $a->get('/ocs/signin', jar => 'k');
is($page->status, 200, 'apache: the form');
$r = $a->post('/ocs/signin', jar => 'k', headers => $nav,
              form => [csrf => $page->field('csrf'), r => '/app/',
                       username => 'alice', password => 'wrong',
                       computer => 'private']);
is($r->status, 303, 'apache: a failed post: 303 and a note');

carry($a, $n, 'k');
$r = $n->get('/ocs/signin?r=%2Fapp%2F', jar => 'k', headers => $nav);
is($r->status, 401, 'nginx: the note of Apache\'s post: 401');
like($r->body, qr/The user name or password is incorrect\./,
     'nginx: its message');
is($r->field('username'), 'alice', 'nginx: the name typed on Apache');

$n->stop;
$a->done;
