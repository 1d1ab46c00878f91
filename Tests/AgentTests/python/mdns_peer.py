#!/usr/bin/env python3
"""A py-libp2p host with its mDNS discovery on (libp2p.discovery.mdns, py-libp2p 0.8.1, which
uses python-zeroconf), driven over JSON lines, for the mDNS tests: an mDNS implementation nobody
here wrote. Run it inside a network namespace: mDNS multicasts on every interface it finds.

  mdns_peer.py --listen MULTIADDR [--max-seconds N]
stdout, one JSON object per line: first {"peer_id", "addrs"}, then
  {"event": "found", "peer_id", "addrs"} for every peer its mDNS discovers, and one answer per
  command.
stdin, one JSON object per line:
  {"cmd": "peers"}  -> {"connected": [PEER_ID...]} (peers with an open connection)
  {"cmd": "quit"}
Exits on quit, stdin EOF or after --max-seconds.
"""
import argparse
import threading

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.discovery.events.peerDiscovery import peerDiscovery

from driver_io import say, serve_commands

lock = threading.Lock()
# Peers found before the first line is out wait here: the first line must say who we are.
early = []
ready = False


def found(info):
    event = {"event": "found", "peer_id": info.peer_id.to_base58(), "addrs": [str(a) for a in info.addrs]}
    with lock:
        if not ready:
            early.append(event)
            return
    say(event)


async def main(args):
    host = new_host(key_pair=create_new_key_pair(), enable_mDNS=True)
    peerDiscovery.register_peer_discovered_handler(found)
    async with host.run(listen_addrs=[multiaddr.Multiaddr(args.listen)]):
        global ready
        say({"peer_id": host.get_id().to_base58(), "addrs": [str(a) for a in host.get_addrs()]})
        with lock:
            ready = True
            pending = list(early)
        for event in pending:
            say(event)
        async def handle(command):
            if command.get("cmd") == "peers":
                return {"connected": [p.to_base58() for p in host.get_network().connections.keys()]}
            return {"error": f"unknown command {command.get('cmd')!r}"}

        await serve_commands(handle, args.max_seconds)

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--max-seconds", type=float, default=120)
    trio.run(main, parser.parse_args())
