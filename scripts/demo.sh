#!/usr/bin/env bash
# The main job, for now: builds p2pmq, generates a report log in which two DONs publish signed
# reports and a byzantine peer tampers with them, imports it, and shows heads, history and the
# audit of the misbehaving peer. (The local devnet replaces this once the agent exists.)
#   scripts/demo.sh [DATA_DIR]     default: ./demo-data (recreated)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
data=${1:-./demo-data}
swift build -c release --product p2pmq >&2
p2pmq=.build/release/p2pmq
rm -rf "$data"
mkdir -p "$data"
log="$data/generated.jsonl"
section() { printf '\n== %s\n' "$*"; }

section "generate a log: 2 DONs x 400 reports, 5 honest peers, 1 byzantine peer"
$p2pmq debug generate-log --reports 400 --out "$log" --dons-out "$data/dons" 2>&1
section "import it into $data/store"
$p2pmq import "$log" --data-dir "$data/store"
section "heads: highest accepted seq per topic and DON"
$p2pmq heads --data-dir "$data/store"
section "history: the last 8 records of don-a"
$p2pmq history --data-dir "$data/store" --don don-a --limit 8
section "history: rejected reports, as JSON (first 3)"
$p2pmq history --data-dir "$data/store" --verdict REJECT --limit 3 --json > "$data/rejected.jsonl"
cut -c1-220 "$data/rejected.jsonl"
section "audit: peers ranked by penalties"
$p2pmq audit peers --data-dir "$data/store"
worst=$($p2pmq audit peers --data-dir "$data/store" --json --limit 1 | sed -E 's/.*"peer":"([^"]+)".*/\1/')
section "audit: timeline of $worst (first 12 lines)"
$p2pmq audit peer "$worst" --data-dir "$data/store" > "$data/timeline.txt"
head -12 "$data/timeline.txt"
section "audit replay: every penalty re-checked against its stored evidence (first 8 lines)"
$p2pmq audit replay --data-dir "$data/store" --dons "$data"/dons/*.json > "$data/audit-replay.txt"
head -8 "$data/audit-replay.txt" | cut -c1-160
section "verify one report by hand"
$p2pmq don init --id demo-don --nodes 4 --out "$data/demo-don"
$p2pmq report sign --don "$data/demo-don" --topic demo --seq 1 --payload "hello" --out "$data/report.bin"
$p2pmq report verify --don "$data/demo-don" --topic demo "$data/report.bin" || true
printf '\nDone. Try: %s history --data-dir %s --help\n' "$p2pmq" "$data/store"
