#!/usr/bin/env python3
"""System calls per message, per thread, from `perf trace -s` over a fixed load (run.sh SYSCALLS=1).

usage: syscalls.py <perf trace -s output> <messages in the window>
Threads are grouped by name without trailing numbers (the four Netty loops are one line); each line gives the
thread group's calls per message and its five most frequent calls.
"""
import collections
import re
import sys


def main(path, messages):
    text = open(path, encoding="utf-8", errors="replace").read()
    groups = collections.defaultdict(collections.Counter)
    for block in re.split(r"\n (?=\S.*\(\d+\), \d+ events)", text):
        head = re.match(r"\s*(.*?) \((\d+)\), \d+ events", block)
        if not head:
            continue
        name = re.sub(r"[-\d]+$", "", head.group(1)).strip()
        # rows: syscall, calls, errors, total ms, ...
        for call, n in re.findall(r"^\s+(\w+)\s+(\d+)\s+\d+\s+[\d.]+", block, re.M):
            groups[name][call] += int(n)
    total = sum(sum(c.values()) for c in groups.values())
    print(f"  system calls per message: {total / messages:.2f} ({total} over {messages} messages)")
    for name, calls in sorted(groups.items(), key=lambda g: -sum(g[1].values())):
        n = sum(calls.values()) / messages
        if n < 0.01:
            continue
        top = ", ".join(f"{c} {v / messages:.2f}" for c, v in calls.most_common(5) if v / messages >= 0.01)
        print(f"  {name:30s} {n:5.2f}  {top}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
