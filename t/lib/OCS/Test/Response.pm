package OCS::Test::Response;

# One HTTP response as curl saw it: status, headers (case-insensitive,
# repeatable), body, and a few readers for the pages the modules serve.

use strict;
use warnings;

sub new {
    my ($class, %a) = @_;

    my $self = bless { status => 0, headers => {}, body => $a{body} }, $class;

    $self->{status} = ($a{code} || '') =~ /(\d{3})/ ? $1 + 0 : 0;

    # with several responses (100 Continue), the last block counts
    my @blocks = grep { /^HTTP\// } split /\r?\n\r?\n/, $a{headers} || '';
    my $last = @blocks ? $blocks[-1] : '';

    $self->{raw_headers} = $last;

    for my $line (split /\r?\n/, $last) {
        next unless $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
        push @{$self->{headers}{lc $1}}, $2;
    }

    return $self;
}

sub status { $_[0]{status} }
sub body { $_[0]{body} }
sub raw_headers { $_[0]{raw_headers} }

# the first value of a header, or undef
sub header {
    my ($self, $name) = @_;
    my $v = $self->{headers}{lc $name};
    return $v ? $v->[0] : undef;
}

sub headers {
    my ($self, $name) = @_;
    return @{$self->{headers}{lc $name} || []};
}

# the Set-Cookie line of one cookie, or undef
sub set_cookie {
    my ($self, $name) = @_;
    my ($c) = grep { /^\Q$name\E=/ } $self->headers('set-cookie');
    return $c;
}

# the value of a hidden or text input of the page
sub field {
    my ($self, $name) = @_;
    return $self->{body} =~ /name="\Q$name\E"[^>]*value="([^"]*)"/
        ? _unescape($1) : undef;
}

sub _unescape {
    my ($s) = @_;
    $s =~ s/&quot;/"/g;
    $s =~ s/&#39;/'/g;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&amp;/&/g;
    return $s;
}

1;
