#!/usr/bin/env python3
"""A small Python client of the p2pmq agent's gRPC API (grpcio), generated at run time from the
project's proto/p2pmq/api/api.proto (package `proto`, the Go p2pmq's services), so it always
matches the agent it ships with. Needs `pip install grpcio grpcio-tools`.

    p2pmq_client.py --grpc 127.0.0.1:8001 publish TOPIC TEXT
    p2pmq_client.py --grpc 127.0.0.1:8001 listen [--topic T]... [--max-rate N] [--count N]
    p2pmq_client.py --grpc 127.0.0.1:8001 validate [--reject-prefix P] [--count N]

listen and validate print one JSON line per message; validate answers ACCEPT, or REJECT for data
starting with --reject-prefix.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import queue
import sys
import tempfile
import threading

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "proto"))


def load_api():
    """Generates api_pb2 / api_pb2_grpc into a temporary directory and imports them."""
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="p2pmq-grpc-py-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rc = protoc.main(["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                      os.path.join(PROTO_ROOT, "p2pmq", "api", "api.proto")])
    if rc != 0:
        raise RuntimeError("protoc failed on api.proto")
    sys.path.insert(0, out)
    return importlib.import_module("p2pmq.api.api_pb2"), importlib.import_module("p2pmq.api.api_pb2_grpc")


pb, rpc = load_api()


def message_json(m):
    return {"message_id": m.message_id, "topic": m.topic, "data_hex": m.data.hex(), "from": getattr(m, "from"),
            "offset": m.offset, "received_ns": m.received_ns}


def publish(channel, topic: str, data: bytes) -> str:
    return rpc.ControlServiceStub(channel).Publish(pb.PublishRequest(topic=topic, data=data)).message_id


def listen(channel, topics, max_rate=0, count=None, on_message=None):
    """Yields accepted messages; stops after `count` when given."""
    stream = rpc.MsgRouterStub(channel).Listen(pb.ListenRequest(topics=topics, max_rate=max_rate))
    n = 0
    try:
        for m in stream:
            yield m
            n += 1
            if count is not None and n >= count:
                break
    finally:
        stream.cancel()


def validate(channel, decide, count=None, on_message=None):
    """Runs a validator on ValidationRouter.Handle: `decide(message) -> (result, reason)`."""
    answers: queue.Queue = queue.Queue()

    def requests():
        while True:
            item = answers.get()
            if item is None:
                return
            yield item

    stream = rpc.ValidationRouterStub(channel).Handle(requests())
    n = 0
    try:
        for m in stream:
            if count is not None and n >= count:
                continue  # done: our half of the stream is closed, the agent ends its half
            result, reason = decide(m)
            if on_message:
                on_message(m, result)
            answers.put(pb.ValidatedMessage(result=result, msg=m, reason=reason))
            n += 1
            if count is not None and n >= count:
                # Close our side after the last verdict (cancelling could drop it): the agent
                # then hands anything else to other validators and ends the stream.
                answers.put(None)
    finally:
        answers.put(None)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--grpc", default=os.environ.get("P2PMQ_GRPC", "127.0.0.1:8001"))
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("publish")
    pp.add_argument("topic")
    pp.add_argument("text")
    lp = sub.add_parser("listen")
    lp.add_argument("--topic", action="append", default=[])
    lp.add_argument("--max-rate", type=int, default=0)
    lp.add_argument("--count", type=int)
    vp = sub.add_parser("validate")
    vp.add_argument("--reject-prefix", default="")
    vp.add_argument("--count", type=int)
    args = p.parse_args()
    with grpc.insecure_channel(args.grpc) as channel:
        if args.cmd == "publish":
            print(json.dumps({"message_id": publish(channel, args.topic, args.text.encode())}))
        elif args.cmd == "listen":
            for m in listen(channel, args.topic, args.max_rate, args.count):
                print(json.dumps(message_json(m)), flush=True)
        else:
            prefix = args.reject_prefix.encode()

            def decide(m):
                if prefix and m.data.startswith(prefix):
                    return pb.REJECT, "rejected_by_prefix"
                return pb.ACCEPT, ""

            validate(channel, decide, args.count,
                     on_message=lambda m, r: print(json.dumps({**message_json(m), "verdict": pb.ValidationResult.Name(r)}), flush=True))


if __name__ == "__main__":
    main()
