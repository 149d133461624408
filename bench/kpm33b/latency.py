#!/usr/bin/env python3
"""What the slow messages of a TRACE=1 run waited for (stdlib only).

Usage: bench/kpm33b/latency.py target/bench/<scenario>.latency target/bench/<scenario>.pauses

The .latency file has one line per message: send time and latency in ns (System.nanoTime). The .pauses file is
the gateway's own log of GC and safepoint pauses, decorated with the same clock (timenanos); a pause is logged
when it ends. A message counts as held by a pause when the pause overlaps its time in flight.
"""
import re
import sys


def pauses(path):
    out = []
    gc = re.compile(r'^\[(\d+)ns\].*Pause .* (\d+\.\d+)ms$')
    sp = re.compile(r'^\[(\d+)ns\].*Safepoint "([^"]+)".*Total: (\d+) ns')
    with open(path) as f:
        for line in f:
            m = gc.match(line.strip())
            if m:
                end = int(m.group(1))
                out.append((end - int(float(m.group(2)) * 1e6), end, 'gc'))
                continue
            m = sp.match(line.strip())
            if m:
                end = int(m.group(1))
                out.append((end - int(m.group(3)), end, 'safepoint ' + m.group(2)))
    return sorted(out)


def main():
    msgs = []
    with open(sys.argv[1]) as f:
        for line in f:
            s, l = line.split()
            msgs.append((int(s), int(l)))
    msgs.sort()
    ps = pauses(sys.argv[2])
    lat = sorted(l for _, l in msgs)
    n = len(lat)
    p99 = lat[int(n * 0.99)]
    t0, t1 = msgs[0][0], msgs[-1][0] + msgs[-1][1]
    window = [p for p in ps if p[1] >= t0 and p[0] <= t1]
    total = sum(e - s for s, e, _ in window)
    print(f'{n} messages over {(t1 - t0) / 1e9:.1f} s; p50 {lat[n // 2] / 1e6:.3f} ms, p99 {p99 / 1e6:.3f} ms, '
          f'max {lat[-1] / 1e6:.3f} ms')
    kinds = {}
    for s, e, k in window:
        c = kinds.setdefault(k.split()[0] if k.startswith('safepoint') else k, [0, 0, 0])
        c[0] += 1
        c[1] += e - s
        c[2] = max(c[2], e - s)
    for k, (cnt, tot, mx) in sorted(kinds.items()):
        print(f'  {k}: {cnt} pauses, {tot / 1e6:.1f} ms in all ({100 * tot / (t1 - t0):.2f} % of the time), '
              f'longest {mx / 1e6:.3f} ms')
    # messages at or above the p99: how many overlapped a pause, and how the rest are spread in time
    slow = [(s, l) for s, l in msgs if l >= p99]
    j = 0
    held = 0
    gcs = [p for p in window if p[2] == 'gc']
    for s, l in slow:
        while j < len(gcs) and gcs[j][1] < s:
            j += 1
        if j < len(gcs) and gcs[j][0] <= s + l:
            held += 1
    print(f'  {len(slow)} messages at or above the p99: {held} overlapped a GC pause, {len(slow) - held} did not')
    # the slow ones per 100 ms bucket: clustered (a stall) or spread out (scheduling, hand-offs)
    buckets = {}
    for s, _ in slow:
        b = (s - t0) // 100_000_000
        buckets[b] = buckets.get(b, 0) + 1
    top = sorted(buckets.values(), reverse=True)
    print(f'  in {len(buckets)} of {int((t1 - t0) / 1e8) + 1} buckets of 100 ms; the 10 fullest hold '
          f'{sum(top[:10])}')


if __name__ == '__main__':
    main()
