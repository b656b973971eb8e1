#!/usr/bin/perl

# The sign-in page on Apache httpd as a browser sees it, with the
# answers of t/pages.t on nginx: the computer classes' hints with the
# configured limits, the focus, a failed post answered with a 303 and a
# one-use note for the form (so that reloading posts nothing), a lock
# carried across the 303 with its 429 and Retry-After, a note that is
# not this browser's ignored, and OCSSignInSIP inherited and off.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;
plan tests => 49;

$t->users(carol => 'carol-pw', dave => 'dave-pw');
$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
# one process serves (MaxRequestWorkers / ThreadsPerChild); a second
# slot is room for the old one during a graceful restart
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 8
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users
    OCSLockout account=3

    <Location /ocs/signin>
        SetHandler ocs-signin
    </Location>

    <Location /limits/>
        OCSComputer public idle=10m lifetime=4h
        OCSComputer private idle=12h lifetime=14d persistent=off
    </Location>

    <Location /limits/signin>
        SetHandler ocs-signin
    </Location>

    <Location /limits/override>
        SetHandler ocs-signin
        OCSIdleTimeout off
        OCSLifetime 90m
    </Location>

    <Location /sip/>
        OCSSignInSIP on
    </Location>

    <Location /sip/signin>
        SetHandler ocs-signin
    </Location>

    <Location /sip/off/signin>
        SetHandler ocs-signin
        OCSSignInSIP off
    </Location>

    <Location /nofile/signin>
        SetHandler ocs-signin
        OCSUserFile off
    </Location>

    <Location "/ocs/sign in">
        SetHandler ocs-signin
    </Location>
</VirtualHost>
EOF

# the computer classes: what each means, with the configured limits

my $r = $t->get('/ocs/signin');
like($r->body, qr/<span id="public-hint" class="hint">For a computer that others use too\. You are signed out after 30 minutes without activity, 8 hours after signing in at the latest, and when you close the browser\. When you are done, sign out and close every browser window\.<\/span>/,
     'public: the default limits');
like($r->body, qr/<span id="private-hint" class="hint">For a computer that only you use and that meets your organization&#39;s security policy\. You are signed out after 8 hours without activity, 7 days after signing in at the latest; closing the browser does not sign you out\.<\/span>/,
     'private: the default limits, persistent');
like($r->body, qr/value="public" checked aria-describedby="public-hint"/,
     'public: the radio button described by its hint');

$r = $t->get('/limits/signin');
like($r->body, qr/out after 10 minutes without activity, 4 hours after/,
     'public: the configured class');
like($r->body, qr/out after 12 hours without activity, 14 days after signing in at the latest, and when you close the browser/,
     'private: the configured class, not persistent');

$r = $t->get('/limits/override');
like($r->body, qr/others use too\. You are signed out 1 hour 30 minutes after signing in at the latest, and when/,
     'the directory\'s own limits, no idle limit');

# the sign-in address: off by default without a directory, on where
# OCSSignInSIP says so, inherited, and off again below

unlike($t->get('/ocs/signin')->body, qr/name="sip"/,
       'user file: no sign-in address field');
like($t->get('/sip/signin')->body, qr/name="sip"/,
     'OCSSignInSIP on, inherited: the field');
unlike($t->get('/sip/off/signin')->body, qr/name="sip"/,
       'OCSSignInSIP off in a later <Location>: no field');

# OCSUserFile off below a level that sets it: no way to check passwords

$r = $t->signin('carol', 'carol-pw', jar => 'nofile',
                signin => '/nofile/signin');
is($r->status, 500, 'OCSUserFile off: the page is not set up');
like($t->error_log, qr/\[auth_ocs:error\].*the sign-in page "\/nofile\/signin" has no way to check passwords; set OCSUserFile/,
     'OCSUserFile off: the log says what to set');

# focus: the user name first, the password once a name is typed

$r = $t->get('/ocs/signin');
like($r->body, qr/id="username"[^>]* autofocus/, 'empty form: user name focused');
unlike($r->body, qr/id="password"[^>]* autofocus/, 'empty form: not the password');

$r = $t->signin('carol', 'wrong', jar => 'focus');
is($r->status, 401, 'a failure, from a script: 401 and the form');
like($r->body, qr/id="password"[^>]* autofocus/, 'after a failure: the password focused');
unlike($r->body, qr/id="username"[^>]* autofocus/,
       'after a failure: not the user name');

# a browser's failed post: 303 to the form, which shows the note once

my $nav = ['Sec-Fetch-Mode: navigate', 'Sec-Fetch-Site: same-origin',
           'Sec-Fetch-Dest: document'];

$r = $t->signin('carol', 'wrong', jar => 'nav', back => '%2Fapp%2Fx',
                computer => 'private', headers => $nav);
is($r->status, 303, 'browser: a failed post gets 303');
like($r->header('location') // '', qr{^https://127\.0\.0\.1:\d+/ocs/signin\?r=%2Fapp%2Fx$},
     'browser: to the form, with the return url');
my $note = $r->set_cookie('__Secure-ocs_ticket_note') // '';
like($note, qr/^__Secure-ocs_ticket_note=[\w-]+\.[\w-]{43}; Path=\/ocs\/signin; Max-Age=60; Expires=[^;]+; Secure; HttpOnly; SameSite=Strict$/,
     'browser: the note, on the form\'s path, for a minute');
unlike($note, qr/carol|wrong/, 'browser: the note is not plain text');
unlike($r->body, qr/incorrect/, 'browser: no page in the redirect');

my $count = () = $t->error_log =~ /sign-in failed for user "carol"/g;

$r = $t->get('/ocs/signin?r=%2Fapp%2Fx', jar => 'nav', headers => $nav);
is($r->status, 401, 'browser: the form after the redirect, 401');
like($r->body, qr/The user name or password is incorrect\./,
     'browser: the message');
is($r->field('username'), 'carol', 'browser: the user name kept');
like($r->body, qr/value="private" checked/, 'browser: the computer kept');
like($r->body, qr/id="password"[^>]* autofocus/, 'browser: the password focused');
is($r->field('r'), '/app/x', 'browser: the return url kept');
like($r->set_cookie('__Secure-ocs_ticket_note') // '',
     qr/^__Secure-ocs_ticket_note=; Path=\/ocs\/signin; Max-Age=0/,
     'browser: the note cleared');
like($r->header('www-authenticate') // '', qr/^OCS-Forms/,
     'browser: the challenge on the form');

$r = $t->get('/ocs/signin?r=%2Fapp%2Fx', jar => 'nav', headers => $nav);
is($r->status, 200, 'browser: reloaded, the plain form');
unlike($r->body, qr/incorrect/, 'browser: reloaded, no message');
is(() = $t->error_log =~ /sign-in failed for user "carol"/g, $count,
   'browser: reloading posted nothing');

$r = $t->signin('carol', 'carol-pw', jar => 'nav', headers => $nav);
is($r->status, 303, 'browser: then the right password');
unlike($r->header('location') // '', qr/signin/, 'browser: on to the service');

# a path that cannot carry a note: the form itself answers

$r = $t->signin('carol', 'wrong', jar => 'space', headers => $nav,
                signin => '/ocs/sign%20in');
is($r->status, 401, 'a path a cookie cannot name: the form, 401');
ok(!$r->set_cookie('__Secure-ocs_ticket_note'), '... and no note');

# a locked account: the 429 and its Retry-After after the redirect too

$t->signin('dave', 'wrong', jar => 'lock') for 1 .. 3;
$r = $t->signin('dave', 'dave-pw', jar => 'navlock', headers => $nav);
is($r->status, 303, 'browser, locked: 303');
$r = $t->get('/ocs/signin', jar => 'navlock', headers => $nav);
is($r->status, 429, 'browser, locked: the form says 429');
like($r->header('retry-after') // '', qr/^\d+$/, 'browser, locked: Retry-After');
like($r->body, qr/Too many failed sign-ins/, 'browser, locked: the message');
is($r->field('username'), 'dave', 'browser, locked: the user name kept');

# a note that is not this browser's is ignored

$r = $t->signin('carol', 'wrong', jar => 'mine', headers => $nav);
my ($value) = ($r->set_cookie('__Secure-ocs_ticket_note') // '') =~ /=([^;]+)/;
# one Cookie header: Apache joins two with ", ", which no cookie parser
# splits (curl sends the jar's and ours apart)
$t->get('/ocs/signin', jar => 'theirs');
my $theirs = $t->jar_cookies('theirs')->{'__Host-ocs_ticket_csrf'};
$r = $t->get('/ocs/signin',
             headers => ["Cookie: __Host-ocs_ticket_csrf=$theirs; "
                         . "__Secure-ocs_ticket_note=$value"]);
is($r->status, 200, 'another browser\'s note: ignored');
unlike($r->body, qr/carol|incorrect/, 'another browser\'s note: nothing shown');
like($t->error_log, qr/\[auth_ocs:error\].*a page note that is not this browser's refused/,
     'another browser\'s note: logged');

my $nonce = $t->jar_cookies('mine')->{'__Host-ocs_ticket_csrf'};
$r = $t->get('/ocs/signin',
             headers => ["Cookie: __Host-ocs_ticket_csrf=$nonce; "
                         . "__Secure-ocs_ticket_note=$value"]);
like($r->body, qr/incorrect/, 'the note with its nonce: shown');

(my $tampered = $value) =~ s/^(.)/$1 eq 'A' ? 'B' : 'A'/e;
$r = $t->get('/ocs/signin',
             headers => ["Cookie: __Host-ocs_ticket_csrf=$nonce; "
                         . "__Secure-ocs_ticket_note=$tampered"]);
is($r->status, 200, 'a tampered note: the plain form');
unlike($r->body, qr/incorrect/, 'a tampered note: nothing shown');

unlike($t->logs, qr/-pw/, 'no password in the logs');

$t->done;
