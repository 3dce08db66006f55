#!/bin/bash
# Where each process of a path spends its CPU during one bench scenario: kernel, crypto (AES-GCM
# in node's OpenSSL or in libcrypto), V8 (GC, builtins, compiler), JavaScript, libc (copies,
# malloc) and other native code. Samples every CPU with `perf record -e cpu-clock` (no hardware
# counters needed) while the bench runs, and names the processes from their command lines.
#
#   bench/tools/cpu-split.sh <scenario> <path> [extra bench args...]
#   e.g. bench/tools/cpu-split.sh 1 openssh; bench/tools/cpu-split.sh 1 tunnel
#
# Needs perf (Debian: linux-perf) and a built bench (npm run bench once). Samples are at 499 Hz:
# divide by 499 for CPU seconds.
set -euo pipefail
scenario=$1
path=$2
shift 2
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Command lines of the processes that come and go during the run, for naming them afterwards.
(while true; do pgrep -af 'tunnel-server/dist/src/cli.js start|tunnel-client.mjs agent|cli.js device tunnel|sshd|ssh -|targets/main' >>"$work/pids" || true; sleep 1; done) &
poller=$!
BENCH_PRODUCT_NODE_ARGS="--perf-basic-prof" perf record -q -F 499 -e cpu-clock -a -g -o "$work/perf.data" -- \
  node "$root/bench/dist/src/cli.js" --scenario "$scenario" --path "$path" "$@" >"$work/bench.txt" 2>/dev/null
kill "$poller"
grep -E "^$scenario |^ +(server CPU|RTT p99)|^$scenario  " "$work/bench.txt" || true

sort -u "$work/pids" | awk '{
  role = "other";
  if ($0 ~ /tunnel-server/) role = "tunnel-server";
  else if ($0 ~ /agent/) role = "agent";
  else if ($0 ~ /device tunnel/) role = "developer-cli";
  else if ($0 ~ /targets/) role = "targets";
  else if ($0 ~ /sshd/) role = "sshd";
  else if ($0 ~ /ssh .*-R|-R .*ssh/) role = "ssh-R (device)";
  else if ($0 ~ /ssh .*-L|-L .*ssh/) role = "ssh-L (developer)";
  print $1, role
}' >"$work/roles"

perf script -i "$work/perf.data" -F pid,tid,ip,sym,dso 2>/dev/null | awk '
  FNR == NR { role[$1] = $2 " " $3; next }
  /^ *[0-9]+\/[0-9]+/ { split($1, a, "/"); pid = a[1]; leaf = 1; next }
  NF == 0 { next }
  leaf {
    leaf = 0
    if ($0 ~ /kernel.kallsyms/) k = "kernel"
    else if ($0 ~ /libcrypto|aesni|gcm|ghash/) k = "crypto"
    else if ($0 ~ /perf-[0-9]+\.map/) k = "js"
    else if ($0 ~ /v8::|Builtins_/) k = "v8"
    else if ($0 ~ /libc\.so/) k = "libc"
    else k = "other"
    if (!(pid in role)) next
    n[pid " " k]++; total[pid]++
  }
  END {
    for (p in total) {
      line = sprintf("%6d samples  %-20s", total[p], role[p])
      split("kernel crypto v8 js libc other", ks, " ")
      for (i = 1; i <= 6; i++) line = line sprintf("  %s %3.0f%%", ks[i], 100 * n[p " " ks[i]] / total[p])
      print line
    }
  }' "$work/roles" - | sort -rn
