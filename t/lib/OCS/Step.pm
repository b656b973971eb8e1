package OCS::Step;

# The second step's fixtures, for any server's driver (OCS::Test::Nginx,
# OCS::Test::Apache): TOTP codes from oathtool, TOTP secrets in the
# user file, and the step form fetched and posted as a browser does.
# Core Perl only.
#
#     use OCS::Step qw(totp totp_users step_form step step_forms);
#     totp_users($t, alice => $SECRET);     # after $t->users(...)
#     my $r = step($t, 'alice', totp($SECRET));
#     is($r->status, 303, 'stepped up');
#
# The step is the sign-in page's, /ocs/signin unless signin => path
# says another; the way back is /app/.

use strict;
use warnings;

use Exporter qw(import);

use OCS::Test::Response;

our @EXPORT_OK = qw(totp totp_users step_form step step_forms);

my $OATHTOOL = '/usr/bin/oathtool';

# why a file cannot run here ('' when it can), for plan(skip_all)
sub missing {
    return -x $OATHTOOL ? '' : 'no oathtool (apt-get install oathtool)';
}

# the code of secret (base32) now, or offset seconds from now; alg
# (sha256, sha512) and digits (8) as oathtool takes them
sub totp {
    my ($secret, %o) = @_;

    my $now = time + ($o{offset} || 0);
    my @opt = ('--totp' . ($o{alg} ? "=$o{alg}" : ''),
               '--digits=' . ($o{digits} || 6), '-b', "--now=\@$now");

    open my $p, '-|', $OATHTOOL, @opt, $secret
        or die "cannot run oathtool: $!\n";
    my $code = <$p>;
    close $p;

    die "oathtool gave no code for $secret\n" unless defined $code;
    chomp $code;

    return $code;
}

# each user's line of the user file gets totp=secret
sub totp_users {
    my ($t, %secrets) = @_;

    my $users = $t->read_file('users');

    for my $user (keys %secrets) {
        $users =~ s/^(\Q$user\E:[^\n]*)$/$1:totp=$secrets{$user}/m
            or die "totp_users: no line for $user in the user file\n";
    }

    $t->write_file('users', $users);
}

# the step form of the session in jar: { state, csrf } (and the page)
sub step_form {
    my ($t, $jar, %o) = @_;

    my $r = $t->get(($o{signin} || '/ocs/signin') . '?step=2&r=%2Fapp%2F',
                    jar => $jar);

    return { state => $r->field('state'), csrf => $r->field('csrf'),
             page => $r };
}

# the code posted on a fresh form (or on form => the one given)
sub step {
    my ($t, $jar, $code, %o) = @_;

    my $f = $o{form} || step_form($t, $jar, %o);

    return $t->post($o{signin} || '/ocs/signin', jar => $jar,
                    headers => $o{headers},
                    form => [step => 2, state => $f->{state},
                             csrf => $f->{csrf}, r => '/app/',
                             code => $code]);
}

# n step forms of the session in jar over one connection, each ready
# to post with code: for $t->posts()
sub step_forms {
    my ($t, $jar, $n, $code, %o) = @_;

    my $signin = $o{signin} || '/ocs/signin';
    my @forms;

    for my $body ($t->gets("$signin?step=2&r=%2Fapp%2F", $n, jar => $jar)) {
        my $page = OCS::Test::Response->new(body => $body);
        my ($state, $csrf) = ($page->field('state'), $page->field('csrf'));

        next unless defined $state && defined $csrf;

        push @forms, [step => 2, state => $state, csrf => $csrf,
                      r => '/app/', code => $code];
    }

    return @forms;
}

1;
