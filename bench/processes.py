"""Process helpers shared by the benchmarks' scripts (bench/proxy/bench.py, bench/realtime/rt.py;
standard library only): a free port, and a process's children from /proc."""
import os
import socket


def freeport():
    """Prints a free 127.0.0.1 TCP port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def children(pid):
    """The pids of `pid`'s children (of every thread), from /proc; none if it is gone."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out
