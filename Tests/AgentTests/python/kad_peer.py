#!/usr/bin/env python3
"""A py-libp2p Kademlia DHT peer (libp2p.kad_dht.KadDHT, py-libp2p 0.8.1) driven over JSON lines,
for the discovery tests: a DHT implementation nobody here wrote. It runs no gossipsub.

  kad_peer.py [--mode server|client] [--bootstrap MULTIADDR]...
stdout, one JSON object per line: first {"peer_id", "addrs"}, then one answer per command.
stdin, one JSON object per line:
  {"cmd": "connect", "addr": MULTIADDR}           -> {"ok": true} once connected and in the table
  {"cmd": "find_peer", "peer": PEER_ID}           -> {"addrs": [...]} (empty: not found)
  {"cmd": "provide", "key": HEX_MULTIHASH}        -> {"ok": bool}
  {"cmd": "find_providers", "key": HEX_MULTIHASH} -> {"providers": [{"peer_id", "addrs"}]}
  {"cmd": "table"}                                -> {"peers": [...]} (the routing table)
  {"cmd": "quit"}
Exits on quit, stdin EOF or after --max-seconds. Listens on 127.0.0.1 only. py-libp2p 0.8.1
serves and asks on /ipfs/kad/1.0.0 whatever prefix it is given, so the agents under test use
the prefix /ipfs with it.
"""
import argparse

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.tools.anyio_service import background_trio_service

from driver_io import say, serve_commands


async def handle(dht, host, command):
    cmd = command.get("cmd")
    if cmd == "connect":
        info = info_from_p2p_addr(multiaddr.Multiaddr(command["addr"]))
        await host.connect(info)
        # Identify fills the peer's protocols; the table takes only DHT servers.
        for _ in range(50):
            if await dht.add_peer(info.peer_id):
                break
            await trio.sleep(0.1)
        return {"ok": True, "in_table": info.peer_id in dht.routing_table.get_peer_ids()}
    if cmd == "find_peer":
        found = await dht.find_peer(ID.from_base58(command["peer"]))
        return {"addrs": [str(a) for a in found.addrs] if found else []}
    if cmd == "provide":
        return {"ok": bool(await dht.provide(command["key"]))}
    if cmd == "find_providers":
        found = await dht.find_providers(command["key"], command.get("count", 20))
        return {"providers": [{"peer_id": p.peer_id.to_base58(), "addrs": [str(a) for a in p.addrs]} for p in found]}
    if cmd == "table":
        return {"peers": [p.to_base58() for p in dht.routing_table.get_peer_ids()]}
    return {"error": f"unknown command {cmd!r}"}


async def main(args):
    host = new_host(key_pair=create_new_key_pair())
    async with host.run(listen_addrs=[multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        dht = KadDHT(host, DHTMode.SERVER if args.mode == "server" else DHTMode.CLIENT)
        async with background_trio_service(dht):
            for addr in args.bootstrap:
                await handle(dht, host, {"cmd": "connect", "addr": addr})
            say({"peer_id": host.get_id().to_base58(), "addrs": [str(a) for a in host.get_addrs()]})
            await serve_commands(lambda command: handle(dht, host, command), args.max_seconds)

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["server", "client"], default="server")
    p.add_argument("--bootstrap", action="append", default=[])
    p.add_argument("--max-seconds", type=float, default=300)
    trio.run(main, p.parse_args())
