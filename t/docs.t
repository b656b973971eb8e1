#!/usr/bin/perl

# The directive reference against the code: every directive in the
# modules' command tables (ngx_command_t in ngx_ocs_*/*.c) has a full
# entry in docs/directives.md (a "### name" heading, then Syntax, Default
# and Context lines) and a row in its "All directives" table, whose
# contexts are the ones the NGX_HTTP_*_CONF flags allow; and every
# directive the documentation names (entries, table rows, nginx examples
# in README.md and docs/*.md) exists.  The rule: the reference entries
# all live in directives.md; the guides (kerberos.md, second-factor.md,
# ...) link to them.  Plain Perl, no nginx.

use strict;
use warnings;

use File::Basename qw(dirname);
use Test::More;

my $root = dirname(__FILE__) . '/..';

# --- the code ----------------------------------------------------------

my %code;     # name => [contexts]
my %where;    # name => file

for my $file (glob "$root/ngx_ocs_*/*.c") {
    my $src = read_text($file);

    while ($src =~ /ngx_command_t\s+\w+\[\]\s*=\s*\{(.*?)ngx_null_command/sg) {
        my $table = $1;

        while ($table =~ /\{\s*ngx_string\("([^"]+)"\),\s*([^,]+),/g) {
            my ($name, $flags) = ($1, $2);

            ok(!$code{$name}, "$name: defined once in the code")
                or diag("$name: in $where{$name} and $file");

            $code{$name} = contexts($flags);
            $where{$name} = $file =~ s{^\Q$root\E/}{}r;
        }
    }
}

cmp_ok(scalar keys %code, '>', 40, 'command tables found');

# --- the reference -----------------------------------------------------

my $ref = read_text("$root/docs/directives.md");
my %entry;    # name => { syntax, default, context }

{
    my ($name, $in_code);

    for my $line (split /\n/, $ref) {
        $in_code = !$in_code if $line =~ /^```/;
        next if $in_code;

        if ($line =~ /^#{2,4} +(.*?)\s*$/) {
            $name = $1 =~ s/`//gr;
            next;
        }

        next unless defined $name;

        if ($line =~ /^ {4}(Syntax|Default|Context):\s*(.*?)\s*$/) {
            my ($field, $value) = (lc $1, $2);
            $entry{$name}{$field} //= $value;
        }
    }
}

for my $name (sort keys %entry) {
    my $e = $entry{$name};

    next unless defined $e->{syntax};

    ok($code{$name}, "entry \"$name\" is a directive in the code");

    my ($first) = $e->{syntax} =~ /^([^\s;]+)/;
    is($first, $name, "$name: its Syntax line names it");
}

for my $name (sort keys %code) {
    my $e = $entry{$name} || {};
    my $want = join ', ', @{$code{$name}};

    ok(defined $e->{syntax} && defined $e->{default}
       && defined $e->{context},
       "$name: a reference entry with Syntax, Default and Context")
        or diag("$name ($where{$name}) needs a \"### $name\" entry in "
                . "docs/directives.md");

    is($e->{context}, $want, "$name: Context as in the code")
        if defined $e->{context};
}

# --- the table of all directives ---------------------------------------

my ($table) = $ref =~ /^## All directives\n(.*?)^## /ms;
my %row;

for my $line (split /\n/, $table || '') {
    next unless $line =~ /^\|\s*\[`([^`]+)`\]\(([^)]*)\)\s*\|.*\|\s*([^|]*?)\s*\|\s*$/;
    my ($name, $link, $context) = ($1, $2, $3);

    ok(!$row{$name}, "table: $name listed once");
    $row{$name} = 1;

    ok($code{$name}, "table: $name is a directive in the code");
    is($link, "#$name", "table: $name links to its entry");
    is($context, join(', ', @{$code{$name}}), "table: $name context")
        if $code{$name};
}

ok($row{$_}, "table: $_ listed") for sort keys %code;

# --- directives named elsewhere ----------------------------------------

my $documents = 0;

for my $file ("$root/README.md", glob "$root/docs/*.md") {
    my $text = read_text($file);
    $documents++;
    my $short = $file =~ s{^\Q$root\E/}{}r;
    my %named;

    # the first word of every statement in an nginx example
    while ($text =~ /^```nginx\n(.*?)^```/msg) {
        my $block = $1 =~ s/#[^\n]*//gr;

        for my $statement (split /[;{}]/, $block) {
            $named{$1} = 1 if $statement =~ /^\s*(ocs_\w+)/;
        }
    }

    # the first cell of a table row, when it shows a directive's syntax
    while ($text =~ /^\|\s*\[?`(ocs_[a-z_]+)[^`|]*(?:\\\|[^`|]*)*;`/mg) {
        $named{$1} = 1;
    }

    for my $name (sort keys %named) {
        ok($code{$name}, "$short: \"$name\" is a directive in the code");
    }
}

# the end check: the number of tests follows the command tables and the
# documents, so instead of a fixed plan every part must have found what
# it checks
cmp_ok(scalar keys %entry, '>', 40, 'reference entries found');
cmp_ok(scalar keys %row, '>', 40, 'table rows found');
cmp_ok($documents, '>', 5, 'the guides read');

done_testing();

# --- helpers -----------------------------------------------------------

# NGX_HTTP_MAIN_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1 -> [http, location]
sub contexts {
    my ($flags) = @_;

    my @order = ([MAIN => 'http'], [SRV => 'server'], [SIF => 'if in server'],
                 [LOC => 'location'], [LIF => 'if in location'],
                 [UPS => 'upstream']);

    return [map { $_->[1] } grep { $flags =~ /\bNGX_HTTP_$_->[0]_CONF\b/ }
            @order];
}

sub read_text {
    my ($path) = @_;
    open my $fh, '<', $path or die "cannot read $path: $!\n";
    local $/;
    return scalar <$fh>;
}
