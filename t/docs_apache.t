#!/usr/bin/perl

# The nginx <-> Apache table of docs/directives.md ("Apache httpd
# equivalents") against both command tables: the nginx directives
# (ngx_command_t in ngx_ocs_*/*.c) and the Apache ones (AP_INIT_* in
# mod_ocs_apache/*.[ch], the AuthType names and SetHandler names the
# module answers).  Every directive of either server has a row; every
# row names an nginx directive that exists and, in its Apache cell,
# Apache directives that exist, or says "not yet" (listed at the end)
# or "none" with the reason.  Every Apache directive, AuthType and
# handler has an entry in docs/apache.md's reference.  And the
# differences the conformance
# scenarios declare (differ() in t/conform_*.t) are each recorded in
# docs/apache.md.  Plain Perl, no server.

use strict;
use warnings;

use File::Basename qw(dirname);
use Test::More;

my $root = dirname(__FILE__) . '/..';

# --- nginx -------------------------------------------------------------

my %nginx;

for my $file (glob "$root/ngx_ocs_*/*.c") {
    my $src = read_text($file);

    while ($src =~ /ngx_command_t\s+\w+\[\]\s*=\s*\{(.*?)ngx_null_command/sg) {
        my $table = $1;
        $nginx{$1} = 1 while $table =~ /\{\s*ngx_string\("([^"]+)"\)/g;
    }
}

cmp_ok(scalar keys %nginx, '>', 40, 'nginx command tables found');

# --- Apache --------------------------------------------------------------

my (%apache, %auth_type, %handler);

for my $file (glob("$root/mod_ocs_apache/*.h"), glob("$root/mod_ocs_apache/*.c"))
{
    my $src = read_text($file);

    while ($src =~ /AP_INIT_\w+\(\s*"([^"]+)"/g) {
        my $name = $1;
        $name = "$name>" if $name =~ /^</;     # a section: <OCSDirectory>
        $apache{$name} = 1;
    }

    $auth_type{$1} = 1 while $src =~ /\{\s*"(OCS-[\w-]+)",\s*OCS_AP_AUTH_/g;
    $handler{$1} = 1
        while $src =~ /#define\s+OCS_AP_HANDLER_\w+\s+"(ocs-[\w-]+)"/g;
}

cmp_ok(scalar keys %apache, '>', 10, 'Apache command tables found');
ok($auth_type{'OCS-Forms'}, 'the AuthType names found');
ok($handler{'ocs-signin'}, 'the handler names found');

# --- the table -----------------------------------------------------------

my $ref = read_text("$root/docs/directives.md");
my ($section) = $ref =~ /^## Apache httpd equivalents\n(.*?)(?=^## |\z)/ms;
ok($section, 'directives.md has the "Apache httpd equivalents" section');

my (%row, %named, @not_yet, @none);

for my $line (split /\n/, $section // '') {
    next unless $line =~ /^\|\s*\[?`(ocs_\w+)`/;
    my $name = $1;
    my (undef, $ncell, $acell, $notes) = split /\s*\|\s*/, $line;

    ok(!$row{$name}, "$name: one row");
    $row{$name} = 1;

    ok($nginx{$name}, "$name: a directive of the nginx modules");
    like($ncell, qr/^\[`\Q$name\E`\]\(#\Q$name\E\)$/,
         "$name: links to its entry");

    $acell //= '';
    $notes //= '';

    if ($acell =~ /^not yet\b/) {
        push @not_yet, $name;
        next;
    }

    if ($acell =~ /^none\b/) {
        push @none, $name;
        cmp_ok(length $notes, '>', 20, "$name: none on Apache, and why");
        next;
    }

    my $found = 0;

    for my $token ($acell =~ /`([^`]+)`/g) {
        if ($token =~ /^AuthType\s+(\S+)$/) {
            ok($auth_type{$1}, "$name: AuthType $1 is the module's");
        } elsif ($token =~ /^SetHandler\s+(\S+)$/) {
            ok($handler{$1}, "$name: SetHandler $1 is the module's");
        } elsif ($token =~ /^<?OCS\w+>?$/) {
            ok($apache{$token}, "$name: $token is a directive of the module");
            $named{$token} = 1;
        } else {
            fail("$name: \"$token\" is neither an AuthType, a SetHandler "
                 . "nor a directive of the module");
        }
        $found++;
    }

    ok($found, "$name: its Apache cell names the counterpart, or says "
       . '"not yet" or "none"') or diag("cell: $acell");
}

ok($row{$_}, "nginx $_: a row in the Apache table") for sort keys %nginx;

ok($named{$_}, "Apache $_: in the table") for sort keys %apache;

note('not yet on Apache: ' . join(', ', @not_yet)) if @not_yet;
note('none on Apache: ' . join(', ', @none)) if @none;

# --- the reference of docs/apache.md -----------------------------------

my $apache_ref = read_text("$root/docs/apache.md");
my ($reference) = $apache_ref =~ /^## Directive reference\n(.*)\z/ms;
ok($reference, 'docs/apache.md has its "Directive reference"');

my %entry;
for my $h (($reference // '') =~ /^#{3,4} (.*)$/mg) {
    $h =~ s/&lt;/</g;
    $h =~ s/&gt;/>/g;
    $entry{$1} = 1 while $h =~ /(<?OCS\w+>?)/g;
    $entry{"AuthType $1"} = 1 while $h =~ /AuthType (OCS-[\w-]+)/g;
    $entry{"SetHandler $1"} = 1 while $h =~ /SetHandler (ocs-[\w-]+)/g;
}

ok($entry{$_}, "Apache $_: an entry in docs/apache.md") for sort keys %apache;
ok($entry{"AuthType $_"}, "AuthType $_: an entry in docs/apache.md")
    for sort keys %auth_type;
ok($entry{"SetHandler $_"}, "SetHandler $_: an entry in docs/apache.md")
    for sort keys %handler;

# --- the differences the conformance scenarios declare -------------------

my $apache_md = read_text("$root/docs/apache.md");
my ($differ) = $apache_md =~ /^## Where Apache and nginx differ\n(.*?)(?=^## |\z)/ms;
ok($differ, 'docs/apache.md has "Where Apache and nginx differ"');

my %recorded = map { $_ => 1 }
               ($differ // '') =~ /^\|\s*([^|]*?)\s*\|/mg;

for my $file (glob "$root/t/conform_*.t") {
    my $src = read_text($file);
    my $short = $file =~ s{^\Q$root\E/}{}r;

    while ($src =~ /->differ\(\s*(['"])(.*?)\1/sg) {
        ok($recorded{$2}, "$short: the difference \"$2\" is recorded in "
           . 'docs/apache.md');
    }
}

done_testing();

sub read_text {
    my ($file) = @_;
    open my $fh, '<', $file or die "cannot read $file: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}
