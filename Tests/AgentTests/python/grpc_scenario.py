#!/usr/bin/env python3
"""Drives two agents through their gRPC APIs with Python grpcio (clients/python/p2pmq_client.py):
a validator on A (REJECT for data starting with b"bad"), a listener on A with topics and
max_rate, a listener on another topic, 10 good and 2 bad messages published on B, an oversize
publish. Prints one JSON object with what happened. Stops by itself (timeouts everywhere)."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "clients", "python"))
import grpc  # noqa: E402
import p2pmq_client as c  # noqa: E402

grpc_a, grpc_b, topic = sys.argv[1], sys.argv[2], sys.argv[3]
result = {"judged": [], "listened": [], "listen_times": [], "other_topic": []}


def validator():
    with grpc.insecure_channel(grpc_a) as ch:
        def decide(m):
            return (c.pb.REJECT, "bad_report") if m.data.startswith(b"bad") else (c.pb.ACCEPT, "")
        c.validate(ch, decide, count=12, on_message=lambda m, r: result["judged"].append(m.data.decode()))


def listener():
    with grpc.insecure_channel(grpc_a) as ch:
        for m in c.listen(ch, [topic], max_rate=5, count=10):
            result["listened"].append(m.data.decode())
            result["listen_times"].append(time.monotonic())
            result.setdefault("offsets", []).append(m.offset)


def other():
    with grpc.insecure_channel(grpc_a) as ch:
        try:
            for m in c.listen(ch, ["some-other-topic"]):
                result["other_topic"].append(m.data.decode())
        except grpc.RpcError:
            pass


threads = [threading.Thread(target=f, daemon=True) for f in (validator, listener, other)]
for t in threads:
    t.start()
time.sleep(1.0)  # validator and listeners connected
with grpc.insecure_channel(grpc_b) as ch:
    for i in range(10):
        c.publish(ch, topic, f"good {i}".encode())
        if i in (3, 7):
            c.publish(ch, topic, f"bad {i}".encode())
    try:
        c.publish(ch, topic, b"x" * (2 << 20))
        result["oversize"] = "accepted"
    except grpc.RpcError as e:
        result["oversize"] = e.code().name
for t in threads[:2]:
    t.join(timeout=20)
times = result.pop("listen_times")
result["listen_span_s"] = times[-1] - times[0] if len(times) > 1 else 0
print(json.dumps(result))
