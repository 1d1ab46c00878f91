#!/usr/bin/env bash
# Fuzzes every decoder that reads bytes from the network or from disk with libFuzzer (issue 9):
#   frames     multistream-select, uvarint framing, Noise frames, yamux sessions
#   noise      Noise handshake messages and payload, libp2p keys, peer ids, multiaddrs
#   gossipsub  pubsub RPC frames through the router state machine
#   sync       /p2pmq/sync/1.0.0 requests (served from a real store), status, range frames
#   records    stored log and penalty records (raw, and sealed with a valid checksum)
#   import     `p2pmq import` JSON lines
#   config     agent YAML, genesis and DON config JSON
#   reports    signed reports and DON config updates
#   kad        Kademlia DHT messages through the server's answers and a lookup
#   mdns       mDNS (DNS) packets and the peers read from them
# Builds Fuzz/Driver with -sanitize=fuzzer,address on the project's own modules (P2PMQ_FUZZ=1),
# replays every saved crash in Fuzz/regressions/<target>/, then fuzzes each target. The build shares
# .build with the normal one (dependencies are not instrumented, so only the project's modules are
# rebuilt, both ways: the next plain `swift build` rebuilds them without the fuzzer's flags);
# FUZZ_SCRATCH=.build-fuzz keeps them apart at the price of building every dependency again.
#   scripts/fuzz.sh [SECONDS per target, default 60] [target ...]
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 0 sync     # a fixed number of executions instead
#   FUZZ_CONFIG=release scripts/fuzz.sh ...       # optimized build: several times the executions/s
# Working corpora: Fuzz/corpus/<target> (not committed), started from Fuzz/seeds/<target>. A crash
# lands in Fuzz/regressions/<target>/ and fails the run: commit it with its fix and a test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all=(frames noise gossipsub sync records import config reports kad mdns)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
config=${FUZZ_CONFIG:-debug}
scratch=${FUZZ_SCRATCH:-.build}
echo "building the fuzz driver ($scratch, $config)"
rm -f "$scratch/$config/p2pmq-fuzz"
P2PMQ_FUZZ=1 swift build -c "$config" --scratch-path "$scratch" --product p2pmq-fuzz 2>&1 | grep -E "error|Compiling p2pmq_fuzz|Build" || true
fuzz=$scratch/$config/p2pmq-fuzz
[ -x "$fuzz" ] || { echo "the fuzz driver did not build" >&2; exit 1; }
status=0
# The Swift runtime's crash backtracer trips AddressSanitizer: libFuzzer prints the stack itself.
export SWIFT_BACKTRACE=enable=no
# libFuzzer's own containers are not built with our annotations; once seen crashing in them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_container_overflow=0}
for t in "${targets[@]}"; do
  corpus=Fuzz/corpus/$t regressions=Fuzz/regressions/$t
  mkdir -p "$corpus" "$regressions"
  [ -d "Fuzz/seeds/$t" ] && cp -n Fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  saved=("$regressions"/*)
  if [ -e "${saved[0]}" ]; then
    echo "== $t: replaying ${#saved[@]} saved crash inputs"
    P2PMQ_FUZZ_TARGET=$t "$fuzz" "${saved[@]}" >/dev/null 2>&1 || { echo "$t: a saved crash input fails again" >&2; status=1; }
  fi
  if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); else limit=(-max_total_time="$seconds"); fi
  log=$(mktemp)
  if P2PMQ_FUZZ_TARGET=$t "$fuzz" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix="$regressions/" "$corpus" >"$log" 2>&1; then
    echo "== $t: $(grep -E '^Done' "$log" | tail -1)  ($(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1))"
  else
    echo "== $t: FAILED, input saved in $regressions/" >&2
    grep -E "ERROR|Fatal|precondition|SUMMARY|#0 |#1 |#2 |#3 " "$log" | head -20 >&2
    status=1
  fi
  rm -f "$log"
done
exit $status
