#!/usr/bin/perl

# tools/ocs-passwd: adds, changes and deletes users without harming other
# lines or the user's other fields, refuses names unsafe in HTML or
# headers, and enrols users for TOTP: a secret the module accepts (a real
# sign-in with oathtool's code), an otpauth:// URI and a QR code.

use strict;
use warnings;

use lib 't/lib';
use Sys::Hostname ();
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 152;
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

    # a refused name ends the tool before it reads: no SIGPIPE for that,
    # and the write done by print, unbuffered, so that close has nothing
    # left to flush into the closed pipe (it would fail with EPIPE and
    # set $? to -1 instead of the tool's exit status)
    local $SIG{PIPE} = 'IGNORE';
    select((select($p), $| = 1)[0]);
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

sub line_of {
    my ($file, $user) = @_;
    my ($line) = $t->read_file($file) =~ /^(\Q$user\E:[^\n]*)$/mi;
    return $line // '';
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

my ($hash) = line_of('fields', 'frank') =~ /^Frank:([^:]*)/;
is(tool(undef, '-k', '--no-totp', $t->path('fields'), 'frank'), 0,
   '--no-totp -k');
is(line_of('fields', 'frank'), "Frank:$hash:added 2026-11-21::z\r",
   '--no-totp -k: the secret gone, the hash and the rest kept');
is(tool(undef, '-k', '--no-totp', $t->path('fields'), 'frank'), 0,
   '--no-totp again');
like(err(), qr/user "Frank" had no TOTP secret/, '--no-totp again: said so');

# a line the server would skip is not written

$t->write_file('full', 'gina:$6$x$y:' . ('n' x 960) . "\n", 0640);
$before = $t->read_file('full');
is(passwd('full', 'gina', 'pw'), 1, 'a line over 1023 bytes: refused');
like(err(), qr/line of user "gina" would be longer than 1023 bytes/,
     'a line over 1023 bytes: why');
is($t->read_file('full'), $before, 'a line over 1023 bytes: file unchanged');
is(tool(undef, '-k', '-t', '--algorithm=sha512', $t->path('full'), 'gina'),
   1, 'a line over 1023 bytes with a new secret: refused');
is($t->read_file('full'), $before, 'a new secret: file unchanged');
is(out(), '', 'a line over 1023 bytes: no URI printed');

$t->write_file('badline', "hank:\$6\$x\$y\0:totp=GEZDGNBV\n", 0640);
is(tool(undef, '-k', '-t', $t->path('badline'), 'hank'), 1,
   '-k on a line the server skips: refused');
like(err(), qr/line 1 of user "hank" holds a NUL byte; set a new password/,
     '-k on a line the server skips: why');

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
is(tool(undef, '-k', '-t', $t->path('del'), 'nobody'), 3,
   '-k unknown user: 3');

# a name added by hand that the tool would refuse can still be deleted
$t->write_file('byhand', "a<b:\$6\$x\$y\nok:\$6\$x\$y\n", 0640);
is(tool(undef, '-D', $t->path('byhand'), 'a<b'), 0, '-D a refused name');
is($t->read_file('byhand'), "ok:\$6\$x\$y\n", '-D a refused name: gone');

# usage

is(tool(undef, '--help'), 0, '--help: 0');
like(out(), qr/^usage: ocs-passwd /, '--help: usage on stdout');
like(out(), qr/--totp.*-D, --delete.*--issuer=NAME.*Exit status/s,
     '--help: the options and exit statuses');
is(tool(undef, '-h'), 0, '-h: 0');
is(tool(undef), 2, 'no arguments: 2');
like(err(), qr/^usage: ocs-passwd /, 'no arguments: usage on stderr');
is(tool(undef, '--bogus', 'f', 'u'), 2, 'unknown option: 2');
is(tool(undef, '-D', '-t', 'f', 'u'), 2, '-D with --totp: 2');
is(tool(undef, '-k', 'f', 'u'), 2, '-k without --totp: 2');
is(tool(undef, '--issuer=x', 'f', 'u'), 2, '--issuer without --totp: 2');
is(tool(undef, '-t', '--digits=7', 'f', 'u'), 2, '--digits=7: 2');
is(tool(undef, '-t', '--algorithm=md5', 'f', 'u'), 2, '--algorithm=md5: 2');
is(tool("pw\n", '-t', '--issuer=a:b', $t->path('users'), 'kim'), 2,
   'an issuer with ":": refused');

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

# --totp: a secret from the tool, the URI, the QR code

sub unescape {
    my ($v) = @_;
    $v =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $v;
}

sub base32_decode {
    my ($s) = @_;
    my $bits = join '', map {
        sprintf '%05b', index('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', $_)
    } split //, $s;
    return pack 'B*', substr($bits, 0, 8 * int(length($bits) / 8));
}

# the URI in out(), as { label, raw label, parameters }
sub uri {
    my ($uri) = out() =~ m{^(otpauth://\S*)$}m;
    return {} unless $uri;
    my ($type, $label, $query) = $uri =~ m{^otpauth://([^/]+)/([^?]*)\?(.*)$}
        or return {};
    my @pairs = map { [map { unescape($_) } split /=/, $_, 2] }
                split /&/, $query;
    return { type => $type, raw => $label, label => unescape($label),
             keys => join(',', map { $_->[0] } @pairs),
             map { ($_->[0] => $_->[1]) } @pairs };
}

$t->write_file('enrolled', '', 0644);

is(passwd('enrolled', 'tina', 'tina-pw', '-t', '--issuer=Contoso & Co'), 0,
   '--totp: new user');
my $u = uri();
is($u->{type}, 'totp', 'URI: otpauth://totp/');
is($u->{label}, 'Contoso & Co:tina', 'URI: label issuer:user');
like($u->{raw}, qr/^[A-Za-z0-9._~%-]+:[A-Za-z0-9._~%-]+$/,
     'URI: label percent-encoded');
like($u->{raw}, qr/^Contoso%20%26%20Co:/, 'URI: a space as %20');
is($u->{keys}, 'secret,issuer,algorithm,digits,period',
   'URI: every parameter');
my $tina = $u->{secret} // '';
like($tina, qr/^[A-Z2-7]{32}$/, 'URI: secret unpadded base32');
is(length base32_decode($tina), 20, 'URI: 160-bit secret for SHA-1');
is($u->{issuer}, 'Contoso & Co', 'URI: issuer');
is($u->{algorithm}, 'SHA1', 'URI: algorithm');
is($u->{digits}, '6', 'URI: digits');
is($u->{period}, '30', 'URI: period');
like(line_of('enrolled', 'tina'), qr/^tina:\$y\$[^:]*:totp=\Q$tina\E$/,
     '--totp: the secret in the file');
unlike(out(), qr/\e\[/, '--totp into a pipe: no QR code');
is((stat $t->path('enrolled'))[2] & 07777, 0644, '--totp: mode kept');

is(passwd('enrolled', 'uma', 'uma-pw', '-t', '--algorithm=sha256',
          '--digits=8', '--issuer=Contoso'), 0, '--totp sha256 8 digits');
$u = uri();
my $uma = $u->{secret} // '';
like($uma, qr/^[A-Z2-7]{52}$/, 'sha256: 256-bit secret');
is(length base32_decode($uma), 32, 'sha256: 32 bytes');
is("$u->{algorithm} $u->{digits}", 'SHA256 8', 'sha256: in the URI');
like(line_of('enrolled', 'uma'), qr/:totp=\Q$uma\E,sha256,8$/,
     'sha256: options in the file');

is(passwd('enrolled', 'vic@contoso.com', 'vic-pw', '-t', '--no-qr'), 0,
   '--totp, default issuer');
$u = uri();
is($u->{issuer}, Sys::Hostname::hostname(), 'default issuer: the host name');
like($u->{raw}, qr/:vic%40contoso\.com$/, 'an @ in the label: %40');
my $vic_old = $u->{secret} // '';

# a new secret for a user who has a password: the hash stays
my ($vic_hash) = line_of('enrolled', 'vic@contoso.com') =~ /^[^:]*:([^:]*)/;
is(tool(undef, '-k', '-t', '--issuer=Contoso', $t->path('enrolled'),
        'VIC@contoso.com'), 0, '-k --totp');
$u = uri();
my $vic = $u->{secret} // '';
isnt($vic, $vic_old, '-k --totp: a new secret');
is($u->{label}, 'Contoso:vic@contoso.com', '-k --totp: the file\'s spelling');
is(line_of('enrolled', 'vic@contoso.com'),
   "vic\@contoso.com:$vic_hash:totp=$vic", '-k --totp: the hash kept');

is(passwd('enrolled', 'wes', 'wes-pw'), 0, 'a user without TOTP');
is(tool(undef, '-k', '-t', '--qr', '--issuer=Contoso', $t->path('enrolled'),
        'wes'), 0, '-k --totp --qr');
my $wes = uri()->{secret} // '';
like(line_of('enrolled', 'wes'), qr/^wes:\$y\$[^:]*:totp=\Q$wes\E$/,
     '-k --totp: added after the hash');

my $qr = qr_check(out());
ok($qr->{lines}, 'QR: black on white lines of block characters');
ok($qr->{size}, "QR: a square of 4v+17 modules ($qr->{width})");
ok($qr->{margin}, 'QR: a light margin');
ok($qr->{finders}, 'QR: finder patterns in three corners only');
ok($qr->{timing}, 'QR: timing patterns');
ok($qr->{format}, 'QR: format information valid, error correction L');
unlike(err(), qr/\Q$wes\E/, 'the secret not on stderr');

# on a terminal (script(1) gives it one) the code comes by default
SKIP: {
skip 'no script(1) for a terminal', 2 unless -x '/usr/bin/script';
passwd('enrolled', 'xena', 'xena-pw');
my $file = $t->path('enrolled');
my $cmd = "$tool -k -t $file xena";
my $screen = `/usr/bin/script -qec '$cmd' /dev/null </dev/null`;
$screen =~ s/\r\n/\n/g;
ok(qr_check($screen)->{format}, 'on a terminal: the QR code by default');
my ($xena) = $screen =~ /[?&]secret=([A-Z2-7]+)/;
like(line_of('enrolled', 'xena'), qr/:totp=\Q$xena\E$/,
     'on a terminal: the secret of the URI stored');
}

# the module accepts the secrets: the password, then oathtool's code

SKIP: {
skip 'no oathtool (apt-get install oathtool)', 10
    unless -x '/usr/bin/oathtool';

$t->keyfile('ticket.keys', 1);

$t->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        ocs_auth_user_file %%TESTDIR%%/enrolled;

        location /app/ {
            ocs_auth forms;
            ocs_auth_second_factor totp;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
            proxy_set_header X-Info "\$ocs_user|\$ocs_auth_method";
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_totp on;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "ok \$http_x_info\\n";
        }
    }
}
EOF

sub totp {
    my ($secret, @opt) = @_;
    @opt = ('--totp') unless @opt;
    open my $p, '-|', '/usr/bin/oathtool', @opt, '-b', $secret
        or die "cannot run oathtool: $!\n";
    my $code = <$p> // '';
    close $p;
    chomp $code;
    return $code;
}

# signs in with the password, then takes the second step with code
sub enrolled {
    my ($user, $password, $code) = @_;
    my $r = $t->signin($user, $password, jar => $user, back => '%2Fapp%2F');
    return "password: " . $r->status unless $r->status == 303;
    my $page = $t->get('/ocs/signin?step=2&r=%2Fapp%2F', jar => $user);
    $r = $t->post('/ocs/signin', jar => $user,
                  form => [step => 2, state => $page->field('state'),
                           csrf => $page->field('csrf'), r => '/app/',
                           code => $code]);
    return $r->status == 303 ? $t->get('/app/', jar => $user)->body
                             : 'second step: ' . $r->status;
}

is(enrolled('tina', 'tina-pw', totp($tina)), "ok tina|password,totp\n",
   'enrolled: password and TOTP');
is(enrolled('uma', 'uma-pw', totp($uma, '--totp=sha256', '--digits=8')),
   "ok uma|password,totp\n", 'enrolled: SHA-256, 8 digits');
is(enrolled('vic@contoso.com', 'vic-pw', totp($vic_old)), 'second step: 401',
   're-enrolled: the old secret refused');
is(enrolled('vic@contoso.com', 'vic-pw', totp($vic)),
   "ok vic\@contoso.com|password,totp\n", 're-enrolled: the new secret');
is(enrolled('wes', 'wes-pw', totp($wes)), "ok wes|password,totp\n",
   'enrolled with -k: the old password and the new secret');

for my $s ($tina, $uma, $vic, $wes) {
    unlike($t->error_log, qr/\Q$s\E/, 'no secret in the error log');
}

unlike($t->error_log, qr/\[(error|crit)\].*user file/,
       'the user file read without complaint');
}

$t->done;

# --- the QR code, read back from the terminal characters ---------------

# a module matrix from the half-block lines, and what of a QR code's
# structure it shows
sub qr_check {
    my ($text) = @_;
    my (%res, @m);

    my @lines = grep { /^\e\[30;47m/ } split /\n/, $text;
    return \%res unless @lines;

    my %cell = (' ' => [0, 0], "\x{2584}" => [0, 1], "\x{2580}" => [1, 0],
                "\x{2588}" => [1, 1]);

    for my $line (@lines) {
        $line =~ /^\e\[30;47m(.*)\e\[0m$/ or return \%res;
        my $cells = $1;
        utf8::decode($cells) or return \%res;
        my (@top, @bottom);
        for my $c (split //, $cells) {
            my $v = $cell{$c} or return \%res;
            push @top, $v->[0];
            push @bottom, $v->[1];
        }
        push @m, \@top, \@bottom;
    }

    $res{lines} = 1;

    my $margin = 2;
    my $w = @{$m[0]} - 2 * $margin;
    $res{width} = $w;
    $res{size} = $w >= 21 && ($w - 17) % 4 == 0
                 && (@m == $w + 2 * $margin || @m == $w + 2 * $margin + 1)
                 && !grep { @$_ != $w + 2 * $margin } @m;
    return \%res unless $res{size};

    # light outside the code, then the code alone
    my $dark_outside = 0;
    for my $y (0 .. $#m) {
        for my $x (0 .. $#{$m[$y]}) {
            next if $y >= $margin && $y < $margin + $w
                    && $x >= $margin && $x < $margin + $w;
            $dark_outside += $m[$y][$x];
        }
    }
    $res{margin} = !$dark_outside;

    my @q = map { [@{$_}[$margin .. $margin + $w - 1]] }
            @m[$margin .. $margin + $w - 1];
    my $d = sub { my ($x, $y) = @_; return $q[$y][$x] };

    my $finder = sub {
        my ($x0, $y0) = @_;
        for my $dy (-1 .. 7) {
            for my $dx (-1 .. 7) {
                my ($x, $y) = ($x0 + $dx, $y0 + $dy);
                next if $x < 0 || $y < 0 || $x >= $w || $y >= $w;
                my $r = abs($dx - 3) > abs($dy - 3) ? abs($dx - 3)
                                                    : abs($dy - 3);
                my $want = ($r == 2 || $r == 4) ? 0 : 1;
                return 0 if $d->($x, $y) != $want;
            }
        }
        return 1;
    };
    $res{finders} = $finder->(0, 0) && $finder->($w - 7, 0)
                    && $finder->(0, $w - 7) && !$finder->($w - 7, $w - 7);

    my $timing = 1;
    for my $i (8 .. $w - 9) {
        $timing &&= $d->($i, 6) == ($i % 2 ? 0 : 1)
                    && $d->(6, $i) == ($i % 2 ? 0 : 1);
    }
    $res{timing} = $timing && $d->(8, $w - 8);   # and the dark module

    # both copies of the format information, read as decoders do
    my ($f1, $f2) = (0, 0);
    my @one = ((map { [$_, 8] } 0 .. 5), [7, 8], [8, 8], [8, 7],
               (map { [8, $_] } reverse 0 .. 5));
    my @two = ((map { [8, $_] } reverse $w - 7 .. $w - 1),
               (map { [$_, 8] } $w - 8 .. $w - 1));
    $f1 = ($f1 << 1) | $d->(@$_) for @one;
    $f2 = ($f2 << 1) | $d->(@$_) for @two;

    my $v = $f1 ^ 0x5412;
    my $rem = ($v >> 10) << 10;
    for my $i (reverse 10 .. 14) {
        $rem ^= 0x537 << ($i - 10) if $rem & (1 << $i);
    }
    $res{format} = $f1 == $f2 && ((($v >> 10) << 10) | $rem) == $v
                   && ($v >> 13) == 1;

    return \%res;
}
