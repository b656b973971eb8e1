#!/usr/bin/perl

# A real browser: headless Chromium, driven through chromedriver's W3C
# WebDriver API, signs in through the forms page and out through secure
# logoff.  What curl cannot show: the redirects a browser follows, the
# cookie flags the browser keeps, the Fetch Metadata it sends on its own,
# and the pages as a user sees them.

use strict;
use warnings;

use lib 't/lib';
use MIME::Base64 qw(decode_base64);
use OCS::Browser;
use Test::More;

BEGIN {
    plan(skip_all => OCS::Browser->missing) if OCS::Browser->missing;
}

use OCS::Test;

my $t = OCS::Test->new;
plan tests => 86;

my $password = 'correct horse';

$t->users(alice => $password);
$t->keyfile('ticket.keys', 1);

# a 1x1 PNG: the logo, served by this site as the pages' CSP wants
$t->write_file('logo.png', decode_base64(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='));

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_sso_identity_header X-User;
        ocs_site_name "Contoso Remote Access";
        ocs_site_logo /logo.png;

        location = /logo.png {
            root %%TESTDIR%%;
        }

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }

        location = /ocs/logoff {
            ocs_logoff;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            default_type text/html;
            return 200 "<html><body><h1 id=hello>Hello $http_x_user</h1><a id=out href=/ocs/logoff>Sign out</a></body></html>";
        }
    }

    # another site, with a link to the logoff page
    server {
        listen 127.0.0.1:%%PORT_evil%%;
        location / {
            default_type text/html;
            return 200 "<html><body><a id=x href=\"https://localhost:%%PORT_https%%/ocs/logoff\">Win a prize</a></body></html>";
        }
    }
}
EOF

my $origin = 'https://localhost:' . $t->port('https');
my $evil = 'http://127.0.0.1:' . $t->port('evil') . '/';

my $browser = eval {
    OCS::Browser->new(port => $t->port('webdriver'), dir => $t->dir,
                      server => $t);
};

if (!$browser) {
    fail('browser starts');
    diag($@);
    $t->done;
    exit;
}

pass('browser starts');

my $timeout = 10;

# a step of the story: a command that fails (no such element, a page that
# never came) fails the step, and the story goes on
sub step {
    my ($name, $code) = @_;
    return 1 if eval { $code->(); 1 };
    (my $err = $@) =~ s/\s+$//;
    fail("$name: $err");
    return 0;
}

sub path { $browser->location->{path} }

sub text_of {
    my ($css) = @_;
    my $e = $browser->find($css);
    return defined $e ? $browser->text($e) : undef;
}

# clicks and waits for the next page; false when none came in time
sub click_to {
    my ($css) = @_;
    my $e = $browser->find($css) or return undef;
    return $browser->click_and_wait($e, $timeout);
}

# whether the page's source holds a text
sub page_has {
    my ($text) = @_;
    return index($browser->source, $text) >= 0;
}

# the inputs of the page by the text of their labels
sub labelled {
    my %input;

    for my $label ($browser->find_all('label')) {
        my $for = $browser->attribute($label, 'for');
        next unless defined $for && length $for;
        $input{$browser->text($label)} = $browser->find('#' . $for);
    }

    return \%input;
}

# the whole sign-in from a protected page, as a user does it
sub sign_in {
    my ($url) = @_;

    $browser->go($url);
    return 0 unless path() eq '/ocs/signin';

    my $in = labelled();
    $browser->type($in->{'User name'}, 'alice');
    $browser->type($in->{Password}, $password);

    return click_to('button[type=submit]');
}

# a protected page sends the browser to the sign-in page

step('not signed in', sub {
    $browser->go("$origin/app/page?x=1");

    my $loc = $browser->location;
    is($loc->{path}, '/ocs/signin', 'not signed in: sign-in page');
    like($loc->{query}, qr/(?:^|&)r=/,
         'not signed in: return url in the query');
    is($loc->{param}{r}, '/app/page?x=1', 'return url is the requested page');
    is($loc->{host}, 'localhost', 'sign-in page on the same host');
    is($browser->title, "Sign in \x{2013} Contoso Remote Access",
       'sign-in title, with the site');
    is(text_of('.site'), 'Contoso Remote Access', 'the site above the heading');
    is($browser->script('var i = document.querySelector(".site img");'
                        . ' return i && i.complete ? i.naturalWidth : -1'),
       1, 'the logo loads under the pages\' Content-Security-Policy');
    is($browser->script('return document.activeElement.id'), 'username',
       'the user name has the focus');
});

# what the user sees: the screenshot

step('screenshot', sub {
    my $png = $browser->screenshot;
    my $shot = $t->write_file('signin.png', $png);
    is(substr($png, 0, 8), "\x89PNG\r\n\x1a\n", 'screenshot is a png');
    cmp_ok(length $png, '>', 5000, 'screenshot has content');
    diag("screenshot: $shot") if $ENV{OCS_TEST_KEEP};
});

# the form is accessible

my $in = {};

step('form', sub {
    $in = labelled();

    my $user = $in->{'User name'};
    ok($user, 'user name input found by its label');
    is($user && $browser->attribute($user, 'type'), 'text',
       'user name is text');
    is($user && $browser->attribute($user, 'name'), 'username',
       'user name field');
    ok($user && $browser->displayed($user), 'user name input displayed');

    my $pass = $in->{Password};
    ok($pass, 'password input found by its label');
    is($pass && $browser->attribute($pass, 'type'), 'password',
       'password is hidden');
    is($pass && $browser->attribute($pass, 'autocomplete'), 'current-password',
       'password autocomplete');

    my $public = $in->{'A public or shared computer'};
    my $private = $in->{'A private computer'};
    ok($public && $browser->attribute($public, 'type') eq 'radio',
       'public radio');
    ok($private && $browser->attribute($private, 'type') eq 'radio',
       'private radio');
    ok($public && $browser->selected($public), 'public selected by default');
    ok($private && !$browser->selected($private),
       'private not selected by default');
    like(text_of('#' . ($public && $browser->attribute($public,
                                                        'aria-describedby'))),
         qr/signed out after 30 minutes without activity/,
         'public: its hint, with the limits, describes it');
    like(text_of('#private-hint'),
         qr/closing the browser does not sign you out/,
         'private: its hint says the session persists');
    ok(!$browser->find('#sip'), 'no sign-in address field with a user file');

    my $error = $browser->find('#error');
    ok($error, 'error paragraph present');
    ok($error && !$browser->displayed($error),
       'error paragraph not displayed');

    my $nonce = $browser->cookie('__Host-ocs_ticket_csrf');
    ok($nonce, 'sign-in nonce cookie set');
    is($nonce && $nonce->{sameSite}, 'Strict',
       'sign-in nonce same-site strict');
    ok(!$browser->cookie('__Host-ocs_ticket'), 'no ticket before signing in');
});

# a wrong password: the form again, with the message

step('wrong password', sub {
    $browser->type($in->{'User name'}, 'alice');
    $browser->type($in->{Password}, 'wrong');
    ok(click_to('button[type=submit]'), 'wrong password: page came')
        or return;

    is(path(), '/ocs/signin', 'wrong password: still on the sign-in page');
    is($browser->location->{param}{r}, '/app/page?x=1',
       'wrong password: the form was fetched again, with its return url');
    like($browser->title, qr/^Sign in /, 'wrong password: sign-in title');
    is($browser->script('return document.activeElement.id'), 'password',
       'wrong password: the password has the focus');

    my $error = $browser->find('#error');
    ok($error && $browser->displayed($error),
       'wrong password: error displayed');
    is($error && $browser->text($error),
       'The user name or password is incorrect.', 'wrong password: message');
    ok(!$browser->cookie('__Host-ocs_ticket'), 'wrong password: no ticket');

    $in = labelled();
    is($in->{'User name'} && $browser->property($in->{'User name'}, 'value'),
       'alice', 'wrong password: user name kept');
    is($in->{Password} && $browser->property($in->{Password}, 'value'), '',
       'wrong password: password not kept');
});

# reloading the page after the failure posts nothing again

step('reload after a failure', sub {
    my $before = () = $t->error_log =~ /sign-in failed for user "alice"/g;
    is($before, 1, 'one failure counted');

    $browser->refresh;
    is(path(), '/ocs/signin', 'reloaded: the sign-in page');
    my $error = $browser->find('#error');
    ok($error && !$browser->displayed($error), 'reloaded: no message');

    my $after = () = $t->error_log =~ /sign-in failed for user "alice"/g;
    is($after, 1, 'reloaded: nothing posted, no failure counted');
    ok(!$browser->cookie('__Secure-ocs_ticket_note'), 'reloaded: no note left');

    $in = labelled();
    $browser->type($in->{'User name'}, 'alice');
});

# the right password, on a private computer

my $ticket;

step('right password', sub {
    $browser->click($in->{'A private computer'});
    ok($browser->selected($in->{'A private computer'}), 'private chosen');
    ok(!$browser->selected($in->{'A public or shared computer'}),
       'public unchosen');

    $browser->type($in->{Password}, $password);
    ok(click_to('button[type=submit]'), 'right password: page came')
        or return;

    is($browser->url, "$origin/app/page?x=1",
       'signed in: back at the requested page');
    is(text_of('#hello'), 'Hello alice',
       'signed in: the application knows alice');

    $ticket = $browser->cookie('__Host-ocs_ticket');
    ok($ticket, 'ticket cookie');
    ok($ticket && $ticket->{secure}, 'ticket cookie secure');
    ok($ticket && $ticket->{httpOnly}, 'ticket cookie http-only');
    is($ticket && $ticket->{sameSite}, 'Lax', 'ticket cookie same-site lax');
    is($ticket && $ticket->{path}, '/', 'ticket cookie path');
    ok($ticket && $ticket->{expiry} && $ticket->{expiry} > time + 6 * 86400,
       'private computer: the ticket cookie persists (7 days)');
    ok(!$browser->cookie('__Host-ocs_ticket_csrf'), 'sign-in nonce cookie gone');
});

# page script cannot read the ticket

step('script', sub {
    path() eq '/app/page' or die "not on the application page\n";
    my $seen = $browser->script('document.cookie = "probe=1; Secure; Path=/";'
                                . ' return document.cookie');
    like($seen, qr/(?:^|; )probe=1(?:;|$)/, 'script reads its own cookie');
    unlike($seen, qr/ocs_ticket/, 'script cannot read the ticket');
    $browser->script('document.cookie = "probe=; Max-Age=0; Secure; Path=/"');
});

# the application's own sign-out link signs out at once

step('sign-out link', sub {
    path() eq '/app/page' or die "not on the application page\n";
    ok(click_to('#out'), 'sign-out link: page came')
        or return;
    is(path(), '/ocs/logoff', 'sign-out link: logoff page');
    ok(page_has('You have signed out'), 'sign-out link: signed out');
    ok(!page_has('Do you want to sign out?'), 'sign-out link: no question');
    ok(!$browser->cookie('__Host-ocs_ticket'), 'sign-out link: ticket cookie gone');

    $browser->go("$origin/app/");
    is(path(), '/ocs/signin', 'signed out: sign-in page again');
});

# another site cannot sign the user out

my $again;

step('link from another site', sub {
    is(sign_in("$origin/app/page?x=1"), "$origin/app/page?x=1",
       'signed in again')
        or return;
    $again = 1;
    is(text_of('#hello'), 'Hello alice', 'signed in again: alice');

    $browser->go($evil);
    is($browser->location->{port}, $t->port('evil'), 'on another site');
    ok(click_to('#x'), 'link from another site: page came')
        or return;
    is(path(), '/ocs/logoff', 'link from another site: logoff page');
    ok(page_has('Do you want to sign out?'), 'link from another site: asks');
    ok(!page_has('You have signed out'),
       'link from another site: not signed out');
    ok($browser->cookie('__Host-ocs_ticket'),
       'link from another site: ticket cookie kept');

    $browser->go("$origin/app/");
    is(text_of('#hello'), 'Hello alice',
       'link from another site: still signed in');
});

# the user says yes

step('confirmed', sub {
    $again or die "not signed in\n";
    $browser->go($evil);
    ok(click_to('#x'), 'link again: page came')
        or return;
    ok(page_has('Do you want to sign out?'), 'link again: asks');
    ok(click_to('button[type=submit]'), 'confirmed: page came')
        or return;
    is(path(), '/ocs/logoff', 'confirmed: logoff page');
    ok(page_has('You have signed out'), 'confirmed: signed out');
    ok(!$browser->cookie('__Host-ocs_ticket'), 'confirmed: ticket cookie gone');

    $browser->go("$origin/app/");
    is(path(), '/ocs/signin', 'confirmed: sign-in page again');
});

# the end: the browser, then nginx and its logs

my @killed = $browser->quit;
ok(!@killed, 'browser quit by itself') or diag("killed: @killed");
ok(!$browser->leftovers, 'no browser process left');

unlike($t->logs, qr/\Q$password\E/, 'no password in the logs');
SKIP: {
    skip('no ticket to look for', 1) unless $ticket;
    ok(index($t->logs, $ticket->{value}) < 0, 'no ticket in the logs');
}

$t->done;
