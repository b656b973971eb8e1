#!/usr/bin/perl

# The Apache stores are shared by every process and thread: under
# mpm_prefork (3 children) and mpm_event, a session signed out in one
# child is refused by all of them, many requests at once; the
# revocation survives graceful restarts (slotmem's saved copy) and a
# stop and start; when OCSSessionStore changes size, the store starts
# empty and every session from before is revoked, as documented.  apachectl -t says what is missing without
# mod_slotmem_shm.  Tickets come from nginx (same key file) until the
# Apache sign-in lands.

use strict;
use warnings;

use lib 't/lib';
use OCS::Test;
use OCS::Test::Nginx;
use OCS::Test::Apache;
use Test::More;

my $n = OCS::Test::Nginx->new;
my %apache = map { $_ => OCS::Test::Apache->new } qw(prefork event);
plan tests => 2 + 2 * 22;

$n->users(alice => 'pw', bob => 'pw2');
my $keys = $n->keyfile('ticket.keys', 1);

$n->run(<<'EOF');
http {
    ocs_sso_key_file %%TESTDIR%%/ticket.keys;

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

my $COOKIE = '__Host-ocs_ticket';

sub conf {
    my ($extra) = @_;
    $extra //= '';

    return <<"EOF";
Listen 127.0.0.1:%%PORT_https%%
OCSKeyFile $keys
$extra
CustomLog "%%TESTDIR%%/pids.log" "%P %>s %U%q"

<VirtualHost 127.0.0.1:%%PORT_https%%>
    SSLEngine on
    SSLCertificateFile %%CERT%%
    SSLCertificateKeyFile %%KEY%%

    <Location /app/>
        AuthType OCS-Forms
        Require valid-user
    </Location>

    <Location /ocs/logoff>
        SetHandler ocs-logoff
    </Location>
</VirtualHost>
EOF
}

# signs in on nginx and hands the jar to Apache
sub ticket {
    my ($a, $user, $pw, $jar) = @_;

    $n->signin($user, $pw, jar => $jar);
    $a->write_file("jar-$jar", $n->read_file("jar-$jar"));
}

# count requests at once, each on its own connection, with the ticket
# of jar: the statuses, and the pids that served them
sub burst {
    my ($a, $jar, $tag, $count) = @_;

    my $cookie = $a->jar_cookies($jar)->{$COOKIE} // 'none';
    my @cmd = ('curl', '-s', '-k', '--no-progress-meter', '--max-time', 20,
               '--parallel',
               '--parallel-immediate', '--parallel-max', $count,
               '-H', "Cookie: $COOKIE=$cookie", '-w', '%{http_code}\n');
    push @cmd, '-o', '/dev/null', $a->url("/app/index.html?burst=$tag-$_")
        for 1 .. $count;

    open my $p, '-|', @cmd or die "cannot run curl: $!\n";
    my @codes = map { /(\d+)/ ? $1 : () } <$p>;
    close $p;

    select(undef, undef, undef, 0.3);    # the access log is written after

    my %pids = map { /^(\d+) \d+ \/app\/index\.html\?burst=\Q$tag\E-/ ? ($1 => 1) : () }
               split /\n/, $a->read_file('pids.log');

    return (\@codes, scalar keys %pids);
}

# one request per jar at once, each with its own ticket: the statuses
sub together {
    my ($a, $uri, $headers, @jars) = @_;

    my @cmd = ('curl', '-s', '-k', '--no-progress-meter', '--max-time', 20,
               '--parallel', '--parallel-immediate', '--parallel-max',
               scalar @jars);

    for my $i (0 .. $#jars) {
        my $cookie = $a->jar_cookies($jars[$i])->{$COOKIE} // 'none';
        push @cmd, '--next' if $i;
        push @cmd, '-s', '-k', '-H', "Cookie: $COOKIE=$cookie",
                   (map { ('-H', $_) } @$headers),
                   '-w', '%{http_code}\n', '-o', '/dev/null', $a->url($uri);
    }

    open my $p, '-|', @cmd or die "cannot run curl: $!\n";
    my @codes = map { /(\d+)/ ? $1 : () } <$p>;
    close $p;

    return \@codes;
}

sub status {
    my ($a, $jar) = @_;
    return $a->get("/app/index.html", jar => $jar)->status;
}

for my $mpm (qw(prefork event)) {
    my $a = $apache{$mpm};

    mkdir $a->path('htdocs');
    mkdir $a->path('htdocs/app');
    $a->write_file('htdocs/app/index.html', "app\n");

    $a->run(conf(), mpm => $mpm);

    my @kids = $a->children;
    ok(@kids >= 2, "$mpm: " . scalar(@kids) . " children");

    ticket($a, 'alice', 'pw', 'a');
    $a->copy_jar('a', 'copy');
    ticket($a, 'bob', 'pw2', 'b');

    is(status($a, 'a'), 200, "$mpm: nginx's ticket opens");

    my $r = $a->get('/ocs/logoff', jar => 'a',
                    headers => ['Sec-Fetch-Site: same-origin']);
    is($r->status, 200, "$mpm: signed out");
    like($r->body, qr/You have signed out/, "$mpm: the signed-out page");

    my ($codes, $pids) = burst($a, 'copy', "$mpm-1", 24);
    is_deeply($codes, [(302) x 24],
              "$mpm: the copy refused by every request at once");

    if ($mpm eq 'prefork') {
        ok($pids >= 2, "prefork: served by $pids processes");
    } else {
        ok($pids >= 1, "event: served by $pids processes, 8 threads each");
    }

    ($codes) = burst($a, 'b', "$mpm-2", 12);
    is_deeply($codes, [(200) x 12], "$mpm: another session goes on");

    # many sign-outs at once, in every child: none is lost
    my @many = map { "m$_" } 1 .. 16;

    for my $jar (@many) {
        ticket($a, 'bob', 'pw2', $jar);
        $a->copy_jar($jar, "$jar-copy");
    }

    is_deeply(together($a, '/ocs/logoff', ['Sec-Fetch-Site: same-origin'],
                       @many),
              [(200) x 16], "$mpm: 16 sign-outs at once");
    is_deeply(together($a, '/app/index.html', [], map { "$_-copy" } @many),
              [(302) x 16], "$mpm: every one of them revoked");

    # graceful restarts: slotmem's saved copy comes back
    ok($a->reload, "$mpm: graceful restart");
    like($a->error_log,
         qr/ocs: OCSSessionStore holds \d+ records of 388 bytes; [1-9]\d* kept/,
         "$mpm: the revocation kept, logged");

    ($codes) = burst($a, 'copy', "$mpm-3", 12);
    is_deeply($codes, [(302) x 12], "$mpm: refused after the restart");
    is(status($a, 'b'), 200, "$mpm: bob still in after the restart");

    ok($a->reload, "$mpm: a second graceful restart");
    is(status($a, 'copy'), 302, "$mpm: refused after two restarts");

    # a stop and start: the parent saves the slots when it exits
    $a->stop;
    $a->run;
    is(status($a, 'copy'), 302, "$mpm: refused after a stop and start");

    # a revocation in a new generation, then a restart at once
    ticket($a, 'alice', 'pw', 'a2');
    $a->copy_jar('a2', 'copy2');
    $a->get('/ocs/logoff', jar => 'a2',
            headers => ['Sec-Fetch-Site: same-origin']);
    ok($a->reload, "$mpm: restart right after a logoff");
    is(status($a, 'copy2'), 302, "$mpm: that logoff kept too");

    # a store of another size starts empty: every session from before
    # is revoked, so that no signed-out one comes back
    ok($a->reload(conf('OCSSessionStore 64k')), "$mpm: a new size");
    ok(status($a, 'copy') == 302 && status($a, 'b') == 302,
       "$mpm: OCSSessionStore resized: every session from before revoked");
    like($a->error_log,
         qr/OCSSessionStore holds 168 records of 388 bytes; 0 kept.*\n.*\[auth_ocs:warn\].*ocs: OCSSessionStore starts without its revocations: it was 1048576 bytes and is 65536 now, and slotmem loads a saved copy only at its own size; every session that started before now is revoked/,
         "$mpm: 64k holds 168 records, none kept; said at warn");

    if ($mpm eq 'prefork') {
        $a->stop;
        my @bad = $a->log_problems;
        ok(!@bad, 'prefork: no alerts or crashes') or diag(join "\n", @bad);
    }
}

my $a = $apache{event};

# without mod_slotmem_shm, apachectl -t says what to load
$a->config(conf());
my $c = $a->read_file('httpd.conf');
$c =~ s/^LoadModule slotmem_shm_module .*\n//m;
$a->write_file('httpd-noslot.conf', $c);
my $out = `$a->{apache} -t -f @{[$a->path('httpd-noslot.conf')]} 2>&1`;
ok($? != 0, 'without mod_slotmem_shm: apachectl -t fails');
like($out, qr/LoadModule slotmem_shm_module modules\/mod_slotmem_shm\.so/,
     'without mod_slotmem_shm: it says what to add');

$n->stop;
$a->done;
