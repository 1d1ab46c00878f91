#!/usr/bin/env bash
# Reliability scenarios on separate network stacks (issue 9, first part): the devnet with every
# node on its own test host made by ../shared/netns/cluster.sh (network namespaces on a private
# bridge, 10.77.0.I), agents' gRPC on Unix sockets so the devnet keeps control while hosts are
# cut off. Needs root and iproute2.
#   scripts/reliability.sh [short|long]   (default long)
#     partition: one DON's hosts cut off while reports flow, then healed; every honest node must
#                hold every report within 30 s of the heal (short: 5 s after start for 15 s;
#                long: 10 s for 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
form=${1:-long}
cluster=${P2PMQ_CLUSTER:-$(cd .. && pwd)/shared/netns/cluster.sh}
[ -f "$cluster" ] || { echo "no cluster.sh at $cluster (set P2PMQ_CLUSTER)" >&2; exit 2; }
export CLUSTER_PREFIX=${CLUSTER_PREFIX:-p2r}
p2pmq=${P2PMQ_BIN:-$PWD/.build/release/p2pmq}
[ -x "$p2pmq" ] || swift build -c release --product p2pmq >&2
dir=${RELIABILITY_DIR:-/tmp/p2pmq-reliability}
bash "$cluster" down "$CLUSTER_PREFIX" 2>/dev/null || true
trap 'bash "$cluster" down "$CLUSTER_PREFIX"' EXIT
bash "$cluster" up 16 "$CLUSTER_PREFIX"
case "$form" in
  short) partition=don-b@5s+15s; duration=35s ;;
  *)     partition=don-b@10s+30s; duration=60s ;;
esac
echo "== partition: $partition, reports for $duration, 3 DONs x 4 nodes on 13+ test hosts"
"$p2pmq" devnet --cluster "$cluster" --partition "$partition" --duration "$duration" --dir "$dir/partition" \
    --byzantine 0 --no-late-joiner
