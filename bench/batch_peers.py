#!/usr/bin/python3
"""Seed 001's batch, per Sinkhorn iteration, one thread, in one run: 1024 histogram pairs of size 100 over one
100 x 100 cost (uniform points in the unit square, |x-y|^2), epsilon = 0.05, float32. POT 0.8's default
ot.sinkhorn with the 1024 targets as the columns of b (Sinkhorn-Knopp, matrix-matrix products with BLAS; POT
shares one source a, JOT solves 1024 independent pairs), against JOT's log-domain batch and its shared-kernel
products (JMH, BatchKernelBench: the difference between 60 and 10 iterations over 50).

Needs Debian's python3-pot (run with /usr/bin/python3) and a built bench jar:
    apt-get install python3-pot
    JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -q -Pbench clean package -DskipTests
    /usr/bin/python3 bench/batch_peers.py
"""
import json
import os
import subprocess
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import ot  # noqa: E402

from kernel_peers import machine, per_iteration  # noqa: E402

B, N, EPS = 1024, 100, 0.05
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(7)
x = rng.random((N, 2)).astype(np.float32)
y = rng.random((N, 2)).astype(np.float32)
M = ot.dist(x, y)
a = np.full(N, 1.0 / N, dtype=np.float32)
bs = (0.1 + rng.random((N, B))).astype(np.float32)
bs /= bs.sum(axis=0, keepdims=True)
pot = per_iteration(lambda k: ot.sinkhorn(a, bs, M, reg=EPS, numItermax=k, stopThr=0.0, warn=False))

jar = os.path.join(root, "target", "benchmarks.jar")
java = os.environ.get("JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
    out = tmp.name
log = subprocess.run([java, "-jar", jar, "BatchKernelBench", "-rf", "json", "-rff", out],
                     check=True, capture_output=True, text=True).stdout
jmh = {}
for r in json.load(open(out)):
    p = r["params"]
    jmh[(p["sweeps"], int(p["iterations"]))] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])
checks = sorted({line[line.index("check:"):] for line in log.splitlines() if "check:" in line})
print(f"machine: {machine()}; B = {B}, n = m = {N}, eps = {EPS}, f32, one thread; POT {ot.__version__}, numpy {np.__version__}")
print("| POT ot.sinkhorn, 1024 columns | JOT log sweeps | JOT shared-kernel products | kernel / POT |")
print("| ---: | ---: | ---: | ---: |")
ms = {}
for sw in ("log", "kernel"):
    (lo, elo), (hi, ehi) = jmh[(sw, 10)], jmh[(sw, 60)]
    ms[sw] = ((hi - lo) / 50, (ehi + elo) / 50, lo - 10 * (hi - lo) / 50)
print(f"| {pot * 1e3:.2f} ms | {ms['log'][0]:.2f} ± {ms['log'][1]:.2f} ms | {ms['kernel'][0]:.2f} ± {ms['kernel'][1]:.2f} ms "
      f"(set-up {ms['kernel'][2]:.0f} ms) | {ms['kernel'][0] / (pot * 1e3):.2f}x |")
for c in checks:
    print(c)
