#!/usr/bin/perl

# The layering of the built objects, read from their symbol tables with
# nm: the core calls nothing of nginx's or Apache's; no glue object (of
# either server) calls GSSAPI, Kerberos, LDAP or libcurl (that is the
# core's business); and no two source files call each other, directly
# or around a ring, so that each file can be read from the bottom up.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/..');
my $MODULE = $ENV{OCS_MODULE}
             || "$ROOT/build/nginx/objs/ngx_http_ocs_module.so";
my $ADDON = dirname($MODULE) . '/addon';
my $APACHE = dirname($ENV{OCS_APACHE_MODULE}
                     || "$ROOT/build/apache/mod_auth_ocs.so");

plan(skip_all => "no objects next to the module: $ADDON") unless -d $ADDON;
plan(skip_all => 'no nm (binutils)')
    unless grep { -x "$_/nm" } split /:/, $ENV{PATH};

my (%defines, %uses, %kind);

for my $obj (glob("$ADDON/*/*.o"), glob("$APACHE/*.o")) {
    my $dir = basename(dirname($obj));
    my $file = basename($obj, '.o');

    $kind{$file} = $dir eq 'src' ? 'core'
                   : $dir eq basename($APACHE) ? 'apache' : 'glue';

    open my $nm, '-|', 'nm', $obj or die "nm $obj: $!\n";

    while (<$nm>) {
        if (/^\s+U (\S+)$/) {
            $uses{$file}{$1} = 1;
        } elsif (/^[0-9a-f]+ ([TDBRVW]) (\S+)$/) {
            # every file of a module names the module's variable to
            # find its configuration: that is nginx's registry, not a
            # call
            $defines{$2} = $file unless $1 ne 'T' && $2 =~ /_module$/;
        }
    }

    close $nm or die "nm $obj failed\n";
}

my @core = sort grep { $kind{$_} eq 'core' } keys %kind;
my @glue = sort grep { $kind{$_} eq 'glue' } keys %kind;
my @apache = sort grep { $kind{$_} eq 'apache' } keys %kind;

plan tests => 6;

ok(@core >= 10 && @glue >= 10, scalar(@core) . ' core and '
   . scalar(@glue) . ' nginx glue objects read');

SKIP: {
    skip("no Apache module objects in $APACHE (make apache)", 1)
        unless @apache;
    ok(@apache >= 5, scalar(@apache) . ' Apache glue objects read');
}

my @bad = map { my $f = $_; map { "$f: $_" } grep { /^(ngx|ap|apr)_/ }
                sort keys %{$uses{$f}} } @core;
is_deeply(\@bad, [], 'the core calls nothing of nginx or Apache');

@bad = map { my $f = $_; map { "$f: $_" }
             grep { /^(gss|krb5|ldap|ber|curl)_/ } sort keys %{$uses{$f}} }
       @glue, @apache;
is_deeply(\@bad, [], 'no GSSAPI, Kerberos, LDAP or libcurl call in the glue');

@bad = map { my $f = $_; map { "$f: $_" } grep { /^ngx_/ }
             sort keys %{$uses{$f}} } @apache;
is_deeply(\@bad, [], 'the Apache glue calls nothing of nginx');

# file -> the files whose symbols it uses
my %edges;

for my $f (keys %uses) {
    for my $sym (keys %{$uses{$f}}) {
        my $to = $defines{$sym};
        $edges{$f}{$to} = 1 if defined $to && $to ne $f;
    }
}

my @rings = rings(\%edges, [sort keys %kind]);

is_deeply(\@rings, [], 'no two files call each other')
    or diag(join "\n", map { "ring: $_" . path_of($_) } @rings);

# the strongly connected components of more than one file (Tarjan)
sub rings {
    my ($g, $nodes) = @_;
    my ($index, @stack, %on, %idx, %low, @out) = (0);

    my $visit;
    $visit = sub {
        my ($v) = @_;
        $idx{$v} = $low{$v} = $index++;
        push @stack, $v;
        $on{$v} = 1;

        for my $w (sort keys %{$g->{$v} // {}}) {
            if (!defined $idx{$w}) {
                $visit->($w);
                $low{$v} = $low{$w} if $low{$w} < $low{$v};
            } elsif ($on{$w} && $idx{$w} < $low{$v}) {
                $low{$v} = $idx{$w};
            }
        }

        return unless $low{$v} == $idx{$v};

        my @c;
        while (1) {
            my $w = pop @stack;
            $on{$w} = 0;
            push @c, $w;
            last if $w eq $v;
        }
        push @out, join(' ', sort @c) if @c > 1;
    };

    for my $v (@$nodes) {
        $visit->($v) unless defined $idx{$v};
    }

    undef $visit;
    return sort @out;
}

# for the diagnosis: which symbols tie the files of a ring
sub path_of {
    my ($ring) = @_;
    my %in = map { $_ => 1 } split / /, $ring;
    my @why;

    for my $f (sort keys %in) {
        for my $sym (sort keys %{$uses{$f}}) {
            my $to = $defines{$sym};
            push @why, "  $f -> $to ($sym)"
                if defined $to && $in{$to} && $to ne $f;
        }
    }

    return "\n" . join("\n", @why);
}
