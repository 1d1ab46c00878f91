#!/usr/bin/env bash
# The reliability suite (issue 9): 3 DONs x 4 agents, each with its validator, on 12 separate
# network stacks (../shared/netns/cluster.sh test hosts, 10.77.0.2-13), report producers as in the
# devnet; hostile peers on hosts 14 and 15. Agents' gRPC is on Unix sockets, so the devnet keeps
# control of them while hosts are cut off. Needs root and iproute2.
#   scripts/reliability.sh [short|long]        short: CI (~8 min); long: by hand (~15 min)
# Scenarios (each a `p2pmq devnet` run; its summary.json under $RELIABILITY_DIR/<scenario>/):
#   baseline   no faults: the reference for latency
#   partition  don-b's four hosts cut off for 30 s while reports flow, then healed: within 30 s of
#              the heal every honest node holds every report (gossip and range sync); no honest
#              peer penalized
#   churn      a random agent SIGKILLed and restarted every 5 s (long: for 2 minutes); no report any
#              agent acknowledged (durability sync) is missing, logs dense, heads agree
#   attack     two p2pmq-hostile peers: forged and under-quorum reports, stale replays,
#              unrealistic seqs, IHAVE/IWANT floods, GRAFT in backoff, oversize and garbage
#              frames, subscription spam, raw TCP garbage, a lying sync server, provider-record
#              floods and a lying DHT server (issue 18). Delivery 100 %,
#              honest p99 within 2x of baseline, each hostile peer below graylist on every honest
#              node with penalties naming the reason
#   floods     one agent pair per flood kind (long: 20 s each), the agents' peak RSS against the
#              same pair without a flood
# Then a table: delivered %, p50/p99 latency, CPU per agent, peak RSS, penalties by reason (of
# honest peers / of attackers), acknowledged reports lost. Exit status 1 if a promise failed.
# Env: P2PMQ_BIN (default .build/release/p2pmq, built if missing; p2pmq-hostile beside it),
# RELIABILITY_DIR (default /tmp/p2pmq-reliability), RELIABILITY_RATE (reports/s per DON, default
# 10; CI runs the debug build at 5), CLUSTER_PREFIX (default p2r),
# P2PMQ_CLUSTER (default ../shared/netns/cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
form=${1:-long}
case "$form" in short|long) ;; *) echo "usage: scripts/reliability.sh [short|long]" >&2; exit 2 ;; esac
cluster=${P2PMQ_CLUSTER:-$(cd .. && pwd)/shared/netns/cluster.sh}
[ -f "$cluster" ] || { echo "no cluster.sh at $cluster (set P2PMQ_CLUSTER)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "the reliability suite needs root (network namespaces)" >&2; exit 2; }
export CLUSTER_PREFIX=${CLUSTER_PREFIX:-p2r}
p2pmq=${P2PMQ_BIN:-$PWD/.build/release/p2pmq}
if [ ! -x "$p2pmq" ] || [ ! -x "$(dirname "$p2pmq")/p2pmq-hostile" ]; then
  echo "building p2pmq and p2pmq-hostile (release)" >&2
  swift build -c release --product p2pmq >&2
  swift build -c release --product p2pmq-hostile >&2
fi
dir=${RELIABILITY_DIR:-/tmp/p2pmq-reliability}
rm -rf "$dir"
mkdir -p "$dir"
bash "$cluster" down "$CLUSTER_PREFIX" 2>/dev/null || true
trap 'bash "$cluster" down "$CLUSTER_PREFIX"' EXIT
bash "$cluster" up 16 "$CLUSTER_PREFIX"

if [ "$form" = short ]; then
  base=30s; part_at=5s; part_run=50s; churn_run=40s; attack_run=30s; flood_run=8s
else
  base=60s; part_at=10s; part_run=60s; churn_run=130s; attack_run=60s; flood_run=20s
fi
rate=${RELIABILITY_RATE:-10}
common=(--cluster "$cluster" --byzantine 0 --no-late-joiner --rate "$rate")
status=0
run() {  # name, devnet args...
  local name=$1; shift
  echo "== $name: p2pmq devnet $*"
  if "$p2pmq" devnet "${common[@]}" --dir "$dir/$name" "$@" > "$dir/$name.txt" 2> "$dir/$name.progress"; then
    echo "   ok"
  else
    echo "   FAILED (a promise broke): see $dir/$name.txt"
    status=1
  fi
  grep -E "partition:|churn:|acknowledged reports|every hostile peer|honest peers penalized|latency" "$dir/$name.txt" | sed 's/^/   /' || true
}
run baseline --duration "$base"
run partition --partition "don-b@$part_at+30s" --duration "$part_run"
run churn --churn 5s --duration "$churn_run"
run attack --hostile 2 --duration "$attack_run"
# Floods, one kind at a time, against a small network (1 DON x 2 agents, one hostile peer turning
# every 20 ms): the memory an agent needs under each.
for kind in none ihave_flood iwant_flood subscription_spam oversize_frame garbage_frame graft_backoff forged_signature lying_sync dht_provider_flood dht_lies; do
  if [ "$kind" = none ]; then extra=(); else extra=(--hostile 1 --hostile-attacks "$kind" --hostile-interval-ms 20); fi
  # Judged by memory only: one kind alone need not take a peer below graylist (one lie in sync
  # does not), so the devnet's own verdict is not the flood's.
  "$p2pmq" devnet "${common[@]}" --scheme ed25519 --dons 1 --nodes 2 --duration "$flood_run" --dir "$dir/flood-$kind" "${extra[@]}" \
      > "$dir/flood-$kind.txt" 2> "$dir/flood-$kind.progress" || true
  [ -f "$dir/flood-$kind/summary.json" ] || { echo "   flood $kind: no summary, see $dir/flood-$kind.progress"; status=1; }
done

python3 - "$dir" "$form" <<'PY' || status=1
import json, os, sys
d, form = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(d, name, "summary.json")
    return json.load(open(p)) if os.path.exists(p) else None
def reasons(s, who):
    r = (s.get("penalties_by_reason") or {}).get(who) or {}
    return ", ".join(f"{k} {v}" for k, v in sorted(r.items())) or "none"
rows, ok = [], True
base = load("baseline")
base_p99 = base["latency_ms"]["p99"] if base else None
print("\nscenario    delivered  p50 ms   p99 ms  CPU s/agent  peak RSS MiB  lost  ok   penalties of honest peers | of attackers")
for name in ["baseline", "partition", "churn", "attack"]:
    s = load(name)
    if s is None:
        print(f"{name:<11} no summary"); ok = False; continue
    lat = s["latency_ms"]
    rss = (s.get("peak_rss_kib") or {}).get("max") or 0
    good = bool(s.get("ok"))
    note = ""
    if name == "attack" and base_p99:
        ratio = lat["p99"] / base_p99
        note = f"  (p99 {ratio:.2f}x baseline)"
        if ratio > 2:
            note += " OVER 2x"
            # The short form's 30 s runs give a p99 that one burst moves (see docs/RELIABILITY.md):
            # printed there, a promise of the long form only.
            if form == "long": good = False
            else: note += " (not enforced in the short form)"
    if name == "partition":
        p = s.get("partition") or {}
        note = f"  (converged {p.get('converged_after_heal_s', float('nan')):.1f} s after the heal)" if p.get("converged_after_heal_s") is not None else "  (DID NOT converge)"
    ok = ok and good
    print(f"{name:<11} {s['delivered_percent']:>8.1f}% {lat['p50']:>7.1f} {lat['p99']:>8.1f} {s['cpu_seconds_per_agent']:>11.2f} {rss/1024:>13.1f} {s.get('records_lost', 0):>5}  {'yes' if good else 'NO '}  {reasons(s, 'honest')} | {reasons(s, 'attackers')}{note}")
print("\nflood (1 DON x 2 agents)   peak RSS MiB (max agent)   vs no flood   graylisted  penalties recorded")
none = load("flood-none")
none_rss = ((none or {}).get("peak_rss_kib") or {}).get("max") or 0
for kind in ["none", "ihave_flood", "iwant_flood", "subscription_spam", "oversize_frame", "garbage_frame", "graft_backoff", "forged_signature", "lying_sync", "dht_provider_flood", "dht_lies"]:
    s = load("flood-" + kind)
    if s is None:
        print(f"{kind:<26} no summary"); ok = False; continue
    rss = (s.get("peak_rss_kib") or {}).get("max") or 0
    sent = sum(sum((p.get("sent") or {}).values()) for p in (s.get("hostile") or {}).get("peers", []))
    gray = (s.get("hostile") or {}).get("graylisted_on_every_node")
    print(f"{kind:<26} {rss/1024:>10.1f} {('%+.1f' % ((rss - none_rss) / 1024)) if kind != 'none' else '':>16}   {'' if gray is None else ('yes' if gray else 'no'):>10}  {reasons(s, 'attackers')}{'' if kind == 'none' else f'  ({sent} sent)'}")
sys.exit(0 if ok else 1)
PY
exit $status
