#!/usr/bin/perl

# t/second_factor_flood.t on Apache httpd: a used TOTP code stays used
# when failed sign-ins flood the OCSLockoutStore (8k, 20 records),
# whose full slots go to the flood's counts, never to the one-use marks
# still in use; a store of such marks has no room for another, and the
# second step is then a 503 to try again later, logged once at error.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Apache;
use Test::More;

my $t = OCS::Test::Apache->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 15;

my $ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DP';
my @users = map { "user$_" } 1 .. 12;

$t->users(alice => 'alice-pw', map { ($_ => "$_-pw") } @users);

my $text = $t->read_file('users');
$text =~ s/^((?:alice|user\d+):[^\n]*)$/$1:totp=$ALICE/mg;
$t->write_file('users', $text);
chmod 0644, $t->path('users');

$t->keyfile('ticket.keys', 1);

$t->run(<<'EOF');
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 8
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile %%TESTDIR%%/ticket.keys
OCSLockoutStore 8k

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    OCSUserFile %%TESTDIR%%/users

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
        OCSSecondFactor totp
    </Location>

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSTOTP on
        OCSLockout account=3 address=1000 lock=1h
    </Location>

    <Location /admin/lockout>
        SetHandler ocs-lockout-admin
        Require ip 127.0.0.1
    </Location>
</VirtualHost>
EOF

mkdir $t->path('htdocs/app');
$t->write_file('htdocs/app/index.html', "app\n");

sub totp {
    open my $p, '-|', '/usr/bin/oathtool', '--totp', '-b', $ALICE
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

sub step {
    my ($jar, $code) = @_;
    my $f = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $jar);
    return $t->post('/ocs/signin', jar => $jar,
                    form => [step => 2, state => $f->field('state'),
                             csrf => $f->field('csrf'), r => '/app/',
                             code => $code]);
}

# the code below is for the current 30 s step: start early in one
my $into = time % 30;
sleep(31 - $into) if $into > 15;

is(signin('alice', 'alice')->status, 303, 'alice: the password');
my $code = totp();
is(step('alice', $code)->status, 303, 'alice: the code, stepped up');

# from another address: the step counts the used code below as a failure
# of this one, with the core's limits (OCSLockout is the sign-in's)
my $page = $t->get('/ocs/signin', jar => 'flood');
my @failed = posts('flood', '/ocs/signin', map {
    [csrf => $page->field('csrf'), r => $page->field('r'),
     username => "flood$_", password => 'wrong', computer => 'public']
} 1 .. 40);

is_deeply([grep { $_ ne '401' } @failed], [],
          'the flood: 40 failed sign-ins');

my $list = $t->get('/admin/lockout')->body;
ok($list !~ /user flood1 / && $list =~ /user flood40 /,
   'the flood: the store full, its oldest counts dropped');

is(signin('alice', 'alice2')->status, 303, 'alice again: the password');
my $r = step('alice2', $code);
is($r->status, 401, 'after the flood: the used code still refused');
like($r->body, qr/This code was used already/, 'the page says so');

# users step up one after another until the marks fill the store

my (@got, $first);

for my $u (@users) {
    my $s = signin($u, $u)->status;
    my $st = step($u, $code)->status;
    push @got, "$s/$st";
    $first //= $u if $st == 503;
}

like("@got", qr{^(303/303 )+(303/503 ?)+$},
     'marks only: the first users step up, then a 503 for each');
ok(defined $first, 'the store full of marks')
    or diag("@got");

$first //= 'none';
is($t->get('/app/index.html', jar => $first)->status, 302,
   "$first: not stepped up");
is($t->get('/app/index.html', jar => 'user1')->status, 200,
   'user1: stepped up');

$r = step($first, $code);
is($r->status, 503, 'full of marks: the right code gets 503');
like($r->body, qr/Your code cannot be checked now\. Please try again in a few minutes\./,
     'the page says to try again later');

my $n = () = $t->error_log =~ /\[auth_ocs:error\].*second step of user "\Q$first\E" refused: the lockout store has no room to mark the (?:form|TOTP code) used/g;
is($n, 2, 'each refusal logged once, at error');

$t->done;


# many POSTs of forms over one connection from 127.0.0.2: one curl,
# their statuses
sub posts {
    my ($jar, $path, @forms) = @_;

    my $j = $t->path("jar-$jar");
    my @cmd = ('curl');

    for my $i (0 .. $#forms) {
        push @cmd, '--next' if $i;
        push @cmd, '-s', '-k', '--max-time', 300, '-b', $j, '-c', $j,
                   '--interface', '127.0.0.2', '-o', '/dev/null', '-w',
                   "%{http_code}\\n";

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
