#!/usr/bin/perl

# The second step's one-time marks across Apache's processes (prefork,
# three children, no keep-alive, so that requests spread): a TOTP code
# and a code form count once whichever child sees them again, and wrong
# codes count towards one lock.  They live in the guard store
# (ocs_ap_store(s, OCS_AP_STORE_GUARD)), shared by every child.

use strict;
use warnings;

use lib 't/lib';
use Time::HiRes qw(time sleep);
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my $a = OCS::Test::Apache->new;

plan(skip_all => 'no oathtool (apt-get install oathtool)')
    unless -x '/usr/bin/oathtool';
plan tests => 7;

my $DAVE = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

my $users = $n->users(dave => 'dave-pw', erin => 'erin-pw');
my $text = $n->read_file('users');
$text =~ s/^((?:dave|erin):[^\n]*)$/$1:totp=$DAVE/mg;
$n->write_file('users', $text);

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
    }
}
EOF

$a->run(<<"EOF", mpm => 'prefork');
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys
KeepAlive Off

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /ocs/signin>
        SetHandler ocs-signin
        OCSUserFile $users
        OCSTOTP on
    </Location>
</VirtualHost>
EOF

sub totp {
    my ($secret, $offset) = @_;
    my $now = int(time + ($offset || 0));
    my $code = `/usr/bin/oathtool --totp -b --now=\@$now $secret`;
    chomp $code;
    return $code;
}

sub signin {
    my ($user, $jar) = @_;
    $n->signin($user, "$user-pw", jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
}

sub form {
    my ($jar) = @_;
    my $r = $a->get('/ocs/signin?step=2&r=%2F', jar => $jar);
    return [state => $r->field('state'), csrf => $r->field('csrf')];
}

sub step {
    my ($jar, $code, $form) = @_;
    return $a->post('/ocs/signin', jar => $jar,
                    form => [step => 2, @{$form || form($jar)}, r => '/',
                             code => $code])->status;
}

# the codes below are made for the current 30 s step: start early in one
my $into = time % 30;
sleep(31 - $into) if $into > 15;

# one code, then the same code in sessions served by every child

my $code = totp($DAVE);
signin('dave', 'd0');
my $form = form('d0');
is(step('d0', $code, $form), 303, 'the code: stepped up');

my @again;
for my $i (1 .. 6) {
    signin('dave', "d$i");
    push @again, step("d$i", $code);
}

my @forms = map { step('d0', totp($DAVE, 30), $form) } 1 .. 6;

# wrong codes from many connections count towards one lock

signin('erin', 'e0');
my @wrong = map { step('e0', '000000') } 1 .. 4;
my $last = step('e0', totp($DAVE, 30));

is(scalar(grep { $_ == 303 } @again), 0,
   'the same code in six sessions: never taken again')
    or diag("answers: @again");

is(scalar(grep { $_ != 403 } @forms), 0,
   'the same form six times: refused by every child')
    or diag("answers: @forms");

is($last, 429, 'four wrong codes across the children: locked')
    or diag("answers: @wrong, then $last");

my %children = map { $_ => 1 }
               $a->error_log =~ /\[pid (\d+)[^\]]*\] \[client [^\]]+\] ocs auth: second step of user "erin" failed/g;
ok(keys %children >= 2, 'the wrong codes were seen by '
   . scalar(keys %children) . ' children');

unlike($a->logs, qr/$DAVE|dave-pw|erin-pw/, 'no secret in the logs');

$n->stop;
$a->done;
