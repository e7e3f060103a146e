"""Makes the entropic Gromov-Wasserstein reference of GromovWassersteinTest (run once, by hand):
/usr/bin/python3 make_reference.py, with Debian's python3-pot (POT 0.8.2) and NumPy.

Inputs: two point clouds of different dimensions (seeded), their squared Euclidean intra-space costs
c1 (n x n) and c2 (m x m) and non-uniform weights a, b, written as float64 .npy. Values: POT's
ot.gromov.entropic_gromov_wasserstein(c1, c2, a, b, 'square_loss', epsilon) with tight tolerances, its
log's gw_dist, for each epsilon, in pot_values.json."""
import json
import numpy as np
import ot

rng = np.random.default_rng(20261201)
n, m = 24, 19
x = rng.uniform(0, 2, size=(n, 2))
y = rng.uniform(0, 2, size=(m, 3))
c1 = ot.dist(x, x)
c2 = ot.dist(y, y)
a = rng.uniform(0.5, 1.5, size=n); a /= a.sum()
b = rng.uniform(0.5, 1.5, size=m); b /= b.sum()
for name, v in (("c1", c1), ("c2", c2), ("a", a), ("b", b)):
    np.save(name + ".npy", v.astype(np.float64))
out = {"pot_version": ot.__version__, "function": "ot.gromov.entropic_gromov_wasserstein(c1, c2, a, b, 'square_loss', epsilon, max_iter=10000, tol=1e-13, log=True)", "values": {}}
for eps in (0.5, 1.0, 2.0):
    T, log = ot.gromov.entropic_gromov_wasserstein(c1, c2, a, b, 'square_loss', epsilon=eps, max_iter=10000, tol=1e-13, log=True)
    out["values"][repr(eps)] = {"gw_dist": float(log["gw_dist"]),
                                "row_marginal_error": float(np.abs(T.sum(1) - a).sum()),
                                "col_marginal_error": float(np.abs(T.sum(0) - b).sum())}
json.dump(out, open("pot_values.json", "w"), indent=1)
print(json.dumps(out, indent=1))
