#!/usr/bin/perl

# The conference join page in a real browser (headless Chromium through
# chromedriver): the link ocs-conference prints fills in the id, a wrong
# key comes back to the form with a message, the right one lands on the
# conference's content as its participant, and the participant's ticket
# opens neither another conference nor a CWA-like location.

use strict;
use warnings;

use lib 't/lib';
use OCS::Browser;
use Test::More;

BEGIN {
    plan(skip_all => OCS::Browser->missing) if OCS::Browser->missing;
}

use OCS::Test;

my $t = OCS::Test->new;

my $tool = ($ENV{OCS_BUILD} || 'build') . '/ocs-conference';
plan(skip_all => "no $tool (make all)") unless -x $tool;

plan tests => 11;

$t->users(alice => 'alice-pw');
$t->keyfile('ticket.keys', 1);

my $keys = $t->path('conference.keys');
my ($key) = `$tool $keys create m-1 /Conf/Ext/m-1/` =~ /^key: (\S+)$/m;
`$tool $keys create m-2 /Conf/Ext/m-2/`;
chmod 0640, $keys;

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_sso_identity_header X-User;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_conference_keys %%TESTDIR%%/conference.keys;

        location /Conf/Ext/ {
            ocs_auth conference;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /cwa/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /join {
            ocs_auth_conference_join;
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
            return 200 "<html><body><h1 id=hello>Hello $http_x_user</h1></body></html>";
        }
    }
}
EOF

my $origin = 'https://localhost:' . $t->port('https');

my $browser = eval {
    OCS::Browser->new(port => $t->port('webdriver'), dir => $t->dir,
                      server => $t, args => ['--ignore-certificate-errors']);
};

if (!$browser) {
    fail('browser starts');
    diag($@);
    $t->done;
    exit;
}

pass('browser starts');

sub text_of {
    my ($css) = @_;
    my $e = eval { $browser->find($css) };
    return defined $e ? $browser->text($e) : '';
}

sub join_with {
    my ($k) = @_;

    my $e = $browser->find('#key');
    $browser->type($e, $k);
    return $browser->click_and_wait($browser->find('button[type=submit]'),
                                    10);
}

$browser->go("$origin/join?c=m-1");
is($browser->property($browser->find('#c'), 'value'), 'm-1',
   'join page: the id from the link');

join_with('not-the-key');
like($browser->location->{path} . ($browser->location->{query} // ''),
     qr{^/join}, 'wrong key: back on the join page');
like(text_of('#message'), qr/not right/, 'wrong key: the page says so');
is($browser->property($browser->find('#c'), 'value'), 'm-1',
   'wrong key: the id kept');

join_with($key);
is($browser->location->{path}, '/Conf/Ext/m-1/',
   'right key: on the conference');
is(text_of('#hello'), 'Hello anonymous:m-1', 'right key: as its participant');

$browser->go("$origin/Conf/Ext/m-2/");
unlike($browser->source, qr/Hello/, "another conference's: refused");

$browser->go("$origin/cwa/");
unlike($browser->source, qr/Hello/, 'CWA: refused');

$browser->quit;

unlike($t->error_log, qr/\Q$key\E/, 'log: no key');

$t->done;
