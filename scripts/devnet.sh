#!/usr/bin/env bash
# The main job: builds p2pmq (release) and runs the local devnet: 3 DONs of 4 nodes (an agent and
# a validator each) gossiping quorum-signed reports, a byzantine node that is caught and
# recorded, a late joiner that catches up. Then inspects one node's data dir from the CLI.
#   scripts/devnet.sh [p2pmq devnet options]     default: --duration 30s --dir ./devnet
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product p2pmq >&2
scripts/install-pmq.sh .build/release >/dev/null
p2pmq=$PWD/.build/release/p2pmq
dir=./devnet
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--dir" ] && dir=${args[$((i + 1))]}; done
section() { printf '\n== %s\n' "$*"; }

section "p2pmq devnet ${args[*]:-}"
status=0
"$p2pmq" devnet --duration 30s --dir "$dir" "${args[@]}" || status=$?
node="$dir/nodes/don-a-0/data"
[ -d "$node" ] || exit "$status"
section "heads on don-a-0: highest seq per topic and DON"
"$p2pmq" heads --data-dir "$node"
section "rejected reports on don-a-0 (newest 6)"
"$p2pmq" history --data-dir "$node" --verdict REJECT --limit 6 | cut -c1-200
section "audit: peers ranked by penalties on don-a-0"
"$p2pmq" audit peers --data-dir "$node" | cut -c1-200
section "audit replay: every penalty re-checked against its stored evidence"
"$p2pmq" audit replay --data-dir "$node" --dons "$dir/genesis.json" | tail -4
section "replay don-a/reports into a new validator: the recorded verdicts again"
"$p2pmq" replay --data-dir "$node" --topic don-a/reports \
    --validator-cmd "$p2pmq validator --agent \$P2PMQ_GRPC --dons $dir/genesis.json --progress 0" --validator-log "$dir/replay-validator.log"
exit "$status"
