#!/usr/bin/env bash
# Fuzzes the wire frame decoders with libFuzzer for SECONDS (default 60), after replaying every
# saved regression input. The decoders are compiled from Sources/Wire together with
# Fuzz/FrameDecoders.swift (they need nothing but the standard library).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out" Fuzz/corpus Fuzz/regressions
sources=(
  Sources/Wire/WireError.swift
  Sources/Wire/Encoding/Varint.swift
  Sources/Wire/Encoding/LengthPrefixed.swift
  Sources/Wire/Multistream/MultistreamSelect.swift
  Sources/Wire/Noise/NoiseFrameReader.swift
  Sources/Wire/Yamux/YamuxFrame.swift
  Sources/Wire/Yamux/YamuxSession.swift
  Fuzz/FrameDecoders.swift
)
# (ld.gold warns about sanitizer symbols it cannot export; harmless.)
swiftc -sanitize=fuzzer,address -parse-as-library -Onone -g -module-name WireFuzz "${sources[@]}" -o "$out/fuzz-frames" 2>&1 \
  | grep -v "Cannot export local symbol" || true
regressions=(Fuzz/regressions/crash-* Fuzz/regressions/leak-* Fuzz/regressions/timeout-*)
existing=()
for f in "${regressions[@]}"; do [ -f "$f" ] && existing+=("$f"); done
if [ ${#existing[@]} -gt 0 ]; then
  echo "replaying ${#existing[@]} regression inputs"
  "$out/fuzz-frames" "${existing[@]}"
fi
"$out/fuzz-frames" -max_total_time="$seconds" -max_len=4096 -artifact_prefix=Fuzz/regressions/ Fuzz/corpus 2>&1 | tail -5
