#!/usr/bin/perl

# The built-in pages as a site brands them: ocs_site_name and
# ocs_site_logo in the title and above the heading of every page (sign-in,
# second step, locked, signed out, unavailable, access denied), escaped;
# ocs_page_template, one layout around every page; inherited and off in a
# nested location; and what nginx -t refuses.  The sign-in page states
# the limits of the computer classes as configured, and after a failed
# post from a browser it answers 303 and shows the form with a note.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 91;

$t->users(alice => 'alice-pw', bob => 'bob-pw', carol => 'carol-pw',
          dave => 'dave-pw');
my $users = $t->read_file('users');
$users =~ s/^(alice:[^\n]*)$/$1:totp=JBSWY3DPEHPK3PXPJBSWY3DP/m;
$t->write_file('users', $users);
$t->keyfile('ticket.keys', 1);

$t->write_file('layout.html',
               "<!DOCTYPE html><html><head><title>{{title}} | Fabrikam"
               . "</title></head><body><div id=fabrikam>{{site_brand}}"
               . "{{content}}</div><footer>Fabrikam IT</footer></body>"
               . "</html>\n");
$t->write_file('nocontent.html', "<html>{{title}}</html>\n");
$t->write_file('custom.html',
               "<html><title>{{title}} at {{site_name}}</title>"
               . "<img src=\"{{site_logo}}\"><p>{{public_hint}}</p>"
               . "<form method=post action=\"{{action}}\">"
               . "<input type=hidden name=\"csrf\" value=\"{{csrf}}\">"
               . "<input type=hidden name=\"r\" value=\"{{return}}\">"
               . "<p>{{error}}</p></form></html>");

# what nginx -t refuses

my $base = <<'EOF';
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
            %%HERE%%
        }
    }
}
EOF

sub refused {
    my ($here) = @_;
    (my $c = $base) =~ s/%%HERE%%/$here/;
    my ($ok, $out) = $t->try_config($c);
    return $ok ? '' : $out;
}

like(refused('ocs_site_logo https://cdn.example/logo.png;'),
     qr/\[emerg\] \d+#\d+: invalid logo "https:\/\/cdn\.example\/logo\.png" in "ocs_site_logo": use a path on this site/,
     'nginx -t: a logo from another origin');
like(refused('ocs_site_logo //cdn.example/logo.png;'),
     qr/invalid logo/, 'nginx -t: a logo with a network path');
like(refused("ocs_site_logo \"/a b.png\";"),
     qr/"ocs_site_logo" directive has a character not allowed in a URL/,
     'nginx -t: a logo with a space');
like(refused('ocs_site_name "";'),
     qr/"ocs_site_name" directive needs a name of 1 to 256 bytes, or off/,
     'nginx -t: an empty site name');
like(refused('ocs_site_name a; ocs_site_name b;'),
     qr/"ocs_site_name" directive is duplicate/, 'nginx -t: duplicate name');
like(refused('ocs_page_template %%TESTDIR%%/nocontent.html;'),
     qr/\[emerg\] \d+#\d+: "ocs_page_template" file ".*nocontent\.html" has no \{\{content\}\}/,
     'nginx -t: a layout without {{content}}');
like(refused('ocs_page_template %%TESTDIR%%/missing.html;'),
     qr/open\(\) ".*missing\.html" failed/, 'nginx -t: no layout file');
like(refused('ocs_auth_signin_sip on;'),
     qr/"ocs_auth_signin_sip on" needs "ocs_auth_ldap"/,
     'nginx -t: a sign-in address field without a directory');
is(refused('ocs_site_name "Contoso"; ocs_site_logo /l.png; '
           . 'ocs_page_template %%TESTDIR%%/layout.html; '
           . 'ocs_auth_signin_sip off;'),
   '', 'nginx -t: all of them right');

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_site_name "Contoso <Remote> & \"Access\"";
    ocs_site_logo /logo.png?v=1&x=2;
    ocs_auth_user_file %%TESTDIR%%/users;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /code/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location /card/ {
            ocs_auth forms;
            ocs_auth_second_factor certificate;
            ocs_auth_certificate identity=upn;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout account=3 address=100 lock=1h;
        }

        location = /ocs/logoff {
            ocs_logoff;
        }

        location = /broken/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/missing-users;
        }

        location /plain/ {
            ocs_site_name off;
            ocs_site_logo off;

            location = /plain/signin {
                ocs_auth_signin;
            }

            location = /plain/named {
                ocs_auth_signin;
                ocs_site_name "Plain again";
            }
        }

        location /fab/ {
            ocs_page_template %%TESTDIR%%/layout.html;

            location = /fab/signin {
                ocs_auth_signin;
            }

            location = /fab/logoff {
                ocs_logoff;
            }

            location = /fab/builtin {
                ocs_auth_signin;
                ocs_page_template off;
            }
        }

        location = /custom/signin {
            ocs_auth_signin;
            ocs_auth_signin_template %%TESTDIR%%/custom.html;
            ocs_page_template %%TESTDIR%%/layout.html;
        }

        location /limits/ {
            ocs_sso_computer public idle=10m lifetime=4h;
            ocs_sso_computer private idle=12h lifetime=14d persistent=off;

            location = /limits/signin {
                ocs_auth_signin;
            }

            location = /limits/override {
                ocs_auth_signin;
                ocs_sso_idle_timeout 0;
                ocs_sso_lifetime 90m;
            }
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "backend\n";
        }
    }
}
EOF

my $name = 'Contoso &lt;Remote&gt; &amp; &quot;Access&quot;';
my $brand = '<p class="site"><img src="/logo.png?v=1&amp;x=2" alt="">'
            . $name . '</p>';

sub branded {
    my ($r, $title, $what) = @_;
    like($r->body, qr/<title>\Q$title\E \x{e2}\x{80}\x{93} \Q$name\E<\/title>/,
         "$what: the site in the title, escaped");
    like($r->body, qr/<main>\n\Q$brand\E\n<h1>/,
         "$what: the site and logo above the heading, escaped");
}

# every page of the site

my $r = $t->get('/ocs/signin');
is($r->status, 200, 'sign-in page');
branded($r, 'Sign in', 'sign-in');
unlike($r->body, qr/Contoso <Remote>/, 'the name never unescaped');

$t->signin('dave', 'wrong', jar => 'lock') for 1 .. 3;
$r = $t->signin('dave', 'wrong', jar => 'lock');
is($r->status, 429, 'locked');
branded($r, 'Sign in', 'locked');

$r = $t->signin('bob', 'x', jar => 'broken', signin => '/broken/signin');
is($r->status, 503, 'unavailable');
branded($r, 'Sign-in unavailable', 'unavailable');

$t->signin('bob', 'bob-pw', jar => 'bob');
$r = $t->get('/card/', jar => 'bob');
is($r->status, 403, 'access denied: no certificate');
branded($r, 'Certificate needed', 'access denied');

$r = $t->get('/ocs/signin?step=2&f=8&r=%2Fcode%2F', jar => 'bob');
is($r->status, 403, 'second step, bob has no factor');
branded($r, 'Second factor not set up', 'second step ended');

$t->signin('alice', 'alice-pw', jar => 'alice');
$r = $t->get('/ocs/signin?step=2&f=8&r=%2Fcode%2F', jar => 'alice');
is($r->status, 200, 'second step');
branded($r, 'Second step', 'second step');

$r = $t->get('/ocs/logoff', jar => 'alice',
             headers => ['Sec-Fetch-Site: same-origin']);
is($r->status, 200, 'signed out');
branded($r, 'Signed out', 'signed out');

$r = $t->get('/ocs/logoff', jar => 'bob');
like($r->body, qr/Do you want to sign out\?/, 'sign-out question');
branded($r, 'Sign out', 'sign-out question');

# inherited, off, and on again in a nested location

$r = $t->get('/plain/signin');
like($r->body, qr/<title>Sign in<\/title>/, 'off: the title alone');
unlike($r->body, qr/class="site"|Contoso|logo\.png/, 'off: no name, no logo');

$r = $t->get('/plain/named');
like($r->body, qr/<title>Sign in \x{e2}\x{80}\x{93} Plain again<\/title>/,
     'a name again below off');
like($r->body, qr/<p class="site">Plain again<\/p>/,
     'a name without a logo (the logo stays off)');

# one layout for every page, inherited and off

$r = $t->get('/fab/signin');
like($r->body, qr/^<!DOCTYPE html><html><head><title>Sign in \| Fabrikam<\/title>/,
     'layout: the site\'s own');
like($r->body, qr/<div id=fabrikam>\Q$brand\E\n<h1>Sign in<\/h1>/,
     'layout: the brand and the page inside');
like($r->body, qr/name="password"/, 'layout: the form is there');
like($r->body, qr/<footer>Fabrikam IT<\/footer>/, 'layout: its footer');

$r = $t->get('/fab/logoff');
like($r->body, qr/<title>Signed out \| Fabrikam<\/title>.*You are signed out/s,
     'layout: the logoff page too');

$r = $t->get('/fab/builtin');
unlike($r->body, qr/Fabrikam/, 'layout off: the built-in layout');
like($r->body, qr/<html lang="en">/, 'layout off: the built-in page');

# a sign-in template of its own is the whole page: no layout around it

$r = $t->get('/custom/signin');
like($r->body, qr/^<html><title>Sign in at \Q$name\E<\/title>/,
     'own template: the site name there');
like($r->body, qr/<img src="\/logo\.png\?v=1&amp;x=2">/,
     'own template: the logo there');
like($r->body, qr/<p>For a computer that others use too\./,
     'own template: the hints there');
unlike($r->body, qr/Fabrikam/, 'own template: not in the layout');

# the computer classes: what each means, with the configured limits

$r = $t->get('/ocs/signin');
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
     'the location\'s own limits, no idle limit');

# the sign-in address only where a directory checks it

unlike($t->get('/ocs/signin')->body, qr/name="sip"/,
       'user file: no sign-in address field');

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
like($r->header('location') // '', qr{/ocs/signin\?r=%2Fapp%2Fx$},
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

# a locked account: the 429 and its Retry-After after the redirect too

$r = $t->signin('dave', 'dave-pw', jar => 'navlock', headers => $nav);
is($r->status, 303, 'browser, locked: 303');
$r = $t->get('/ocs/signin', jar => 'navlock', headers => $nav);
is($r->status, 429, 'browser, locked: the form says 429');
like($r->header('retry-after') // '', qr/^\d+$/, 'browser, locked: Retry-After');
like($r->body, qr/Too many failed sign-ins/, 'browser, locked: the message');

# a note that is not this browser's is ignored

$r = $t->signin('carol', 'wrong', jar => 'mine', headers => $nav);
my ($value) = ($r->set_cookie('__Secure-ocs_ticket_note') // '') =~ /=([^;]+)/;
$t->get('/ocs/signin', jar => 'theirs');
$r = $t->get('/ocs/signin', jar => 'theirs',
             headers => ["Cookie: __Secure-ocs_ticket_note=$value"]);
is($r->status, 200, 'another browser\'s note: ignored');
unlike($r->body, qr/carol|incorrect/, 'another browser\'s note: nothing shown');
like($t->error_log, qr/\[error\].*a page note that is not this browser's refused/,
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
