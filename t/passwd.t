#!/usr/bin/perl

# tools/ocs-passwd: adds and replaces users without harming other lines.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
my $tool = "$t->{build}/ocs-passwd";

sub passwd {
    my ($file, $user, $password, @opts) = @_;
    open my $p, '|-', "$tool @opts " . $t->path($file) . " '$user' 2>/dev/null"
        or die;
    print $p "$password\n";
    close $p;
    return $? >> 8;
}

# an existing file whose last line has no newline
$t->write_file('users', "# admins\nold:\$6\$x\$y", 0640);

is(passwd('users', 'alice', 'pw1'), 0, 'add');
my @lines = split /\n/, $t->read_file('users');
is($lines[0], '# admins', 'comment kept');
is($lines[1], 'old:$6$x$y', 'last line without newline kept whole');
like($lines[2], qr/^alice:\$y\$/, 'yescrypt by default');

is(passwd('users', 'bob', 'pw2', '-m', 'sha512'), 0, 'add sha512');
like($t->read_file('users'), qr/^bob:\$6\$/m, 'sha512-crypt');

my $before = $t->read_file('users');
is(passwd('users', 'ALICE', 'pw3'), 0, 'replace');
my @alice = $t->read_file('users') =~ /^alice:/mig;
is(scalar @alice, 1, 'replaced, not added');
isnt($t->read_file('users'), $before, 'hash changed');
is((stat $t->path('users'))[2] & 07777, 0640, 'mode kept');

isnt(passwd('users', 'bad:name', 'x'), 0, 'colon in a name refused');
isnt(passwd('users', 'carol', ''), 0, 'empty password refused');
isnt(passwd('users', 'dave', 'x', '-m', 'md5'), 0, 'weak method refused');

$t->done;
