#!/bin/sh
# How the strace per-stop counts behind natives.ptrace_log_per_stop (src/measure/profiles/ptrace-stop.ts) were taken
# on this project's host: counts of calls and instructions, no timing. Needs cc, strace and valgrind; run from the
# repository root. Output as committed: test/fixtures/real-kernel/strace-counts.txt.
set -eu
d=$(mktemp -d)
cc -O2 -o "$d/probe" calibrate/probe.c
cc -O2 -shared -fPIC -o "$d/shim.so" calibrate/strace-counts/count-shim.c -ldl
strace -V | head -1
for n in 100 1100; do
  # the shim counts strace's own wait4 and ptrace calls and copies /proc/self/io (syscw: its write calls) at exit
  SHIM_OUT="$d/shim.$n" LD_PRELOAD="$d/shim.so" strace -f -o /dev/null "$d/probe" null "$n" 1 >/dev/null
  echo "probe null $n 1 under strace -f -o /dev/null, strace's calls:"
  grep -E '^(wait4|ptrace 0x18 |ptrace 0x420e |syscw)' "$d/shim.$n"
  valgrind --tool=callgrind --callgrind-out-file="$d/cg.$n" strace -f -o /dev/null "$d/probe" null "$n" 1 2>&1 |
    grep -o 'Collected : [0-9]*' | sed "s/^/strace's user-space instructions (callgrind Ir): /"
done
rm -rf "$d"
