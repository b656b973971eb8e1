package OCS::Conform;

# The conformance harness: one scenario file drives nginx and then
# Apache httpd and asserts the same statuses, headers, cookies, pages
# and log lines on both.  A scenario gives one configuration per server
# (nginx's http{} block and the part of httpd.conf after the globals the
# Apache driver writes; both may use %%PORT_name%%, %%TESTDIR%%, %%CERT%%
# and %%KEY%%) and one block of assertions, which runs once per server
# with that server's driver (OCS::Test::Nginx, OCS::Test::Apache).
# Every assertion's name is prefixed with the server's ("nginx: ...",
# "apache: ..."), so a failure says where.
#
#     use OCS::Conform;
#     my $c = OCS::Conform->new(tests => 3);    # assertions per server
#     $c->users(alice => 'pw');                 # in both test directories
#     $c->keyfile('ticket.keys');               # the same keys in both
#     $c->nginx(<<'EOF');
#     http { ... }
#     EOF
#     $c->apache(<<'EOF', part => 'sign-in', probe => \&probe);
#     Listen 127.0.0.1:%%PORT_https%%
#     ...
#     EOF
#     $c->run(sub {
#         my ($t) = @_;                         # this server's driver
#         my $r = $t->get('/app/');
#         is($r->status, 302, 'no ticket: 302');
#         $c->log_like('info', qr/ocs auth: not signed in/, 'logged');
#         is($r->header('Server'), $c->differ('server header',
#            nginx => 'nginx', apache => 'Apache', why => '...'), '...');
#     });
#
# The plan is 2 x tests + 2: each server's block, and one end check per
# server (no alert, emergency or crash in its error log).
#
# A part of the Apache module that is not there yet.  A scenario whose
# Apache configuration uses a part other helpers are still writing
# names it (part => 'sign-in'): when apachectl -t says a directive is
# an invalid command, or the probe (probe => sub { my ($t) = @_; ...;
# return the reason or '' }, run once the server is up) finds the page
# missing, the Apache half is skipped, every assertion with a reason
# that names the missing part, and the file says so on stderr in
# capitals; it is never a silent pass.  Once the part is merged, the
# same file runs on Apache for real.
#
# Sameness.  same(key, value, name) compares a value across the
# servers: what the first one gave is what the second must give, byte
# for byte (a page, a header), without pasting it into the file.
#
# Differences.  Where the servers cannot answer alike, the block asks
# differ(what, nginx => value, apache => value, why => reason) for the
# value this server must give; the table of every difference and its
# reason is printed at the end (and docs/apache.md records it: t/
# docs_apache.t checks that each "what" is there).
#
# Tickets.  The core has no command-line tool that seals a ticket, so a
# scenario takes its tickets from an issuer: a separate nginx with the
# sign-in page and the given key file (ticket(user, keys => file)), the
# same for both servers, as a mixed fleet shares one cookie.  Core Perl
# only.

use strict;
use warnings;

use Test::More;
use Test::Builder;

use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use OCS::Echo;

my @SERVERS = qw(nginx apache);

sub new {
    my ($class, %o) = @_;

    die "OCS::Conform->new: tests => N (assertions per server)\n"
        unless $o{tests};

    my $self = bless {
        tests   => $o{tests},
        conf    => {},
        opts    => {},
        files   => [],
        users   => [],
        differ  => {},
        issuers => {},
    }, $class;

    # the nginx driver skips the whole file when nginx is not built
    $self->{drivers}{nginx} = OCS::Test::Nginx->new;

    my $probe = bless { OCS::Test::Apache->defaults(
                            $self->{drivers}{nginx}->root) },
                      'OCS::Test::Apache';
    $self->{apache_missing} = $probe->missing;

    plan tests => 2 * $o{tests} + 2;

    return $self;
}

# the server whose block runs now, and its driver
sub server { $_[0]{server} }
sub t { $_[0]{drivers}{$_[0]{server} // 'nginx'} }
sub driver { $_[0]{drivers}{$_[1]} }

# --- what both servers get ---------------------------------------------

sub nginx {
    my ($self, $conf, %o) = @_;
    $self->{conf}{nginx} = $conf;
    $self->{opts}{nginx} = \%o;
}

# part: the Apache part the configuration needs (for the skip); probe:
# sub { ($t) -> '' when the part answers, or why not }
sub apache {
    my ($self, $conf, %o) = @_;
    $self->{conf}{apache} = $conf;
    $self->{opts}{apache} = \%o;
}

# a user file made with ocs-passwd, in each server's directory
sub users {
    my ($self, @pairs) = @_;
    push @{$self->{users}}, [@pairs];
}

# a key file of n random keys, the same keys in every directory
sub keyfile {
    my ($self, $name, $n) = @_;

    my $text = '';
    $text .= `openssl rand -base64 32` for 1 .. ($n || 1);

    $self->write_file($name, $text, 0600);
    $self->{keys}{$name} = $text;
}

# a file written into each server's directory
sub write_file {
    my ($self, $name, $content, $mode) = @_;
    push @{$self->{files}}, [$name, $content, $mode];
}

sub _prepare {
    my ($self, $t) = @_;

    return if $t->{conform_prepared}++;
    for my $f (@{$self->{files}}) {
        my ($dir) = $f->[0] =~ m{^(.*)/};
        mkdir $t->path($dir) if defined $dir;
        chmod 0755, $t->path($dir) if defined $dir;
        $t->write_file(@$f);
    }
    $t->users(@$_) for @{$self->{users}};
    $_->($t) for @{$self->{prepare} || []};
}

# more to do in each server's directory before it starts (after the
# files and users): sub { my ($t) = @_; ... }
sub prepare {
    my ($self, $code) = @_;
    push @{$self->{prepare}}, $code;
}

# --- the run -------------------------------------------------------------

sub run {
    my ($self, $block) = @_;

    for my $server (@SERVERS) {
        $self->_run_one($server, $block);
    }

    $self->_end;
}

sub _run_one {
    my ($self, $server, $block) = @_;

    my $n = $self->{tests};
    my $conf = $self->{conf}{$server};
    my %opts = %{$self->{opts}{$server} || {}};

    $self->{server} = $server;

    my $why = !defined $conf ? "the scenario has no $server configuration"
            : $server eq 'apache' ? $self->{apache_missing}
            : '';

    if (!$why && $server eq 'apache') {
        $self->{drivers}{apache} ||= OCS::Test::Apache->new;
        $why = $self->_apache_part_missing($conf, %opts);
    }

    if ($why) {
        $self->_skip($server, $why, $n + 1);
        return;
    }

    my $t = $self->{drivers}{$server};
    $self->_prepare($t);

    my $echo;

    if ($conf =~ /%%PORT_echo%%/) {
        $echo = OCS::Echo->new($t);
        $echo->start;
        $self->{echo} = $echo;
    }

    my %run = map { $_ => $opts{$_} } grep { !/^(?:part|needs|probe)$/ }
              keys %opts;
    $t->run($conf, %run);

    $self->{mark} = 0;

    # a part that has directives but no page yet: the probe says why
    $why = ($server eq 'apache' && $opts{probe}) ? $opts{probe}->($t) : '';

    if ($why) {
        $t->stop;
        $echo->stop if $echo;
        delete $self->{echo};
        $self->_skip($server, "the Apache part \"$opts{part}\" is not "
                     . "merged yet: $why", $n + 1);
        return;
    }

    my $tb = Test::Builder->new;
    my $before = $tb->current_test;

    {
        my $ok = \&Test::Builder::ok;
        no warnings 'redefine';
        local *Test::Builder::ok = sub {
            my ($b, $test, $name) = @_;
            local $Test::Builder::Level = $Test::Builder::Level + 1;
            return $ok->($b, $test,
                         "$server: " . (defined $name ? $name : ''));
        };

        eval { $block->($t, $self); 1 }
            or fail("$server: the block died: $@");
    }

    my $ran = $tb->current_test - $before;

    diag("$server: the block ran $ran assertions, the scenario says $n")
        if $ran != $n;

    $t->stop;
    $echo->stop if $echo;
    delete $self->{echo};

    my @bad = $t->log_problems;
    ok(!@bad, "$server: no alerts or crashes in its error log")
        or diag(join "\n", @bad);
}

# why the module cannot run the Apache configuration yet: '' when it can
sub _apache_part_missing {
    my ($self, $conf, %opts) = @_;

    my $part = $opts{part} or return '';
    my $t = $self->{drivers}{apache};

    $self->_prepare($t);

    my %run = map { $_ => $opts{$_} } grep { !/^(?:part|needs|probe)$/ }
              keys %opts;
    my ($ok, $out) = $t->try_config($conf, %run);

    if (!$ok && $out =~ /Invalid command '([^']+)'/) {
        return "the Apache part \"$part\" is not merged yet: apachectl "
               . "-t does not know $1";
    }

    if (!$ok && $out =~ /(Unknown Authz provider: \S+)/) {
        return "the Apache part \"$part\" is not merged yet: $1";
    }

    return '';
}

sub _skip {
    my ($self, $server, $why, $n) = @_;

    my $loud = "\n" . ('*' x 72) . "\n*** " . uc($server) . " NOT RUN: $why"
               . "\n*** $0: " . $n . " assertions skipped on $server\n"
               . ('*' x 72) . "\n";
    diag($loud);
    push @{$self->{skipped}}, "$server: $why";

    SKIP: {
        skip("$server: $why", $n);
    }
}

sub _end {
    my ($self) = @_;

    my @rows = sort keys %{$self->{differ}};

    if (@rows) {
        my $text = "differences between nginx and Apache "
                   . "(docs/apache.md records them):\n";
        for my $what (@rows) {
            my $d = $self->{differ}{$what};
            $text .= "  $what\n    nginx: $d->{nginx}\n    apache: "
                     . "$d->{apache}\n    why: $d->{why}\n";
        }
        diag($text);
    }

    diag("NOT RUN: $_") for @{$self->{skipped} || []};

    $_->stop for values %{$self->{issuers}};
}

# --- what a block uses ---------------------------------------------------

# the value this server must give where the servers differ, recorded in
# the table of differences with its reason
sub differ {
    my ($self, $what, %o) = @_;

    die "differ($what): nginx, apache and why\n"
        unless exists $o{nginx} && exists $o{apache} && $o{why};

    $self->{differ}{$what} = {
        map { $_ => defined $o{$_} ? $o{$_} : '(none)' }
        qw(nginx apache why)
    };

    return $o{$self->{server}};
}

# the same value on both servers: the first server's run records it
# (and passes when it is defined), the second's must equal it, so that
# a page or a header is compared byte for byte without pasting it
sub same {
    my ($self, $key, $value, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;

    my $seen = $self->{same};

    if (!exists $seen->{$key}) {
        $seen->{$key} = $value;
        return ok(defined $value, $name || $key);
    }

    return is($value, $seen->{$key}, ($name || $key)
              . ' (as on ' . $SERVERS[0] . ')');
}

# a response as both servers must give it alike: the names of its
# headers, each once and sorted, without the server's own (Date,
# Server, Connection, Keep-Alive), then its body
sub shape {
    my ($self, $r) = @_;

    my %seen;
    my @names = grep { !$seen{$_}++ }
                sort grep { !/^(?:date|server|connection|keep-alive)$/ }
                map { lc } ($r->raw_headers // '') =~ /^([^:\s]+):/mg;

    return join(' ', @names) . "\n" . ($r->body // '');
}

# the upstream of this server's run (when its configuration has
# %%PORT_echo%%)
sub echo { $_[0]{echo} }

# only the error log after this point counts for log_like
sub log_mark {
    my ($self) = @_;
    $self->{mark} = length $self->t->error_log;
}

# the module's lines of the error log after the mark, in one form for
# both servers: "[level] message", one a line; nginx's ", client: ..."
# tail and Apache's [pid] and [client] fields go, so that a pattern
# may end with $
sub _log_since {
    my ($self) = @_;

    my $text = substr($self->t->error_log, $self->{mark} || 0);
    my @out;

    my $apache = qr/^\[[^\]]*\]\ \[auth_ocs:(\w+)\]\ \[pid\ [^\]]*\]
                    (?:\ \[client\ [^\]]*\])?\ (.*)$/x;
    my $nginx = qr/^\S+\ \S+\ \[(\w+)\]\ \d+\#\d+:\ (?:\*\d+\ )?
                   (.*?)(?:,\ client:\ .*)?$/x;

    for my $line (split /\n/, $text) {
        my $re = $self->{server} eq 'apache' ? $apache : $nginx;
        push @out, "[$1] $2" if $line =~ $re;
    }

    return join '', map { "$_\n" } @out;
}

# the form of a log line at level (info, notice, error, crit, ...) with
# a message that matches re, on either server: nginx writes "[info]
# ... ocs auth: not signed in, client: ...", Apache "[auth_ocs:info]
# [pid ...] [client ...] ocs auth: not signed in"
sub log_pattern {
    my ($self, $level, $re) = @_;
    return qr/^\[\Q$level\E\] .*?(?:$re)/;
}

sub _log_match {
    my ($self, $level, $re) = @_;
    my $p = $self->log_pattern($level, $re);
    return grep { $_ =~ $p } split /\n/, $self->_log_since;
}

# whether a line of the module at level matches re since the mark (re
# is matched against one line: it may end with $)
sub log_like {
    my ($self, $level, $re, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return ok(scalar($self->_log_match($level, $re)),
              $name || "log: [$level] $re")
        || diag("no [$level] line matches $re in:\n" . $self->_log_since);
}

sub log_unlike {
    my ($self, $level, $re, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my @hit = $self->_log_match($level, $re);
    return ok(!@hit, $name || "log: no [$level] $re")
        || diag("unexpected:\n" . join "\n", @hit);
}

# how many lines at level match re since the mark
sub log_count {
    my ($self, $level, $re) = @_;
    return scalar $self->_log_match($level, $re);
}

# the module's log lines since the mark, in the neutral form
sub log_lines { $_[0]->_log_since }

# --- tickets ---------------------------------------------------------------

# a ticket for user sealed with the keys of the key file keys (default
# ticket.keys, as keyfile() made it): the cookie's value
sub ticket {
    my ($self, $user, %o) = @_;

    my $keys = $o{keys} || 'ticket.keys';
    my $issuer = $self->_issuer($keys);
    my $jar = 'j' . ++$self->{tickets};

    my $r = $issuer->signin($user, $o{password} || $self->_password($user),
                            jar => $jar,
                            computer => $o{computer} || 'public');

    die "issuer: sign-in of $user failed: " . $r->status . "\n"
        unless $r->status == 303;

    my $c = $issuer->jar_cookies($jar);
    my ($value) = map { $c->{$_} } grep { /ocs_ticket$/ } keys %$c;

    return $value;
}

# the Cookie header that carries a ticket value under the default name
sub cookie {
    my ($self, $value, $name) = @_;
    return 'Cookie: ' . ($name || '__Host-ocs_ticket') . '=' . $value;
}

sub _password {
    my ($self, $user) = @_;

    for my $pairs (@{$self->{users}}) {
        my %p = @$pairs;
        return $p{$user} if exists $p{$user};
    }

    die "ticket: no password for $user (users(...))\n";
}

sub _issuer {
    my ($self, $keys) = @_;

    return $self->{issuers}{$keys} if $self->{issuers}{$keys};

    # a key file the scenario did not make: fresh random keys
    $self->{keys}{$keys} //= `openssl rand -base64 32`;

    my $i = OCS::Test::Nginx->new;
    $i->write_file($keys, $self->{keys}{$keys}, 0600);
    $i->users(@$_) for @{$self->{users}};

    $i->run(<<"EOF");
http {
    ocs_sso_key_file %%TESTDIR%%/$keys;

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

    return $self->{issuers}{$keys} = $i;
}

1;
