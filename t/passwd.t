#!/usr/bin/perl

# tools/ocs-passwd: adds, changes and deletes users without harming other
# lines or the user's other fields, and refuses names unsafe in HTML or
# headers.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
my $tool = "$t->{build}/ocs-passwd";

# runs the tool with argv as given (any bytes but NUL) and stdin; what it
# printed is in out() and err()
sub tool {
    my ($stdin, @args) = @_;

    open my $out, '>&', \*STDOUT or die "cannot dup stdout: $!\n";
    open my $err, '>&', \*STDERR or die "cannot dup stderr: $!\n";
    open STDOUT, '>', $t->path('stdout') or die;
    open STDERR, '>', $t->path('stderr') or die;
    my $ok = open my $p, '|-', $tool, @args;
    open STDOUT, '>&', $out or die;
    open STDERR, '>&', $err or die;
    die "cannot run $tool: $!\n" unless $ok;

    print $p $stdin if defined $stdin;
    close $p;
    return $? >> 8;
}

sub passwd {
    my ($file, $user, $password, @opts) = @_;
    return tool("$password\n", @opts, $t->path($file), $user);
}

sub out { $t->read_file('stdout') }
sub err { $t->read_file('stderr') }

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
like($t->read_file('users'), qr/^alice:/m, 'the name as the file spells it');
isnt($t->read_file('users'), $before, 'hash changed');
is((stat $t->path('users'))[2] & 07777, 0640, 'mode kept');

isnt(passwd('users', 'carol', ''), 0, 'empty password refused');
isnt(passwd('users', 'dave', 'x', '-m', 'md5'), 0, 'weak method refused');

# a password is taken whole or not at all (libxcrypt hashes at most 511
# bytes)

isnt(passwd('users', 'erin', "ab\0cd"), 0, 'nul in a password refused');
like(err(), qr/password holds a NUL byte/, 'nul in a password: why');
isnt(passwd('users', 'erin', 'p' x 1024), 0, '1024-byte password refused');
like(err(), qr/password too long/, '1024-byte password: why');
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
like(err(), qr/"[^"]*odd" line 2 holds a NUL byte; the server skips it/,
     'odd lines: nul byte warned');
like(err(), qr/"[^"]*odd" line 3 is longer than 1023 bytes/,
     'odd lines: long line warned');
unlike(err(), qr/line [4-9]/, 'odd lines: 1023 bytes and crlf are fine');

is(passwd('odd', 'nul', 'pw5'), 0, 'odd lines: replace the nul line');
$after = $t->read_file('odd');
unlike($after, qr/\0/, 'odd lines: the nul line is gone');
like($after, qr/^# odd\nnul:\$y\$[^\n]*\nlong:x/, 'odd lines: in its place');
like(err(), qr/line 2 of user "nul" holds a NUL byte; replaced without its/,
     'odd lines: the nul line replaced, and said so');

# a password change keeps the fields after the hash, and the line end

$t->write_file('fields', "x:\$6\$a\$b\n"
               . "Frank:\$6\$x\$y:totp=JBSWY3DPEHPK3PXP:added 2026-11-21::z\r\n"
               . "y:\$6\$c\$d\nfrank:\$6\$dup\$dup:totp=GEZDGNBV\n", 0640);

is(passwd('fields', 'frank', 'pw6'), 0, 'fields: password changed');
my $fields = $t->read_file('fields');
like($fields,
     qr/^Frank:\$y\$[^:\n]*:totp=JBSWY3DPEHPK3PXP:added 2026-11-21::z\r\n/m,
     'fields: totp and the others kept, in order, with the crlf');
like($fields, qr/^x:\$6\$a\$b\nFrank:[^\n]*\ny:\$6\$c\$d\n\z/,
     'fields: other lines kept, the second line of the user gone');
like(err(), qr/line 4, another line of user "Frank", removed/,
     'fields: the second line named');

# a line the server would skip is not written

$t->write_file('full', 'gina:$6$x$y:' . ('n' x 960) . "\n", 0640);
$before = $t->read_file('full');
is(passwd('full', 'gina', 'pw'), 1, 'a line over 1023 bytes: refused');
like(err(), qr/line of user "gina" would be longer than 1023 bytes/,
     'a line over 1023 bytes: why');
is($t->read_file('full'), $before, 'a line over 1023 bytes: file unchanged');

# -D

$t->write_file('del', "# keep\nivy:\$6\$a\$b:totp=X\nIvy:\$6\$c\$d\n"
               . "jack:\$6\$e\$f\r\nlast:\$6\$g\$h", 0600);
is(tool(undef, '-D', $t->path('del'), 'IVY'), 0, '-D');
is($t->read_file('del'), "# keep\njack:\$6\$e\$f\r\nlast:\$6\$g\$h\n",
   '-D: every line of the user gone, the others kept');
like(err(), qr/deleted user "ivy" from/, '-D: said so');
is((stat $t->path('del'))[2] & 07777, 0600, '-D: mode kept');

$before = $t->read_file('del');
is(tool(undef, '-D', $t->path('del'), 'nobody'), 3, '-D unknown user: 3');
like(err(), qr/no user "nobody" in "[^"]*del"/, '-D unknown user: said so');
is($t->read_file('del'), $before, '-D unknown user: file unchanged');
my @left = glob($t->path('del') . '.*');
is(scalar @left, 0, '-D unknown user: no temporary file left');
is(tool(undef, '-D', $t->path('missing'), 'jack'), 1, '-D, no file: 1');
like(err(), qr/cannot read "[^"]*missing": No such file/, '-D, no file: why');

# a name added by hand that the tool would refuse can still be deleted
$t->write_file('byhand', "a<b:\$6\$x\$y\nok:\$6\$x\$y\n", 0640);
is(tool(undef, '-D', $t->path('byhand'), 'a<b'), 0, '-D a refused name');
is($t->read_file('byhand'), "ok:\$6\$x\$y\n", '-D a refused name: gone');

# usage

is(tool(undef, '--help'), 0, '--help: 0');
like(out(), qr/^usage: ocs-passwd /, '--help: usage on stdout');
like(out(), qr/-m, --method.*-D, --delete.*Exit status/s,
     '--help: the options and exit statuses');
is(tool(undef, '-h'), 0, '-h: 0');
is(tool(undef), 2, 'no arguments: 2');
like(err(), qr/^usage: ocs-passwd /, 'no arguments: usage on stderr');
is(tool(undef, '--bogus', 'f', 'u'), 2, 'unknown option: 2');
is(tool(undef, '-D', '-m', 'sha512', 'f', 'u'), 2, '-D with -m: 2');

# names: refused where unsafe in HTML or headers, or never found

$before = $t->read_file('users');

for my $name ("cr\rx", "lf\nx", "tab\tx", "esc\e[31mx", "del\x7fx",
              "c1\xc2\x85x", "zw\xe2\x80\x8bx", "bad\xffutf8", 'lt<x',
              'gt>x', 'quote"x', 'amp&x', 'bad:name', '#hash', ' lead',
              'trail ', 'a\\b\\c', 'a@b@c', '@x', '')
{
    (my $shown = $name) =~ s/([^\x21-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    is(passwd('users', $name, 'pw'), 2, "name \"$shown\": refused");
}

is($t->read_file('users'), $before, 'refused names: file unchanged');
like(err(), qr/the user name "" is empty/, 'a refused name: why');
passwd('users', "esc\e[31mx", 'pw');
like(err(), qr/the user name "esc\\x1b\[31mx" holds a control character/,
     'a refused name: shown without its control bytes');
passwd('users', 'amp&x', 'pw');
like(err(), qr/unsafe in HTML/, 'an HTML special: why');

for my $name ("o'brien", 'CONTOSO\\lee', 'lee@contoso.com', "zo\xc3\xab",
              'two words') {
    is(passwd('users', $name, 'pw'), 0, "name \"$name\": allowed");
}

$t->done;

