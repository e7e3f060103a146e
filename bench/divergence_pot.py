#!/usr/bin/env python3
"""JOT's divergences beside values built from POT (Debian's python3-pot), on the same files.

    /usr/bin/python3 bench/divergence_pot.py X.npy Y.npy EPSILON

Prints the debiased S_eps (OT_eps terms = <P,M> + eps*KL(P|a x b) of POT's log-domain plans), the
Genevay loss 2W(a,b) - W(a,a) - W(b,b) (W = <P,M>), POT's empirical_sinkhorn_divergence (half the
Genevay value), and JOT's two values from `bin/jot divergence --json` in f64.
"""
import json
import os
import subprocess
import sys

import numpy as np
import ot

x = np.load(sys.argv[1])
y = np.load(sys.argv[2])
eps = float(sys.argv[3])
a = np.ones(len(x)) / len(x)
b = np.ones(len(y)) / len(y)


def plan(p, q, m):
    return ot.sinkhorn(p, q, m, eps, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)


def ot_eps(p, q, m):
    P = plan(p, q, m)
    nz = P > 0
    return (P * m).sum() + eps * (P[nz] * np.log(P[nz] / np.outer(p, q)[nz])).sum()


def w(p, q, m):
    return (plan(p, q, m) * m).sum()


mxy, mxx, myy = ot.dist(x, y), ot.dist(x, x), ot.dist(y, y)
debiased = ot_eps(a, b, mxy) - 0.5 * ot_eps(a, a, mxx) - 0.5 * ot_eps(b, b, myy)
genevay = 2 * w(a, b, mxy) - w(a, a, mxx) - w(b, b, myy)
pot = ot.bregman.empirical_sinkhorn_divergence(x, y, eps, a, b, numIterMax=100000, stopThr=1e-13)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def jot(loss):
    out = subprocess.run([os.path.join(root, "bin", "jot"), "divergence", "--x", sys.argv[1], "--y", sys.argv[2],
                          "--epsilon", str(eps), "--precision", "f64", "--tol", "1e-12", "--max-iter", "100000",
                          "--loss", loss, "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["value"]


jd, jg = jot("debiased"), jot("genevay")
print(f"debiased S_eps: POT-built {debiased:.12f}  JOT {jd:.12f}  rel diff {abs(jd - debiased) / abs(debiased):.1e}")
print(f"genevay:        POT-built {genevay:.12f}  JOT {jg:.12f}  rel diff {abs(jg - genevay) / abs(genevay):.1e}")
print(f"POT empirical_sinkhorn_divergence {pot:.12f} = genevay / 2 ({genevay / 2:.12f})")
