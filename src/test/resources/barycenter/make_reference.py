"""Makes the fixed-support barycenter reference of BarycenterPotTest (run once, by hand):
/usr/bin/python3 make_reference.py, with Debian's python3-pot (POT 0.8.2) and NumPy.

Inputs: 1-D Gaussian histograms on n = 100 bins (POT's ot.datasets.make_1D_gauss), the squared distance
between bin indices divided by its maximum (POT's plot_barycenter_1D.py), non-uniform barycentric weights.
Values: POT's ot.bregman.barycenter(A, M, reg, weights, method='sinkhorn_log') with a tight stopping
threshold, as float64 .npy, one per case; the cases and POT's iteration counts in pot_values.json."""
import json
import numpy as np
import ot

n = 100
M = ot.utils.dist0(n)
M /= M.max()
np.save("cost.npy", M.astype(np.float64))
cases = {
    # name: (means, widths, weights, reg)
    "three": ((20, 50, 75), (5, 8, 6), (0.2, 0.5, 0.3), 1e-2),
    "two": ((20, 60), (5, 8), (0.8, 0.2), 1e-3),
}
out = {"pot_version": ot.__version__,
       "function": "ot.bregman.barycenter(A, M, reg, weights, method='sinkhorn_log', numItermax=200000, stopThr=1e-14, log=True)",
       "cases": {}}
for name, (means, widths, weights, reg) in cases.items():
    A = np.stack([ot.datasets.make_1D_gauss(n, m=m, s=s) for m, s in zip(means, widths)])  # k x n
    w = np.array(weights, dtype=np.float64)
    bar, log = ot.bregman.barycenter(A.T, M, reg, w, method="sinkhorn_log", numItermax=200000, stopThr=1e-14, log=True)
    np.save(name + "_histograms.npy", A.astype(np.float64))
    np.save(name + "_weights.npy", w)
    np.save(name + "_pot.npy", bar.astype(np.float64))
    out["cases"][name] = {"epsilon": reg, "iterations": int(log["niter"]), "last_err": float(log["err"][-1]),
                          "mass": float(bar.sum())}
json.dump(out, open("pot_values.json", "w"), indent=1)
print(json.dumps(out, indent=1))
