#!/usr/bin/python3
"""Time to tolerance as whole processes, the way a command-line user meets it: `bin/jot solve` with its defaults
against a whole Python process with POT (import, ot.dist, the solve) for each of POT's three Sinkhorn methods, on
n = 2000 uniform points in the unit square (|x-y|^2, uniform weights, float64 for POT, JOT's default f32), at
eps = 0.05, 0.01 and 0.002. POT stops on the L2 marginal error at stopThr = 1e-6/sqrt(n) (so that its L1 error is
at most 1e-6, JOT's default tolerance) with numItermax = 100000. Each command runs `--runs` times (default 5),
alternating; the table gives the median wall time, the iterations, the cost <P,C> and the larger L1 marginal error
(computed here from POT's plan; JOT reports its own).

Needs Debian's python3-pot (run with /usr/bin/python3) and the jar that bin/jot builds:
    OMP_NUM_THREADS=1 /usr/bin/python3 bench/first_call_peers.py [--runs 5] [--n 2000]
One thread for both (OMP_NUM_THREADS=1, jot --threads 1) unless --threads says otherwise.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_peers import machine  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

POT = """
import os, sys, json, warnings
if os.environ.get("JOT_BENCH_NO_TORCH"):
    sys.modules["torch"] = None  # POT 0.8.2 imports torch whenever it is installed (0.7 s here): as if it were not
import numpy as np, ot
x = np.load(sys.argv[1]); y = np.load(sys.argv[2]); eps = float(sys.argv[3]); method = sys.argv[4]
n = len(x); a = np.full(n, 1.0 / n); b = np.full(len(y), 1.0 / len(y))
M = ot.dist(x, y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    P, log = ot.sinkhorn(a, b, M, reg=eps, method=method, stopThr=1e-6 / np.sqrt(n), numItermax=100000, log=True)
mass = float(P.sum())
# the larger of the two marginals' L1 errors (POT's last update fits the rows, so the columns carry the error)
err = max(float(np.abs(P.sum(axis=1) - a).sum()), float(np.abs(P.sum(axis=0) - b).sum())) if np.all(np.isfinite(P)) else float('nan')
print(json.dumps({"cost": float((P * M).sum()), "iterations": int(log.get("niter", log.get("n_iter", -1))),
                  "error": err, "mass": mass}))
"""


def run(cmd, env):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.strip()}")
    return wall, json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eps", default="0.05,0.01,0.002")
    ap.add_argument("--with-torch", action="store_true",
                    help="let POT import torch where it is installed (POT 0.8.2 does so on import); by default the POT "
                         "processes run as if torch were not installed, the faster start")
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=str(args.threads))
    if not args.with_torch:
        env["JOT_BENCH_NO_TORCH"] = "1"
    rng = np.random.default_rng(2026)
    tmp = tempfile.mkdtemp(prefix="jot-first-call-")
    xs, ys = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    np.save(xs, rng.random((args.n, 2)))
    np.save(ys, rng.random((args.n, 2)))
    pot_py = os.path.join(tmp, "pot_solve.py")
    with open(pot_py, "w") as f:
        f.write(POT)
    jot = [os.path.join(ROOT, "bin", "jot"), "solve", "--x", xs, "--y", ys, "--threads", str(args.threads), "--json"]
    run(jot + ["--epsilon", "0.05"], env)  # builds the jar and the class-data archive once, not counted
    print(f"# {machine()}; n = {args.n}, {args.threads} thread(s), {args.runs} runs each, medians of whole processes; "
          f"POT {'with' if args.with_torch else 'without'} torch imported")
    print("| eps | solver | wall (s) | iterations | cost | L1 error | converged |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for eps in [float(e) for e in args.eps.split(",")]:
        commands = {"JOT `bin/jot solve` (defaults)": jot + ["--epsilon", str(eps)]}
        for method in ("sinkhorn", "sinkhorn_stabilized", "sinkhorn_log"):
            commands[f"POT `{method}`"] = ["/usr/bin/python3", pot_py, xs, ys, str(eps), method]
        walls = {k: [] for k in commands}
        last = {}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                w, out = run(cmd, env)
                walls[name].append(w)
                last[name] = out
        best_pot = min(statistics.median(walls[k]) for k in commands if k.startswith("POT")
                       if np.isfinite(last[k]["cost"]) and last[k]["mass"] > 0.5)
        for name in commands:
            o, med = last[name], statistics.median(walls[name])
            err = max(o["marginal_error_a"], o["marginal_error_b"]) if "marginal_error_a" in o else o["error"]
            conv = o.get("converged", err is not None and err <= 1e-6)
            note = f" ({med / best_pot:.2f}x the fastest POT)" if name.startswith("JOT") else ""
            empty = " (empty plan: mass %.3g)" % o["mass"] if not name.startswith("JOT") and not o["mass"] > 0.5 else ""
            print(f"| {eps} | {name} | {med:.2f}{note} | {o['iterations']} | {o['cost']:.8g}{empty} | {err:.2e} | {conv} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
