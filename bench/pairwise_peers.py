#!/usr/bin/python3
"""Issue 19's speed setting, in one run: N = 1000 histograms of 100 bins (0.1 + U(0, 1), normalised) over one
100 x 100 cost (|x-y|^2 between uniform points of the unit square), eps = 0.05, tolerance 1e-6.

- POT: ot.sinkhorn2 (its default Sinkhorn-Knopp, float64, stopThr 1e-6) in a Python loop over a sample of 2,000 of
  the 499,500 pairs i < j, one thread (OMP/OpenBLAS/MKL_NUM_THREADS=1).
- JOT, JMH (PairwiseBench, -f 1): an op is the symmetric matrix of the first 128 of the same histograms (8,256
  problems) through dev.jot.pairwise.Pairwise, on one and two threads.
- JOT, the whole matrix (499,500 pairs and the diagonal): `bin/jot pairwise --json` on one and two threads, its own
  problems_per_second (the solve's wall time: start-up, reading and writing not counted); and the largest relative
  difference between its matrix and POT's values on the 2,000 sampled pairs. PAIRWISE_FULL=0 skips these runs.
- JOT on Spark: `spark/bin/jot-spark pairwise --master local[2]` on the same files (its pairs_per_second: the job,
  collecting the pairs and writing the matrix, not the session's start), and whether its matrix is jot pairwise's bit
  for bit. PAIRWISE_SPARK=0 skips it (the first run builds spark/ and downloads Spark).

Needs Debian's python3-pot (run with /usr/bin/python3) and a built bench jar:
    JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -q -Pbench package -DskipTests
    /usr/bin/python3 bench/pairwise_peers.py
"""
import json
import os
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import ot  # noqa: E402

from kernel_peers import machine  # noqa: E402

N, BINS, EPS, TOL, SAMPLE, ROWS = int(os.environ.get("PAIRWISE_N", "1000")), 100, 0.05, 1e-6, 2000, 128
FULL = os.environ.get("PAIRWISE_FULL", "1") != "0"
SPARK = os.environ.get("PAIRWISE_SPARK", "1") != "0"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
java = os.environ.get("JAVA", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")


rng = np.random.default_rng(19)
x = rng.random((BINS, 2))
C = ot.dist(x, x)
H = 0.1 + rng.random((N, BINS))
H /= H.sum(axis=1, keepdims=True)
work = tempfile.mkdtemp(prefix="jot-pairwise-")
np.save(os.path.join(work, "C.npy"), C)
np.save(os.path.join(work, "H.npy"), H)

# a sample of the pairs i < j: pair k of the upper triangle, row by row
iu, ju = np.triu_indices(N, 1)
pick = rng.choice(len(iu), size=min(SAMPLE, len(iu)), replace=False)
pairs = list(zip(iu[pick].tolist(), ju[pick].tolist()))
ot.sinkhorn2(H[0], H[1], C, EPS, stopThr=TOL)  # warm-up
t0 = time.perf_counter()
pot = [float(ot.sinkhorn2(H[i], H[j], C, EPS, stopThr=TOL, numItermax=1000)) for i, j in pairs]
pot_rate = len(pairs) / (time.perf_counter() - t0)

jar = os.path.join(root, "target", "benchmarks.jar")
with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
    out = tmp.name
subprocess.run([java, "-jar", jar, "PairwiseBench", "-p", f"data={work}", "-p", f"rows={ROWS}", "-f", "1",
                "-wi", "2", "-i", "3", "-rf", "json", "-rff", out], check=True, stdout=subprocess.DEVNULL)
problems = ROWS * (ROWS + 1) // 2
jmh = {}
for r in json.load(open(out)):
    ms, err = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]
    jmh[int(r["params"]["threads"])] = (problems / (ms / 1e3), ms, err)

full = {}
worst = None
if FULL:
    for threads in (1, 2):
        d = os.path.join(work, f"D{threads}.npy")
        res = subprocess.run([os.path.join(root, "bin", "jot"), "pairwise", "--histograms", os.path.join(work, "H.npy"),
                              "--cost-matrix", os.path.join(work, "C.npy"), "--epsilon", str(EPS), "--tol", str(TOL),
                              "--threads", str(threads), "--out", d, "--json"],
                             check=True, stdout=subprocess.PIPE, text=True)
        full[threads] = json.loads(res.stdout)
    D = np.load(os.path.join(work, "D1.npy"))
    worst = max(abs(D[i, j] - v) / abs(v) for (i, j), v in zip(pairs, pot))

spark = None
if SPARK:
    d = os.path.join(work, "S.npy")
    res = subprocess.run([os.path.join(root, "spark", "bin", "jot-spark"), "pairwise", "--master", "local[2]",
                          "--histograms", os.path.join(work, "H.npy"), "--cost-matrix", os.path.join(work, "C.npy"),
                          "--epsilon", str(EPS), "--tol", str(TOL), "--out", d, "--json"],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    spark = json.loads(res.stdout)
    if FULL:
        spark["same"] = bool(np.array_equal(np.load(d), np.load(os.path.join(work, "D1.npy"))))

print(f"machine: {machine()}; POT {ot.__version__}, numpy {np.__version__}; N = {N}, {BINS} bins, eps = {EPS}, tol = {TOL}")
print(f"POT ot.sinkhorn2 (float64) in a loop over {len(pairs)} sampled pairs, one thread: {pot_rate:.0f} pairs/s")
for t in sorted(jmh):
    rate, ms, err = jmh[t]
    print(f"JOT PairwiseBench ({ROWS} rows, {problems} problems an op), {t} thread(s): {ms:.0f} ± {err:.0f} ms/op, "
          f"{rate:.0f} pairs/s, {rate / pot_rate:.1f}x POT")
for t in sorted(full):
    f = full[t]
    print(f"JOT jot pairwise, the whole {N} x {N} matrix ({f['problems']} problems), {t} thread(s): "
          f"{f['time_ms'] / 1e3:.1f} s, {f['problems_per_second']:.0f} pairs/s, {f['problems_per_second'] / pot_rate:.1f}x POT, "
          f"converged: {f['converged']}, at most {f['max_iterations']} iterations")
if worst is not None:
    print(f"JOT's matrix (f32) against POT's {len(pairs)} values: largest relative difference {worst:.2e}")
if spark is not None:
    print(f"JOT on Spark, local[2], the whole matrix ({spark['pairs']} pairs): {spark['time_ms'] / 1e3:.1f} s, "
          f"{spark['pairs_per_second']:.0f} pairs/s, {spark['pairs_per_second'] / pot_rate:.1f}x POT"
          + (f"; the same matrix as jot pairwise's, bit for bit: {spark['same']}" if 'same' in spark else ""))
