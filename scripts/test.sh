#!/usr/bin/env bash
# Runs the whole test suite: installs system libraries if missing, sets up the reference peers of
# other libp2p implementations (../shared/interop, Python venvs cached in $P2PMQ_INTEROP_DIR,
# default /tmp/p2pmq-interop) and a grpcio venv there, builds once, runs every test.
#   scripts/test.sh [extra swift test arguments, e.g. --filter StoreTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
shared_interop=${P2PMQ_INTEROP_SCRIPTS:-$(cd .. && pwd)/shared/interop}
if [ -x "$shared_interop/setup.sh" ] || [ -f "$shared_interop/setup.sh" ]; then
  export P2PMQ_INTEROP_DIR=${P2PMQ_INTEROP_DIR:-/tmp/p2pmq-interop}
  bash "$shared_interop/setup.sh" "$P2PMQ_INTEROP_DIR"
  export P2PMQ_INTEROP_SCRIPTS="$shared_interop" P2PMQ_INTEROP_REQUIRED=1
else
  echo "note: $shared_interop not found; interop tests against go-libp2p and py-libp2p will be skipped" >&2
fi
# Python grpcio for the tests of the gRPC API from a client that is not Swift.
export P2PMQ_INTEROP_DIR=${P2PMQ_INTEROP_DIR:-/tmp/p2pmq-interop}
if ! "$P2PMQ_INTEROP_DIR/grpc/bin/python" -c "import grpc, grpc_tools" 2>/dev/null; then
  python3 -m venv "$P2PMQ_INTEROP_DIR/grpc"
  "$P2PMQ_INTEROP_DIR/grpc/bin/pip" install -q grpcio grpcio-tools
fi
# eth-keys, eth-abi and eth-hash: the oracles the tests check the EVM schemes against (OCR2, OCR3,
# Data Streams, Keystone; Tests/DONTests/python/).
if ! "$P2PMQ_INTEROP_DIR/eth/bin/python" -c "import eth_keys, eth_abi, eth_hash.auto" 2>/dev/null; then
  python3 -m venv "$P2PMQ_INTEROP_DIR/eth"
  "$P2PMQ_INTEROP_DIR/eth/bin/pip" install -q eth-keys eth-abi "eth-hash[pycryptodome]"
fi
swift build --build-tests
# `pmq` runs p2pmq with the Go p2pmq binary's command line.
scripts/install-pmq.sh .build/debug >/dev/null
# XCTest only: the suite has no Swift Testing tests, and its empty "0 tests" summary would
# otherwise be the last line CI reads.
swift test --skip-build --disable-swift-testing "$@"
