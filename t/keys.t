#!/usr/bin/perl

# Ticket keys: the ephemeral key (shared by workers, kept across a reload,
# gone after a restart) and key files (rotation, removal).

use strict;
use warnings;

use lib 't/lib';
use MIME::Base64 qw(decode_base64);
use OCS::Test;
use Test::More;

my $t = OCS::Test->new;
plan tests => 17;

$t->users(alice => 'pw');

my $conf = <<'EOF';
http {
    %%KEYS%%

    server {
        listen 127.0.0.1:%%PORT_https%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;

        location /app/ {
            ocs_auth forms;
            proxy_pass http://127.0.0.1:%%PORT_backend%%;
        }

        location = /ocs/signin {
            ocs_auth_signin;
            ocs_auth_user_file %%TESTDIR%%/users;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_backend%%;
        location / {
            return 200 "backend\n";
        }
    }
}
EOF

sub config {
    my ($keys) = @_;
    (my $c = $conf) =~ s/%%KEYS%%/$keys/;
    return $c;
}

sub key_id {
    my ($jar) = @_;
    (my $b64 = substr($t->jar_cookies($jar)->{'__Host-ocs_ticket'}, 0, 8)) =~ tr{-_}{+/};
    return unpack('H*', substr(decode_base64($b64), 1, 4));
}

sub status {
    my ($jar) = @_;
    return $t->get('/app/', jar => $jar)->status;
}

# no key file: an ephemeral key in the shared zone

$t->run(config(''), workers => 2);

like($t->startup_log,
     qr/\[warn\].*no "ocs_sso_key_file": tickets are sealed with a temporary key and will not survive a restart/,
     'ephemeral key: warning');

$t->signin('alice', 'pw', jar => 'e');
is_deeply([map { status('e') } 1 .. 6], [(200) x 6],
          'ephemeral key: every worker opens the ticket');

# random bytes (the workers buffer them): never the same twice, whichever
# worker made them -- sign-in nonces, and the GCM nonces of tickets

my (%csrf, %iv);

for my $i (1 .. 24) {
    my $page = $t->get('/ocs/signin', jar => "n$i");
    $csrf{$page->field('csrf') // ''}++;
}

is(scalar(grep { length } keys %csrf), 24, 'sign-in nonces: 24 different');

for my $i (1 .. 12) {
    $t->signin('alice', 'pw', jar => "iv$i");
    (my $b64 = $t->jar_cookies("iv$i")->{'__Host-ocs_ticket'} // '') =~ tr{-_}{+/};
    $iv{unpack('H*', substr(decode_base64($b64), 5, 12))}++;
}

is(scalar(keys %iv), 12, 'ticket nonces: 12 different');

$t->reload;
is(status('e'), 200, 'ephemeral key: kept across a reload');

$t->stop;
$t->run;
is(status('e'), 302, 'ephemeral key: gone after a restart');

$t->stop;

# key files: the first key seals, every key opens

my ($k1, $k2) = map { `openssl rand -base64 32` } 1 .. 2;

$t->write_file('ticket.keys', $k1, 0600);
$t->run(config('ocs_sso_key_file %%TESTDIR%%/ticket.keys;'));

$t->signin('alice', 'pw', jar => 'old');
is(status('old'), 200, 'key file');
unlike($t->startup_log, qr/temporary key/, 'key file: no warning');

$t->write_file('ticket.keys', "# rotated\n$k2$k1", 0600);
ok($t->reload, 'reload with a new first key');
is(status('old'), 200, 'rotation: old tickets still open');

$t->signin('alice', 'pw', jar => 'new');
is(status('new'), 200, 'rotation: new tickets');
isnt(key_id('new'), key_id('old'), 'rotation: sealed with the new key');

$t->write_file('ticket.keys', $k2, 0600);
ok($t->reload, 'reload without the old key');
is(status('old'), 302, 'removed key: its tickets end');
is(status('new'), 200, 'removed key: other tickets live on');

like($t->error_log, qr/\[error\].*ticket rejected: no key with the ticket's id/,
     'log: removed key');

$t->done;
