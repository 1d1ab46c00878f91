#!/usr/bin/env python3
"""Reads a pubsub trace (JSON lines) with the trace.proto schema, as tools built for
go-libp2p-pubsub's JSON tracer do: compiles proto/pubsub/trace.proto with grpc_tools' protoc,
parses every line strictly (unknown fields are errors) with protobuf's json_format, and prints
one JSON object: the count of each event type, the reject reasons, and the first error if any.
Usage: read_trace.py TRACE_FILE PROTO_DIR"""
import importlib
import json
import os
import sys
import tempfile

from grpc_tools import protoc
from google.protobuf import json_format

trace_file, proto_dir = sys.argv[1], sys.argv[2]
out_dir = tempfile.mkdtemp()
status = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", os.path.join(proto_dir, "pubsub", "trace.proto")])
if status != 0:
    print(json.dumps({"error": f"protoc failed: {status}"}))
    sys.exit(1)
sys.path.insert(0, out_dir)
trace_pb2 = importlib.import_module("pubsub.trace_pb2")

counts, reasons, lines, error = {}, {}, 0, None
with open(trace_file) as f:
    for number, line in enumerate(f, 1):
        if not line.strip():
            continue
        lines += 1
        raw = json.loads(line)
        if not isinstance(raw.get("type"), int) or not isinstance(raw.get("timestamp"), int):
            error = error or f"line {number}: type and timestamp must be JSON numbers, as Go writes them"
        event = trace_pb2.TraceEvent()
        try:
            json_format.Parse(line, event, ignore_unknown_fields=False)
        except json_format.ParseError as e:
            error = error or f"line {number}: {e}"
            continue
        name = trace_pb2.TraceEvent.Type.Name(event.type)
        counts[name] = counts.get(name, 0) + 1
        if event.HasField("rejectMessage"):
            reasons[event.rejectMessage.reason] = reasons.get(event.rejectMessage.reason, 0) + 1
        if len(event.peerID) < 34:
            error = error or f"line {number}: peerID is not a peer id's bytes"
print(json.dumps({"lines": lines, "counts": counts, "reasons": reasons, "error": error}))
