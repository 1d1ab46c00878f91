#!/usr/bin/env python3
"""Baseline for `p2pmq-bench host`: two go-libp2p hosts (PyPI `libp2p-go`, ctypes over go-libp2p
v0.24.2) in one process on 127.0.0.1, Noise + yamux like the Swift pair. Measures round trips of
32-byte echoes on one stream (the wheel's ping service cannot find peers: its peer store calls
fail, so the echo is driven from Python and each round trip includes two calls into Go, whose
cost is measured and reported too) and single-stream throughput (64 KiB writes into a sink that
answers one byte at the end). Prints one JSON line.

Run with the venv made by ../shared/interop/setup.sh:
    /tmp/p2pmq-interop/go/bin/python bench/go_host_baseline.py --pings 1000 --mib 256
"""
import argparse
import asyncio
import json
import time

from libp2p.crypto import KeyType, crypto_generate_keypair
from libp2p.main import DisableRelay, Host, Identity, ListenAddrStrings, MuxerYamux, Ping, SecurityNoise
from libp2p.peer import addr_info_from_p2p_addr
from libp2p.utils import GoString

SINK = "/p2pmq/bench/sink/1"
ECHO = "/p2pmq/bench/echo/1"


def make_host(loop):
    priv, _ = crypto_generate_keypair(KeyType.Ed25519, 0)
    return Host(ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), Identity(priv), DisableRelay(), Ping(True),
                SecurityNoise(), MuxerYamux(GoString.new("/yamux/1.0.0")), loop=loop)


def percentile(samples, p):
    s = sorted(samples)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


async def main(args):
    loop = asyncio.get_running_loop()
    server, client = make_host(loop), make_host(loop)

    # Both handlers learn up front how much will come: reading at end-of-stream is unreliable in
    # this binding, so neither side ever reads past what the other sends.
    async def read_exactly(stream, count):
        got = bytearray()
        while len(got) < count:
            n, data = await stream.read_bytes(min(65536, count - len(got)))
            got += data[:n]
        return bytes(got)

    async def sink(stream):
        total = int.from_bytes(await read_exactly(stream, 8), "big")
        remaining = total
        while remaining > 0:
            n, _ = await stream.read_bytes(min(65536, remaining))
            remaining -= n
        await stream.write(b"k")

    async def echo(stream):
        count = int.from_bytes(await read_exactly(stream, 8), "big")
        for _ in range(count):
            await stream.write(await read_exactly(stream, 32))

    server.set_stream_handler(SINK, sink)
    server.set_stream_handler(ECHO, echo)
    addr = f"{server.network.listen_addresses()[0]}/p2p/{server.id.string}"
    await client.connect(addr_info_from_p2p_addr(addr))
    rtts = []
    stream = await client.new_stream(server.id, ECHO)
    await stream.write(args.pings.to_bytes(8, "big"))
    message = bytes(range(32))
    for _ in range(args.pings):
        start = time.perf_counter_ns()
        await stream.write(message)
        await read_exactly(stream, 32)
        rtts.append((time.perf_counter_ns() - start) / 1e6)
    # What one call into Go costs from this driver (a stream id lookup), for reading the RTTs.
    start = time.perf_counter_ns()
    for _ in range(1000):
        Stream_id = type(stream)._ID(stream.handle)
    call_us = (time.perf_counter_ns() - start) / 1000 / 1e3

    payload = bytes(64 * 1024)
    chunks = args.mib * 16
    stream = await client.new_stream(server.id, SINK)
    start = time.perf_counter()
    await stream.write((chunks * len(payload)).to_bytes(8, "big"))
    for _ in range(chunks):
        await stream.write(payload)
    await read_exactly(stream, 1)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "go-libp2p v0.24.2 (libp2p-go wheel)",
        "pings": len(rtts),
        "rtt_p50_ms": percentile(rtts, 50),
        "rtt_p99_ms": percentile(rtts, 99),
        "driver_call_us": call_us,
        "throughput_mib_s": args.mib / seconds,
    }), flush=True)
    await client.close()
    await server.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--pings", type=int, default=1000)
    p.add_argument("--mib", type=int, default=256)
    asyncio.run(main(p.parse_args()))
