#!/usr/bin/python3
"""Time per Sinkhorn iteration at n = m = 3000 (uniform points in the unit cube, d = 3, |x-y|^2,
epsilon = 0.01, uniform weights, one thread), float32 and float64, in one run: POT 0.8's default
ot.sinkhorn (Sinkhorn-Knopp with BLAS) and its sinkhorn_stabilized, against JOT's log-domain and
stored-kernel sweeps (JMH, KernelSweepsBench: the difference between 60 and 10 iterations over 50).

Needs Debian's python3-pot (run with /usr/bin/python3) and a built bench jar:
    apt-get install python3-pot
    JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -q -Pbench clean package -DskipTests
    /usr/bin/python3 bench/kernel_peers.py
"""
import json
import os
import platform
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import ot  # noqa: E402

N, D, EPS = int(os.environ.get("PEERS_N", "3000")), 3, 0.01
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read()
    bits = 512 if " avx512f" in flags else 256 if " avx2" in flags else 128
    return f"{model}, {os.cpu_count()} cores, widest vectors {bits} bits"


def per_iteration(fn, lo=10, hi=60, repeats=5):
    fn(lo)
    best_lo = min(timed(fn, lo) for _ in range(repeats))
    best_hi = min(timed(fn, hi) for _ in range(repeats))
    return (best_hi - best_lo) / (hi - lo)


def timed(fn, iters):
    t0 = time.perf_counter()
    fn(iters)
    return time.perf_counter() - t0


def main():
    rng = np.random.default_rng(42)
    results = {}
    for dtype in (np.float32, np.float64):
        x = rng.random((N, D)).astype(dtype)
        y = rng.random((N, D)).astype(dtype)
        a = np.full(N, 1.0 / N, dtype=dtype)
        b = np.full(N, 1.0 / N, dtype=dtype)
        M = ot.dist(x, y)
        name = "f32" if dtype == np.float32 else "f64"
        results[("pot_sinkhorn", name)] = per_iteration(
            lambda k: ot.sinkhorn(a, b, M, reg=EPS, numItermax=k, stopThr=0.0, warn=False))
        results[("pot_stabilized", name)] = per_iteration(
            lambda k: ot.sinkhorn(a, b, M, reg=EPS, method="sinkhorn_stabilized", numItermax=k, stopThr=0.0, warn=False))

    jar = os.path.join(root, "target", "benchmarks.jar")
    java = os.environ.get("JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    subprocess.run([java, "-jar", jar, "KernelSweepsBench", "-p", f"n={N}", "-rf", "json", "-rff", out],
                   check=True, stdout=subprocess.DEVNULL)
    jmh = {}
    for r in json.load(open(out)):
        p = r["params"]
        jmh[(p["sweeps"], p["precision"], int(p["iterations"]))] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])
    print(f"machine: {machine()}; n = m = {N}, d = {D}, eps = {EPS}, one thread; POT {ot.__version__}, numpy {np.__version__}")
    print("| precision | POT ot.sinkhorn | POT sinkhorn_stabilized | JOT log sweeps | JOT kernel sweeps | kernel / faster POT |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("f32", "f64"):
        row = []
        ms = {}
        for sw in ("log", "kernel"):
            (lo, elo), (hi, ehi) = jmh[(sw, name, 10)], jmh[(sw, name, 60)]
            ms[sw] = ((hi - lo) / 50, (ehi + elo) / 50, lo - 10 * (hi - lo) / 50)
        pot, stab = results[("pot_sinkhorn", name)] * 1e3, results[("pot_stabilized", name)] * 1e3
        print(f"| {name} | {pot:.2f} ms | {stab:.2f} ms | {ms['log'][0]:.2f} ± {ms['log'][1]:.2f} ms | "
              f"{ms['kernel'][0]:.2f} ± {ms['kernel'][1]:.2f} ms (set-up {ms['kernel'][2]:.0f} ms) | "
              f"{ms['kernel'][0] / min(pot, stab):.2f}x |")


if __name__ == "__main__":
    main()
