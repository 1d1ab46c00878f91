#!/usr/bin/env bash
# Runs the whole test suite: installs system libraries if missing, builds once, runs every test.
#   scripts/test.sh [extra swift test arguments, e.g. --filter StoreTests]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
