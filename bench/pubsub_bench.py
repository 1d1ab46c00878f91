#!/usr/bin/env python3
"""Pubsub benchmark: delivery latency and the highest rate at which every message arrives, for a
pair and a line of 5 nodes on 127.0.0.1, with Swift nodes (`p2pmq agent --stdio`) and, as
baselines from the same run, go-libp2p nodes (PyPI `libp2p-go`) and py-libp2p nodes, all driven
through the same JSON-lines interface (../shared/interop). Every node runs gossipsub in
strict-sign mode on one topic; the first node of the line publishes 256-byte messages with its
`burst` command ("PYB1" + u32 seq + u64 send time ns + padding) and each other node reports
arrivals with `recv_ns`, so latency = recv_ns - send time (one machine, one wall clock).

  latency:  `--latency-count` messages at `--latency-rate`/s; p50/p99 at the far end of the
            topology (1 hop for the pair, 4 hops for the line).
  max rate: bursts of `--seconds` at rising `--rates`; the highest rate at which every node got
            every message is reported (stops at the first rate that loses or delays past the
            deadline).

Nodes write stdout to files (not pipes), so a slow harness never slows a node down.
Prints a table, or one JSON object with --json. Stops by itself (every node has a lifetime cap).

    swift build -c release --product p2pmq
    python3 bench/pubsub_bench.py --swift-bin .build/release/p2pmq
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

MAGIC_HEX = "50594231"  # "PYB1"


def percentile(samples, p):
    s = sorted(samples)
    if not s:
        return None
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


class Node:
    """One node process; stdout goes to a file that is parsed incrementally."""

    def __init__(self, impl, args, workdir, index, dial=None):
        self.impl = impl
        self.out_path = os.path.join(workdir, f"{impl}-{index}.jsonl")
        self.err_path = os.path.join(workdir, f"{impl}-{index}.err")
        cmd = command(impl, args)
        if dial:
            cmd += ["--dial", dial]
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.out, stderr=self.err)
        self.offset = 0
        self.partial = b""
        self.events = []
        # seq -> (send_ns, recv_ns) for bench payloads sent at or after `since_ns`
        self.arrivals = {}
        self.since_ns = 0
        first = self.wait(lambda o: "multiaddr" in o, timeout=60)
        if first is None:
            raise RuntimeError(f"{impl} node did not start: {open(self.err_path).read()[-2000:]}")
        self.multiaddr = first["multiaddr"]

    def send(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def poll(self):
        with open(self.out_path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        self.offset += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()
        for raw in lines:
            line = raw.decode(errors="replace")
            i = line.find('"data_hex":"' + MAGIC_HEX)
            if i >= 0:
                h = line[i + 12: i + 12 + 32]
                seq, sent = int(h[8:16], 16), int(h[16:32], 16)
                r = line.find('"recv_ns":')
                if r < 0 or sent < self.since_ns:
                    continue
                j = r + 10
                k = j
                while k < len(line) and line[k].isdigit():
                    k += 1
                self.arrivals.setdefault(seq, (sent, int(line[j:k])))
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            self.events.append(obj)

    def wait(self, pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll()
            for i, e in enumerate(self.events):
                if pred(e):
                    return self.events.pop(i)
            if self.proc.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def reset(self, since_ns):
        self.poll()
        self.arrivals = {}
        self.since_ns = since_ns

    def stop(self):
        try:
            self.send({"cmd": "quit"})
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


def command(impl, args):
    if impl == "swift":
        return [args.swift_bin, "agent", "--stdio", "--topic", "t", "--sign-policy", "strict-sign",
                "--log-level", "error"]
    python = os.path.join(args.interop_dir, impl, "bin", "python")
    script = os.path.join(args.scripts, f"{impl}_node.py")
    extra = ["--security", "noise"] if impl == "go" else []
    return [python, script, "--topic", "t", "--events", "--max-seconds", str(args.max_seconds)] + extra


def available(impl, args):
    if impl == "swift":
        return os.access(args.swift_bin, os.X_OK)
    return os.access(os.path.join(args.interop_dir, impl, "bin", "python"), os.X_OK)


def run_burst(nodes, count, rate, size, deadline_s):
    """Publishes from nodes[0]; returns (delivered fraction at the worst node, far-end latencies µs)."""
    start_ns = time.time_ns()
    for n in nodes[1:]:
        n.reset(start_ns)
    nodes[0].send({"cmd": "burst", "topic": "t", "count": count, "size": size, "rate": rate})
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        for n in nodes[1:]:
            n.poll()
        if all(len(n.arrivals) >= count for n in nodes[1:]):
            break
        time.sleep(0.05)
    worst = min(len(n.arrivals) for n in nodes[1:]) / count if count else 1.0
    far = nodes[-1]
    latencies = [(recv - sent) / 1000 for sent, recv in far.arrivals.values()]
    return worst, latencies


def bench_topology(impl, size_nodes, args, workdir):
    nodes = []
    try:
        for i in range(size_nodes):
            nodes.append(Node(impl, args, workdir, i, dial=nodes[-1].multiaddr if nodes else None))
        # Meshes form at the heartbeats (1 s); warm up until a message crosses the whole line.
        time.sleep(2)
        ready = False
        for _ in range(10):
            got, _ = run_burst(nodes, 5, 50, args.size, 3)
            if got == 1.0:
                ready = True
                break
        if not ready:
            return {"error": "the mesh did not form: warm-up messages did not reach every node"}
        delivered, lat = run_burst(nodes, args.latency_count, args.latency_rate, args.size,
                                   args.latency_count / args.latency_rate + 10)
        result = {
            "latency_rate": args.latency_rate,
            "latency_delivered": round(delivered, 4),
            "p50_us": round(percentile(lat, 50) or 0, 1),
            "p99_us": round(percentile(lat, 99) or 0, 1),
            "max_full_rate": 0,
            "rates_tried": {},
        }
        for rate in args.rates:
            count = int(rate * args.seconds)
            delivered, lat = run_burst(nodes, count, rate, args.size, args.seconds + args.grace)
            result["rates_tried"][rate] = round(delivered, 4)
            if delivered < 1.0:
                break
            result["max_full_rate"] = rate
            result[f"p99_us_at_{rate}"] = round(percentile(lat, 99) or 0, 1)
        return result
    except Exception as e:  # noqa: BLE001 - reported as the row's error
        return {"error": str(e)}
    finally:
        for n in nodes:
            n.stop()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swift-bin", default=os.path.join(here, "..", ".build", "release", "p2pmq"))
    p.add_argument("--interop-dir", default=os.environ.get("P2PMQ_INTEROP_DIR", "/tmp/p2pmq-interop"))
    p.add_argument("--scripts", default=os.environ.get("P2PMQ_INTEROP_SCRIPTS", os.path.join(here, "..", "..", "shared", "interop")))
    p.add_argument("--impls", default="swift,go,py")
    p.add_argument("--topologies", default="2,5", help="node counts: 2 = pair, 5 = line of 5")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--latency-count", type=int, default=500)
    p.add_argument("--latency-rate", type=float, default=100)
    p.add_argument("--rates", default="100,200,500,1000,2000,5000,10000,20000")
    p.add_argument("--seconds", type=float, default=2, help="length of each rate step")
    p.add_argument("--grace", type=float, default=5, help="seconds after a step's end for stragglers")
    p.add_argument("--max-seconds", type=int, default=600, help="lifetime cap of reference nodes")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    args.rates = [int(r) for r in args.rates.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="p2pmq-pubsub-bench-") as workdir:
        for impl in args.impls.split(","):
            if not available(impl, args):
                results[impl] = {"skipped": "not installed (scripts/test.sh sets up the reference peers)"}
                continue
            for n in [int(x) for x in args.topologies.split(",")]:
                name = "pair" if n == 2 else f"line of {n}"
                if not args.json:
                    print(f"... {impl} {name}", file=sys.stderr, flush=True)
                results.setdefault(impl, {})[name] = bench_topology(impl, n, args, workdir)
    if args.json:
        print(json.dumps(results))
        return
    print(f"pubsub benchmark: {args.size}-byte messages, strict-sign, 127.0.0.1; latency at {args.latency_rate:g} msg/s at the far end")
    print(f"{'impl':<6} {'topology':<10} {'p50 µs':>10} {'p99 µs':>10} {'max 100% rate/s':>16}  rates tried (fraction delivered)")
    for impl, rows in results.items():
        if "skipped" in rows:
            print(f"{impl:<6} skipped: {rows['skipped']}")
            continue
        for name, r in rows.items():
            if "error" in r:
                print(f"{impl:<6} {name:<10} error: {r['error']}")
                continue
            tried = " ".join(f"{k}:{v}" for k, v in r["rates_tried"].items())
            print(f"{impl:<6} {name:<10} {r['p50_us']:>10} {r['p99_us']:>10} {r['max_full_rate']:>16}  {tried}")


if __name__ == "__main__":
    main()
