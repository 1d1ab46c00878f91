"""The JSON-lines side of the test drivers in this folder: answers on stdout (one object per
line, safe from several threads), commands read from stdin until {"cmd": "quit"}, EOF or a
deadline."""
import json
import os
import sys
import threading

import trio

_lock = threading.Lock()


def say(obj):
    with _lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


async def serve_commands(handle, max_seconds):
    """Reads commands and says what `await handle(command)` returns (an exception's text as
    {"error"}), until quit, EOF or `max_seconds`."""
    stdin = trio.lowlevel.FdStream(os.dup(sys.stdin.fileno()))
    buffered = b""
    with trio.move_on_after(max_seconds):
        while True:
            chunk = await stdin.receive_some(65536)
            if not chunk:
                return
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                if not line.strip():
                    continue
                command = json.loads(line)
                if command.get("cmd") == "quit":
                    return
                try:
                    say(await handle(command))
                except Exception as e:  # the test reads the error as the answer
                    say({"error": f"{type(e).__name__}: {e}"})
