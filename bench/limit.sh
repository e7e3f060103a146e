#!/usr/bin/env bash
# The machine's limit and the f32 sweeps, measured in one run: builds bench/c/expf_bench.c with
# gcc -O3 -march=native (glibc's vector expf), times it on 1 and 2 threads, then runs the JMH f32 sweeps
# (dense n = m = 4000 and matrix-free n = m = 10000, 1 and 2 threads) and prints each as a fraction of
# the expf rate, counting one exponential per cost entry (2·n² per iteration).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jdk=$("$root/bin/find-jdk")
out="$root/bench/out"
mkdir -p "$out"
gcc -O3 -march=native -ffast-math -fopenmp-simd -o "$out/expf_bench" "$root/bench/c/expf_bench.c" -lm -lpthread
(cd "$root" && JAVA_HOME="$jdk" mvn -B -q -Pbench package -DskipTests)
"$out/expf_bench" 3 1 | tee "$out/expf1.json"
"$out/expf_bench" 3 2 | tee "$out/expf2.json"
"$jdk/bin/java" -jar "$root/target/benchmarks.jar" SinkhornIterationBench \
  -p n=4000 -p precision=f32 -p kernels=vector -f 4 -rf json -rff "$out/limit-dense.json" | tail -3
"$jdk/bin/java" -jar "$root/target/benchmarks.jar" MatrixFreeBench \
  -p n=10000 -rf json -rff "$out/limit-free.json" | tail -3
"$out/expf_bench" 3 1 | tee "$out/expf1b.json"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
c1 = min(json.load(open(f"{out}/expf1.json"))["ns_per_exp"], json.load(open(f"{out}/expf1b.json"))["ns_per_exp"])
c2 = json.load(open(f"{out}/expf2.json"))["exp_per_s_total"]
print(f"C expf, 1 thread: {c1:.3f} ns/exp; 2 threads: {c2/1e9:.2f} G exp/s")
for b in json.load(open(f"{out}/limit-dense.json")) + json.load(open(f"{out}/limit-free.json")):
    p = b["params"]; n = int(p["n"]); t = int(p["threads"]); ms = b["primaryMetric"]["score"]; err = b["primaryMetric"]["scoreError"]
    name = b["benchmark"].split(".")[-2]
    ns = ms * 1e6 / (2.0 * n * n)
    rate = 2.0 * n * n / (ms / 1e3)
    frac = rate / (1e9 / c1 * t) if t == 1 else rate / c2
    print(f"{name:24s} n={n:6d} threads={t}: {ms:9.3f} ± {err:.3f} ms/iteration, {ns:.3f} ns/entry, {100*frac:.0f}% of C expf on {t} thread(s)")
PY
