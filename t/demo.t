#!/usr/bin/perl

# The demo (tools/demo) as a new user meets it: started on free ports
# through its environment variables, its banner only once nginx answers,
# a sign-in as the user it prints, the sample page escaping the identity
# header, the lockout administration and "log off everywhere" links,
# the modes of its secret files, and one clear message for a port that
# is taken.  Stopped by pid, as Ctrl-C would.

use strict;
use warnings;

use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use lib 't/lib';
use OCS::Child;
use OCS::Run qw(capture slurp);
use OCS::Test::Nginx;

my $t = OCS::Test::Nginx->new;
my $root = $t->root;

for my $need ("$root/build/ocs-passwd", '/etc/nginx/mime.types') {
    plan(skip_all => "the demo needs $need") unless -e $need;
}

for my $tool (qw(curl openssl base32)) {
    plan(skip_all => "the demo needs $tool")
        unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}
plan tests => 55;

my $state = $t->dir;
my $out = $t->path('demo.out');

# the demo's ports, as an administrator would pick them
my %env = (
    OCS_DEMO_DIR          => $state,
    OCS_DEMO_PORT         => $t->port('https'),
    OCS_DEMO_HTTP_PORT    => $t->port('http'),
    OCS_DEMO_BACKEND_PORT => $t->port('backend'),
);

# a port that is taken: one message that says so and names the variable

{
    my $busy = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Proto => 'tcp', Listen => 1,
                                     ReuseAddr => 1)
        or die "cannot listen: $!\n";
    my $port = $busy->sockport;

    mkdir $t->path('busy');

    for my $var (qw(OCS_DEMO_PORT OCS_DEMO_HTTP_PORT)) {
        my ($rc, $text) = demo(dir => $t->path('busy'), $var => $port);

        isnt($rc, 0, "$var taken: the demo fails");
        my @said = $text =~ /cannot listen on 127\.0\.0\.1:$port\b/g;
        is(scalar @said, 1, "$var taken: said once");
        like($text, qr/\Q$var\E=\d+ tools\/demo/,
             "$var taken: how to pick another");
        unlike($text, qr/bind\(\)|\[emerg\]/, "$var taken: no nginx errors");
        unlike($text, qr/Press Ctrl-C/, "$var taken: no banner");
    }

    close $busy;
}

# the demo itself

my $pid = start();
my $banner = slurp($out);
like($banner, qr/Press Ctrl-C/, 'banner') or diag($banner);

# the banner comes after nginx has bound its ports: no retry here
is($t->get('/ocs/signin')->status, 200, 'answers when the banner is shown');
like($banner, qr{https://127\.0\.0\.1:$env{OCS_DEMO_PORT}/},
     'the banner names the chosen port');

my ($user) = $banner =~ /^\s*User:\s+(\S+)/m;
my ($password) = $banner =~ /^\s*Password:\s+(\S+)/m;
is($user, 'demo', 'the banner names the user');
ok(defined $password && length $password >= 8, 'and a password');

# the files that hold secrets

is(mode('users'), 0640, 'user file: 0640');
is(mode($_), 0600, "$_: 0600") for qw(ticket.keys key.pem demo-password
                                      demo-totp);
like(slurp($t->path('users')), qr/^demo:\$y\$[^:]+:totp=[A-Z2-7]+$/m,
     'user file: the TOTP secret is in it');

our $master = slurp($t->path('nginx.pid')) =~ /(\d+)/ ? $1 : 0;

# should the test die before it stops the demo: nginx does not outlive it
END {
    if ($master && kill 0, $master) {
        kill 'TERM', $master;
        my $until = time + 5;
        sleep 0.05 while kill(0, $master) && time < $until;
        kill 'KILL', $master if kill 0, $master;
    }
}
my @workers = workers($master);
my @st = stat $t->path('users');

ok(@workers, 'worker processes found');
ok(!grep({ $_->{uid} == 0 } @workers), 'workers do not run as root');

if ($> == 0) {
    ok(!grep({ $_->{gid} != $st[5] } @workers),
       "the workers' group owns the user file");
} else {
    ok(!grep({ $_->{uid} != $st[4] } @workers),
       'the workers run as the owner of the user file');
}

# sign in as the printed user: the worker read the file

my $r = $t->signin($user, $password, jar => 'a');
is($r->status, 303, 'sign in as the printed user');

$r = $t->get('/', jar => 'a');
is($r->status, 200, 'the services page');
like($r->body, qr{Signed in as <strong>demo</strong>}, 'names the user');
like($r->body, qr{href="/ocs/logoff-everywhere"}, 'log off everywhere link');
like($r->body, qr{href="/ocs/lockout"}, 'lockout administration link');
like($t->get('/cwa/', jar => 'a')->body, qr{you are <strong>demo</strong>},
     'the sample application names the user');

# the pages escape what the header says (a forged one, sent straight to
# the internal server, which trusts whoever reaches it)

my $evil = 'X-OCS-User: <script>x()</script>&"';

for my $page ('/', '/cwa/') {
    $r = $t->get($page, plain => 1, port => 'backend', headers => [$evil]);
    like($r->body, qr{<strong>&lt;script&gt;x\(\)&lt;/script&gt;&amp;&quot;</strong>},
         "$page: the header is escaped");
    unlike($r->body, qr{<script>}, "$page: no markup from the header");
}

# the lockout administration, kept to 127.0.0.1

is($t->signin('mallory', 'guess', jar => 'm')->status, 401, 'a failure');
$r = $t->get('/ocs/lockout');
is($r->status, 200, 'lockout admin');
like($r->body, qr/mallory/, 'lockout admin: lists the failure');
is($t->get('/ocs/lockout', curl => ['--interface', '127.0.0.2'])->status,
   403, 'lockout admin: refused from another address');
is($t->post('/ocs/lockout', form => [clear => 'all'])->status, 200,
   'lockout admin: clear');
unlike($t->get('/ocs/lockout')->body, qr/mallory/, 'lockout admin: cleared');

# log off everywhere: the other device is signed out too

is($t->signin($user, $password, jar => 'b')->status, 303, 'a second device');
is($t->get('/', jar => 'b')->status, 200, 'second device signed in');

$r = $t->get('/ocs/logoff-everywhere', jar => 'a',
             headers => ['Sec-Fetch-Site: same-origin']);
is($r->status, 200, 'log off everywhere');
is($t->get('/', jar => 'b')->status, 302, 'the other device is signed out');
is($t->get('/', jar => 'a')->status, 302, 'and this one');

# stopped by pid, as Ctrl-C would: nginx goes with it

OCS::Child::stop($pid);
like(slurp($out), qr/demo: stopped/, 'stopped');

my $deadline = time + 10;
sleep 0.05 while $master && kill(0, $master) && time < $deadline;

ok(!$master || !kill(0, $master), 'nginx stopped with the demo');

is(slurp($out) =~ s/.*Press Ctrl-C to stop\.\n\n//sr, "demo: stopped\n",
   'nothing printed after the banner but the stop');

# a second run keeps the state (the zones' too: their state files), and
# puts right a user file that an older demo left readable by everyone

chmod 0644, $t->path('users');

$pid = start();
like(slurp($out), qr/Password:\s+\Q$password\E/, 'again: the same password');
is(mode('users'), 0640, 'again: the user file is 0640 again');
is($t->signin($user, $password, jar => 'c')->status, 303, 'again: sign in');
is($t->get('/', jar => 'b')->status, 302,
   'again: a device signed out before the restart stays signed out');
ok(-s $t->path('zones/sso.state') && -e $t->path('zones/auth.state'),
   "again: the zones' state files");

OCS::Child::stop($pid);
$master = slurp($t->path('nginx.pid')) =~ /(\d+)/ ? $1 : 0;
ok(!$master, 'again: stopped');

$t->done;

# --- helpers -----------------------------------------------------------

# starts tools/demo and waits for its banner (or its end): its pid
sub start {
    unlink $out;

    my ($child) = OCS::Child::spawn(sub {
        open STDOUT, '>', $out or die "$out: $!\n";
        open STDERR, '>&', \*STDOUT;
        @ENV{keys %env} = values %env;
        exec "$root/tools/demo" or die "cannot run tools/demo: $!\n";
    });

    my $until = time + 60;
    sleep 0.1 while time < $until && slurp($out) !~ /Press Ctrl-C/
                    && waitpid($child, POSIX::WNOHANG()) == 0;

    return $child;
}

# runs tools/demo to its end: (exit code, output)
sub demo {
    my (%o) = @_;

    my %e = (%env, OCS_DEMO_DIR => delete $o{dir}, %o);

    return capture(cmd => ["$root/tools/demo"], timeout => 60,
                   setup => sub { @ENV{keys %e} = values %e });
}

sub mode {
    my ($name) = @_;
    my @s = stat $t->path($name) or return -1;
    return $s[2] & 07777;
}

# the uid and gid of each child of the master process
sub workers {
    my ($ppid) = @_;

    my @w;

    opendir my $d, '/proc' or return;

    for my $p (grep { /^\d+$/ } readdir $d) {
        open my $fh, '<', "/proc/$p/status" or next;
        my %s = map { /^(\w+):\s*(.*)/ ? ($1, $2) : () } <$fh>;
        close $fh;

        next unless ($s{PPid} || '') eq $ppid;

        push @w, { uid => (split ' ', $s{Uid})[0],
                   gid => (split ' ', $s{Gid})[0] };
    }

    closedir $d;

    return @w;
}
