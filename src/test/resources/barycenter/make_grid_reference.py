"""Makes the convolutional (grid) barycenter reference of ConvolutionalTest (run once, by hand):
/usr/bin/python3 make_grid_reference.py, with Debian's python3-pot (POT 0.8.2) and NumPy.

Inputs: three 24 x 20 images (a disc, a ring and a square, with a grey floor of 1e-3 so that no pixel is 0),
non-uniform weights. Value: POT's ot.bregman.convolutional_barycenter2d(A, reg, weights, method='sinkhorn_log',
numItermax=20000, stopThr=1e-13) at reg = 0.004, as float64 .npy."""
import json
import numpy as np
import ot

rows, cols = 24, 20
yy, xx = np.mgrid[0:rows, 0:cols]
cy, cx = (rows - 1) / 2, (cols - 1) / 2
r = np.hypot(yy - cy, xx - cx)
disc = (r <= 6).astype(float)
ring = ((r <= 8) & (r >= 5)).astype(float)
square = ((abs(yy - cy) <= 5) & (abs(xx - cx) <= 5)).astype(float)
A = np.stack([disc, ring, square]) + 1e-3
A /= A.sum(axis=(1, 2), keepdims=True)
w = np.array([0.5, 0.3, 0.2])
reg = 0.004
bar, log = ot.bregman.convolutional_barycenter2d(A, reg, w, method="sinkhorn_log", numItermax=20000, stopThr=1e-13, log=True)
np.save("grid_images.npy", A.astype(np.float64))
np.save("grid_weights.npy", w)
np.save("grid_pot.npy", bar.astype(np.float64))
out = {"pot_version": ot.__version__,
       "function": "ot.bregman.convolutional_barycenter2d(A, reg, weights, method='sinkhorn_log', numItermax=20000, stopThr=1e-13, log=True)",
       "epsilon": reg, "iterations": int(log["niter"]), "last_err": float(log["err"][-1]), "mass": float(bar.sum())}
json.dump(out, open("grid_pot_values.json", "w"), indent=1)
print(json.dumps(out, indent=1))
