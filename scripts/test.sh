#!/usr/bin/env bash
# Runs the whole test suite: installs system libraries if missing, builds once, runs every test.
#   scripts/test.sh [extra swift test arguments, e.g. --filter StoreTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
# XCTest only: the suite has no Swift Testing tests, and its empty "0 tests" summary would
# otherwise be the last line CI reads.
swift test --skip-build --disable-swift-testing "$@"
