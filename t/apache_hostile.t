#!/usr/bin/perl

# t/hostile.t's hostile requests against the Apache module.

use strict;
use warnings;

$ENV{OCS_SERVER} = 'apache';
do './t/hostile.t';
die $@ if $@;
