#!/usr/bin/env python3
"""POT's C++ network simplex (ot.emd2, Debian's python3-pot) on EmdBench's problems, timed the same way.

    /usr/bin/python3 bench/emd_pot.py [n ...]        (default 1000 2000 5000)

The points come from the same 64-bit LCG as EmdBench (uniform in the unit square, x with seed 1, y with
seed 2), so the costs printed here and by JOT must agree; prints the best of 3 runs after a warm-up.
"""
import sys
import time

import numpy as np
import ot

MASK = (1 << 64) - 1


def points(n, seed):
    out = np.empty(2 * n)
    s = seed
    for k in range(2 * n):
        s = (s * 6364136223846793005 + 1442695040888963407) & MASK
        out[k] = (s >> 11) * 2.0 ** -53
    return out.reshape(n, 2)


for n in [int(a) for a in sys.argv[1:]] or [1000, 2000, 5000]:
    x, y = points(n, 1), points(n, 2)
    m = ot.dist(x, y)
    a = np.ones(n) / n
    ot.emd2(a, a, m, numItermax=10**9)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        cost = ot.emd2(a, a, m, numItermax=10**9)
        times.append(time.perf_counter() - t0)
    print(f"n = {n}: POT {ot.__version__} ot.emd2 cost {cost:.12f}, best of 3: {1000 * min(times):.1f} ms")
