#!/usr/bin/perl
# Classify returned e-mails with Sisimai, for bench/bench_classify.py: file names on stdin (one a
# line), one JSON object per file on stdout: {"file", "kind", "reason", "rcpt", "seconds"}.
# "seconds" is the wall time spent inside Sisimai for that file, so interpreter start-up and
# module loading are not counted against it. A last line {"total_wall", "total_cpu"} gives the
# loop's wall and CPU (user + system) seconds: CPU time is what a busy shared machine does not
# distort. Kinds use facturier's vocabulary (see the mapping below).
use strict;
use warnings;
use Sisimai;
use Time::HiRes qw(time);
use JSON::PP;

my $json = JSON::PP->new->canonical(1);
# Sisimai's hard-bounce set, as in the labelled corpus (userunknown, hostunknown, hasmoved, and
# notaccept on a 5xx); "vacation" is an auto-reply, "feedback" an ARF complaint.
my %HARD = map { $_ => 1 } qw(userunknown hostunknown hasmoved);

$| = 1;
my @files = grep { length } map { chomp; $_ } <STDIN>;
# Warm-up: Sisimai loads its MTA modules on first use; that is start-up, not per-message work.
eval { Sisimai->make($files[0], 'delivered' => 1, 'vacation' => 1) } if @files;
my $wall_started = time;
my ($user0, $system0) = times;
for my $file (@files) {
    my ($kind, $reason, $rcpt) = ('unknown', '', '');
    my $started = time;
    my $data = eval { Sisimai->make($file, 'delivered' => 1, 'vacation' => 1) };
    my $seconds = time - $started;
    if ($data && @$data) {
        my $first = $data->[0];
        $reason = $first->reason // '';
        $rcpt = $first->recipient ? lc($first->recipient->address // '') : '';
        my $status = $first->deliverystatus // '';
        if ($reason eq 'vacation') { $kind = 'auto_reply' }
        elsif ($reason eq 'feedback') { $kind = 'complaint' }
        elsif ($reason eq 'delivered') { $kind = 'delivered' }
        elsif ($HARD{$reason} || ($reason eq 'notaccept' && $status !~ /^4/)) { $kind = 'hard_bounce' }
        else { $kind = 'soft_bounce' }
    }
    print $json->encode({file => $file, kind => $kind, reason => $reason, rcpt => $rcpt, seconds => $seconds}), "\n";
}
my ($user1, $system1) = times;
print $json->encode({total_wall => time - $wall_started, total_cpu => ($user1 - $user0) + ($system1 - $system0)}), "\n";
