#!/usr/bin/env bash
# Makes `pmq` beside a built p2pmq: a link under the Go p2pmq binary's name, which runs the agent
# with that binary's command line (--grpc-port/GRPC_PORT, --config/P2PMQ_CONFIG, --loglevel,
# --libp2p-loglevel, single-dash forms too; default config /p2pmq/p2pmq.json). Optionally also
# into a folder on PATH.
#   scripts/install-pmq.sh [BUILD_DIR (default .build/release)] [BIN_DIR, e.g. /usr/local/bin]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build/release}
[ -x "$build/p2pmq" ] || { echo "install-pmq: $build/p2pmq is not built (swift build -c release --product p2pmq)" >&2; exit 1; }
ln -sf p2pmq "$build/pmq"
echo "$build/pmq"
if [ -n "${2:-}" ]; then
  ln -sf "$(cd "$build" && pwd)/p2pmq" "$2/pmq"
  echo "$2/pmq"
fi
