#!/usr/bin/env python3
"""Drives tern's human monitor over a unix socket for tests/monitor/run-tap.sh.

usage: monclient.py SOCKET OUTDIR CMD...
Connects (retrying while tern starts), waits for the "(tern) " prompt, sends
each command and writes what it printed (echo and prompt removed) to
OUTDIR/N.out, N counting from 1. "quit" is sent last without waiting for a
prompt. Exits 1 if the monitor stops answering.
"""
import os
import re
import socket
import sys
import time

PROMPT = b"(tern) "
CONNECT_TRIES = 200
TIMEOUT_S = 30
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def main():
    path, outdir, cmds = sys.argv[1], sys.argv[2], sys.argv[3:]
    s = socket.socket(socket.AF_UNIX)
    for _ in range(CONNECT_TRIES):
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    else:
        print("cannot connect to " + path, file=sys.stderr)
        return 1
    s.settimeout(TIMEOUT_S)
    buf = b""

    def until_prompt():
        nonlocal buf
        while PROMPT not in buf:
            data = s.recv(65536)
            if not data:
                raise EOFError("monitor closed the connection")
            buf += data
        out, _, buf = buf.partition(PROMPT)
        return ANSI.sub("", out.decode(errors="replace")).replace("\r", "")

    until_prompt()
    for i, cmd in enumerate(cmds, 1):
        s.sendall(cmd.encode() + b"\r")
        if cmd in ("quit", "q"):
            break
        out = until_prompt()
        # the first line is the echo of the command
        out = out.split("\n", 1)[1] if "\n" in out else ""
        with open(os.path.join(outdir, "%d.out" % i), "w") as f:
            f.write(out)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
