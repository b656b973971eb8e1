#!/usr/bin/perl

# A used TOTP code stays used when failed sign-ins flood the
# ocs_auth_zone: a full zone makes room by dropping the oldest failure
# counts, never the one-use marks of the second step while they hold,
# so the code is still refused as used after more failures than the
# zone has room for.  A zone whose old end holds only marks still in use
# has no room for another: the second step is refused with a 503 to try
# again later, logged once at error, and never let through.  The zone
# is the smallest nginx takes (8 pages).

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 18;

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';
my $TINA = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

$t->users(alice => 'alice-pw', tina => 'tina-pw', bob => 'bob-pw');

my $users = $t->read_file('users');
$users =~ s/^(alice:[^\n]*)$/$1:totp=$ALICE/m;
$users =~ s/^(tina:[^\n]*)$/$1:totp=$TINA/m;
$users =~ s/^(bob:[^\n]*)$/$1:totp=$TINA/m;
$t->write_file('users', $users);
chmod 0644, $t->path('users');

$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;
    ocs_auth_zone guard:32k;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/users;

        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "$ocs_user|$ocs_auth_method";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout account=3 address=1000 lock=1h;
        }

        # second steps without a code lock, to fill the zone with marks
        location = /open/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
            ocs_auth_lockout off;
        }

        location = /admin/lockout {
            ocs_auth_lockout_admin;
            allow 127.0.0.1;
            deny all;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        return 200 "ok $http_x_info\n";
    }
}
EOF

sub totp {
    my ($secret) = @_;
    open my $p, '-|', '/usr/bin/oathtool', '--totp', '-b', $secret
        or die "cannot run oathtool: $!\n";
    my $code = <$p>;
    close $p;
    chomp $code;
    return $code;
}

sub signin {
    my ($user, $jar) = @_;
    return $t->signin($user, "$user-pw", jar => $jar, back => '%2Fapp%2F');
}

sub step_form {
    my ($jar, $signin) = @_;
    my $r = $t->get(($signin || '/ocs/signin') . '?step=2&r=%2Fapp%2F',
                    jar => $jar);
    return { state => $r->field('state'), csrf => $r->field('csrf') };
}

sub step {
    my ($jar, $code, %o) = @_;
    my $f = $o{form} || step_form($jar, $o{signin});
    return $t->post($o{signin} || '/ocs/signin', jar => $jar,
                    form => [step => 2, state => $f->{state},
                             csrf => $f->{csrf}, r => '/app/',
                             code => $code]);
}

# the code below is for the current 30 s step: start early in one, so
# that the flood ends while the code is still good (a step of drift)
my $into = time % 30;
sleep(31 - $into) if $into > 10;

# alice uses a code; then more failed sign-ins than the zone has room for

is(signin('alice', 'alice')->status, 303, 'alice: the password');
my $code = totp($ALICE);
is(step('alice', $code)->status, 303, 'alice: the code, stepped up');

my $page = $t->get('/ocs/signin', jar => 'flood');
my @failed = posts('flood', '/ocs/signin', map {
    [csrf => $page->field('csrf'), r => $page->field('r'),
     username => "flood$_", password => 'wrong', computer => 'public']
} 1 .. 400);

is_deeply([grep { $_ ne '401' } @failed], [],
          'the flood: 400 failed sign-ins');

my $list = $t->get('/admin/lockout')->body;
ok($list !~ /user flood1 / && $list =~ /user flood400 /,
   'the flood: the zone full, its oldest counts dropped');

is(signin('alice', 'alice2')->status, 303, 'alice again: the password');
my $r = step('alice2', $code);
is($r->status, 401, 'after the flood: the used code still refused');
like($r->body, qr/This code was used already/, 'the page says so');
like($t->error_log, qr/\[error\].*second step of user "alice" refused: the TOTP code was used before/,
     'logged as a replay');

# the zone still takes marks: the flood's counts make room

is(signin('tina', 'tina')->status, 303, 'tina: the password');
is(step('tina', totp($TINA))->status, 303,
   'after the flood: a new code is marked and passes');
is($t->get('/app/', jar => 'tina')->body, "ok tina|password,totp\n",
   'tina: stepped up');

# a zone of marks still in use: no room for one more, so no code passes

is(signin('bob', 'bob')->status, 303, 'bob: the password');

my @forms = forms('bob', '/open/signin', 400);
my @steps = posts('bob', '/open/signin', map {
    [step => 2, state => $_->{state}, csrf => $_->{csrf}, r => '/app/',
     code => '000000']
} @forms);

my $full = grep { $_ eq '503' } @steps;
ok(@steps == 400 && "@steps" =~ /^(401 )+(503 ?)+$/,
   "marks only: the first forms marked, then $full refused for want of "
   . 'room') or diag("@steps");

$r = step('bob', totp($TINA), signin => '/open/signin');
is($r->status, 503, 'full of marks: even the right code gets 503');
like($r->body, qr/Your code cannot be checked now\. Please try again in a few minutes\./,
     'the page says to try again later');
$r = $t->get('/app/', jar => 'bob');
ok($r->status == 302 && ($r->header('Location') // '') =~ /step=2/,
   'full of marks: the session did not step up');

my @logged = $t->error_log =~ /(\[error\].*second step of user "bob" refused: the lockout store has no room to mark the (?:form|TOTP code) used)/g;
is(scalar @logged, $full + 1, 'each refusal logged once, at error');

$t->done;


# many POSTs of forms over one connection: one curl, their statuses
sub posts {
    my ($jar, $path, @forms) = @_;

    my $j = $t->path("jar-$jar");
    my @cmd = ('curl');

    for my $i (0 .. $#forms) {
        push @cmd, '--next' if $i;
        push @cmd, '-s', '-k', '--max-time', 300, '-b', $j, '-c', $j,
                   '-o', '/dev/null', '-w', "%{http_code}\\n";

        my @f = @{$forms[$i]};
        while (my ($k, $v) = splice @f, 0, 2) {
            push @cmd, '--data-urlencode', "$k=$v";
        }

        push @cmd, $t->url($path);
    }

    open my $p, '-|', @cmd or die "cannot run curl: $!\n";
    chomp(my @codes = <$p>);
    close $p;

    return @codes;
}

# n second-step forms of a session: one curl, their states and tokens
sub forms {
    my ($jar, $path, $n) = @_;

    my $j = $t->path("jar-$jar");
    my $url = $t->url("$path?step=2&r=%2Fapp%2F");

    open my $p, '-|', 'curl', '-s', '-k', '--max-time', 300, '-b', $j,
                      ($url) x $n
        or die "cannot run curl: $!\n";
    local $/;
    my $pages = <$p>;
    close $p;

    my @f;

    while ($pages =~ /name="state"[^>]*value="([^"]*)".*?name="csrf"[^>]*value="([^"]*)"/gs) {
        push @f, { state => $1, csrf => $2 };
    }

    return @f;
}
