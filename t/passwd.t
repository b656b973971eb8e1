#!/usr/bin/perl

# tools/ocs-passwd: adds and replaces users without harming other lines.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
my $tool = "$t->{build}/ocs-passwd";

# runs the tool with the password on stdin; what it says is in stderr()
sub passwd {
    my ($file, $user, $password, @opts) = @_;
    open my $p, '|-', "$tool @opts " . $t->path($file) . " '$user' 2>"
        . $t->path('stderr') or die;
    print $p "$password\n";
    close $p;
    return $? >> 8;
}

sub stderr { $t->read_file('stderr') }

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

# a password is taken whole or not at all (libxcrypt hashes at most 511
# bytes)

isnt(passwd('users', 'erin', "ab\0cd"), 0, 'nul in a password refused');
like(stderr(), qr/password holds a NUL byte/, 'nul in a password: why');
isnt(passwd('users', 'erin', 'p' x 1024), 0, '1024-byte password refused');
like(stderr(), qr/password too long/, '1024-byte password: why');
is(passwd('users', 'erin', 'p' x 511), 0, '511-byte password');
my ($erin) = $t->read_file('users') =~ /^erin:([^\n]*)$/m;
is(crypt('p' x 511, $erin), $erin, '511-byte password: hashed whole');
is(passwd('users', 'erin', "crlf-pw\r"), 0, 'password with crlf');
($erin) = $t->read_file('users') =~ /^erin:([^\n]*)$/m;
is(crypt('crlf-pw', $erin), $erin, 'password with crlf: the line end goes');

# lines the server refuses are copied byte for byte, never split or cut,
# and named in a warning

my $odd = "# odd\nnul:\$6\$x\$y\0junk\nlong:" . ('x' x 5000)
    . "tail:\$6\$x\$y\ncrlf:\$6\$x\$y\r\n" . ('y' x 1023) . "\n";
$t->write_file('odd', $odd, 0640);

is(passwd('odd', 'dave', 'pw4'), 0, 'odd lines: add');
my $after = $t->read_file('odd');
is(substr($after, 0, length $odd), $odd, 'odd lines: kept byte for byte');
like(substr($after, length $odd), qr/^dave:\$y\$[^\n]*\n\z/,
     'odd lines: the new user after them');
like(stderr(), qr/"[^"]*odd" line 2 holds a NUL byte; the server skips it/,
     'odd lines: nul byte warned');
like(stderr(), qr/"[^"]*odd" line 3 is longer than 1023 bytes/,
     'odd lines: long line warned');
unlike(stderr(), qr/line [4-9]/, 'odd lines: 1023 bytes and crlf are fine');

is(passwd('odd', 'nul', 'pw5'), 0, 'odd lines: replace the nul line');
$after = $t->read_file('odd');
unlike($after, qr/\0/, 'odd lines: the nul line is gone');
like($after, qr/^# odd\nnul:\$y\$[^\n]*\nlong:x/, 'odd lines: in its place');

$t->done;
