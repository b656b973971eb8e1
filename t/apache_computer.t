#!/usr/bin/perl

# Public and private computers on Apache httpd, with the answers of
# t/computer.t on nginx: the choice on the sign-in page selects a class
# with its own inactivity limit, lifetime and cookie persistence
# (OCSComputer), inherited parameter by parameter.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;
use Time::HiRes qw(sleep);

my $t = OCS::Test::Apache->new;
plan tests => 15;

$t->users(alice => 'pw');
$t->keyfile('ticket.keys', 1);
mkdir $t->path($_) for qw(htdocs htdocs/app htdocs/strict htdocs/keepidle);
$t->write_file("htdocs/$_/index.html", "$_\n") for qw(app strict keepidle);

$t->run(<<'EOF');
LoadModule dir_module %%MODULES%%/mod_dir.so
DirectoryIndex index.html
Listen 127.0.0.1:%%PORT_https%%
Listen 127.0.0.1:%%PORT_short%%
Listen 127.0.0.1:%%PORT_nopersist%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSComputer public idle=2s lifetime=1h
OCSComputer private idle=6s lifetime=2h

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location />
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /strict/>
        OCSIdleTimeout 1s
    </Location>

    # OCSComputer inherits parameter by parameter
    <Location /keepidle/>
        OCSComputer public lifetime=3h
    </Location>

    <Location /keep/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
        OCSComputer public persistent=on
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_short%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSComputer public idle=1h lifetime=2s

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>

<VirtualHost 127.0.0.1:%%PORT_nopersist%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSComputer private persistent=off

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile %%TESTDIR%%/users
    </Location>
</VirtualHost>
EOF

# a level that gives one parameter of a class keeps the others from
# above: /keepidle/ sets lifetime= alone, its idle limit is the http
# level's 2s (signed in first, so the timed checks below wait no longer)

$t->signin('alice', 'pw', jar => 'keepidle', computer => 'public');
is($t->get('/keepidle/', jar => 'keepidle')->status, 200,
   'lifetime= alone: in');

my $r = $t->signin('alice', 'pw', jar => 'public', computer => 'public');
unlike($r->set_cookie('__Host-ocs_ticket'), qr/Max-Age/,
       'public: a session cookie');

$r = $t->signin('alice', 'pw', jar => 'private', computer => 'private');
ok($r->set_cookie('__Host-ocs_ticket') =~ /Max-Age=(\d+)/ && $1 > 7000
   && $1 <= 7200, 'private: persists for its lifetime (2h)');

$r = $t->signin('alice', 'pw', jar => 'np', computer => 'private',
                port => 'nopersist');
unlike($r->set_cookie('__Host-ocs_ticket'), qr/Max-Age/,
       'private with persistent=off in a nested level: a session cookie');

is($t->get('/app/', jar => 'public')->status, 200, 'public: in');
is($t->get('/app/', jar => 'private')->status, 200, 'private: in');

$t->signin('alice', 'pw', jar => 'short', computer => 'public',
           port => 'short');
is($t->get('/app/', jar => 'short', port => 'short')->status, 200,
   'short class lifetime: in');

sleep 2.5;

is($t->get('/app/', jar => 'short', port => 'short')->status, 302,
   "the class's lifetime ends the session however busy it is");

is($t->get('/app/', jar => 'public')->status, 302,
   'public: idle 2s of its class: out');
# /strict/ first: the /app/ request may refresh the ticket when the
# machine is slow, which would reset the activity /strict/ checks.
is($t->get('/strict/', jar => 'private')->status, 302,
   "a location's own idle timeout applies to both classes");
is($t->get('/app/', jar => 'private')->status, 200,
   'private: 2.5s of its 6s: still in');
is($t->get('/keepidle/', jar => 'keepidle')->status, 302,
   'lifetime= alone: the idle limit from above (2s) still ends it');

# /keep/signin sets persistent= alone: the lifetime from above, and the
# other class as above (read from the cookies, no clock)

$r = $t->signin('alice', 'pw', jar => 'keep', computer => 'public',
                signin => '/keep/signin');
ok($r->set_cookie('__Host-ocs_ticket') =~ /Max-Age=(\d+)/ && $1 > 3500
   && $1 <= 3600, 'persistent= alone: public persists for the '
   . 'lifetime from above (1h)');
$r = $t->signin('alice', 'pw', jar => 'keep2', computer => 'private',
                signin => '/keep/signin');
ok($r->set_cookie('__Host-ocs_ticket') =~ /Max-Age=(\d+)/ && $1 > 7000
   && $1 <= 7200, 'public set in a location: private as above (2h)');

$t->done;
