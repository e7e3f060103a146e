#!/usr/bin/python3
"""One log-domain Sinkhorn iteration on n = m = 5000 points in 3-D (uniform in the unit cube, squared
Euclidean cost, epsilon = 0.01, float32, one thread): POT 0.8's ot.sinkhorn(method="sinkhorn_log"), a
PyTorch logsumexp loop, and JOT's JMH benchmark, measured in the same run.

Needs Debian's python3-pot and python3-torch (run with /usr/bin/python3) and a built bench jar:
    apt-get install python3-pot python3-torch
    JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -q -Pbench package -DskipTests
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/peers.py
"""
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import ot  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
N, D, EPS = int(os.environ.get("PEERS_N", "5000")), 3, 0.01
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rng = np.random.default_rng(42)
x = rng.random((N, D)).astype(np.float32)
y = rng.random((N, D)).astype(np.float32)
a = np.full(N, 1.0 / N, dtype=np.float32)
b = np.full(N, 1.0 / N, dtype=np.float32)
M = ot.dist(x, y)  # |x - y|^2, not halved


def best_per_iteration(run, iters, repeats):
    run(1)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(iters)
        best = min(best, (time.perf_counter() - t0) / iters)
    return best


def pot(iters):
    ot.sinkhorn(a, b, M, reg=EPS, method="sinkhorn_log", numItermax=iters, stopThr=0.0, warn=False)


Ct = torch.from_numpy(M)
la = torch.log(torch.from_numpy(a))
lb = torch.log(torch.from_numpy(b))


def torch_loop(iters):
    f = torch.zeros(N)
    g = torch.zeros(N)
    with torch.no_grad():
        for _ in range(iters):
            f = -EPS * torch.logsumexp(lb[None, :] + (g[None, :] - Ct) / EPS, dim=1)
            g = -EPS * torch.logsumexp(la[:, None] + (f[:, None] - Ct) / EPS, dim=0)
    return f, g


t_pot = best_per_iteration(pot, 5, 3)
t_torch = best_per_iteration(torch_loop, 5, 3)
jar = os.path.join(root, "target", "benchmarks.jar")
java = os.environ.get("JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
out = os.path.join(root, "bench", "out", "peers-jot.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
subprocess.run([java, "-jar", jar, "SinkhornIterationBench", "-p", f"n={N}", "-p", "precision=f32", "-p", "threads=1",
                "-p", "kernels=vector", "-rf", "json", "-rff", out], check=True, stdout=subprocess.DEVNULL)
res = json.load(open(out))[0]["primaryMetric"]
t_jot, err = res["score"] / 1e3, res["scoreError"] / 1e3
print(f"one log-domain iteration, n = m = {N}, d = {D}, epsilon = {EPS}, float32, 1 thread")
print(f"  POT {ot.__version__} ot.sinkhorn(method='sinkhorn_log'): {1e3 * t_pot:9.2f} ms")
print(f"  PyTorch {torch.__version__} logsumexp loop:            {1e3 * t_torch:9.2f} ms")
print(f"  JOT (JMH, vector kernels):                   {1e3 * t_jot:9.2f} ± {1e3 * err:.2f} ms")
print(f"  JOT is {t_pot / t_jot:.1f}x faster than POT and {t_torch / t_jot:.1f}x faster than PyTorch")
