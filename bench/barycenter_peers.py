#!/usr/bin/python3
"""The 5 x 5 convolutional barycenters of jot example barycenters (a disc, a ring, a cross and a square, 64 x 64
pixels on [0, 1]^2, epsilon = reg = 0.004, bilinear weights, one thread) beside POT 0.8's
ot.bregman.convolutional_barycenter2d on the same images, with both of its methods ('sinkhorn', scaling with
einsum products, and 'sinkhorn_log'), in the same run. The shapes are drawn here with the formulas of
BarycenterExample.shape. Stopping rules differ: POT stops when the sum of the pixels' standard deviations of the
plans' column marginals is below 1e-4 (checked every 10 iterations); JOT when the largest L1 row error of the plans
is below 1e-4 (checked every iteration); the iteration counts are printed.

Needs Debian's python3-pot (run with /usr/bin/python3) and bin/jot (it builds the jar):
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/barycenter_peers.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import ot  # noqa: E402

N, REG = 64, 0.004
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shape(k, n=N):
    c, s = (n - 1) / 2.0, n / 64.0
    r, col = np.mgrid[0:n, 0:n]
    dy, dx = r - c, col - c
    rad = np.hypot(dx, dy)
    m = [rad <= 20 * s,
         (rad <= 24 * s) & (rad >= 16 * s),
         ((abs(dx) <= 6 * s) & (abs(dy) <= 24 * s)) | ((abs(dy) <= 6 * s) & (abs(dx) <= 24 * s)),
         (abs(dx) <= 18 * s) & (abs(dy) <= 18 * s)][k]
    return m.astype(np.float64)


A = np.stack([shape(k) for k in range(4)])
A /= A.sum(axis=(1, 2), keepdims=True)


def pot(method):
    its = []
    t0 = time.perf_counter()
    for i in range(5):
        for j in range(5):
            s, t = j / 4, i / 4
            w = np.array([(1 - s) * (1 - t), s * (1 - t), (1 - s) * t, s * t])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, log = ot.bregman.convolutional_barycenter2d(A, REG, w, method=method, log=True)
            its.append(int(log["niter"]) + 1)
    return time.perf_counter() - t0, its


def jot(rounds):
    out = tempfile.mkdtemp(prefix="jot-bary-")
    p = subprocess.run([os.path.join(root, "bin", "jot"), "example", "barycenters", "--rounds", str(rounds), "--out", out],
                       capture_output=True, text=True, check=True)
    times = [float(x) for x in re.findall(r"([0-9.]+) s", p.stdout.splitlines()[-1])]
    its = [int(x) for line in p.stdout.splitlines() if "iterations:" in line for x in re.findall(r"\d+", line.split(":")[1])]
    return times, its


pot_times = {m: pot(m) for m in ("sinkhorn", "sinkhorn_log")}
jot_times, jot_its = jot(5)
best = min(jot_times)
res = {"pot_version": ot.__version__, "size": N, "reg": REG,
       "pot_sinkhorn_s": round(pot_times["sinkhorn"][0], 3), "pot_sinkhorn_iterations": sum(pot_times["sinkhorn"][1]),
       "pot_sinkhorn_log_s": round(pot_times["sinkhorn_log"][0], 3),
       "jot_rounds_s": jot_times, "jot_best_s": best, "jot_iterations": sum(jot_its),
       "jot_over_pot_sinkhorn": round(best / pot_times["sinkhorn"][0], 3),
       "jot_first_round_over_pot_sinkhorn": round(jot_times[0] / pot_times["sinkhorn"][0], 3)}
print(json.dumps(res, indent=1))
