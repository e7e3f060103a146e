// JOT's Sinkhorn sweeps as OpenCL C kernels (built by dev.jot.kernel.opencl.OpenClSweeps).
//
// Build options: -DWG=<work-group size, a power of two>, -DREAL_F64 (costs and sums in double; else
// float), -DACC_F64 (potentials, log-sum-exps and errors in double; set when the device has fp64).
//
// Shape: one work-group per (row, problem): global size (rows*WG, B), local (WG, 1). Each work-item
// runs an online log-sum-exp over the columns j = lid, lid + WG, ..., keeping a pair (m, s) with the
// sum of exp(z - m); the WG pairs are then merged in local memory by
// (m1, s1) + (m2, s2) = (M, s1*exp(m1 - M) + s2*exp(m2 - M)), M = max(m1, m2).
// A "row" sweep gives the f update (over C, or x against y); the same kernels on C^T (or y against x)
// give the g update.

#if defined(REAL_F64) || defined(ACC_F64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#ifdef REAL_F64
typedef double real;
#else
typedef float real;
#endif
#ifdef ACC_F64
typedef double acc;
#else
typedef float acc;
#endif
#ifndef WG
#define WG 64
#endif

// h_j = log w_j + pot_j / eps, rounded to real, for each active problem: global (len rounded up, B)
__kernel void scale(__global const acc* logw, __global const acc* pot, __global const acc* invEps, int len,
                    __global const int* active, __global real* h) {
    int j = get_global_id(0), p = get_global_id(1);
    if (j >= len || !active[p]) {
        return;
    }
    long k = (long) p * len + j;
    h[k] = (real) (logw[k] + pot[k] * invEps[p]);
}

// the cost of (row i, column j): a stored row of C, or computed from the row's point xi and the
// columns' points stored transposed (d x cols): |x - y|^2 (kind 0), |x - y| (kind 1), |x - y|^(2 halfP)
inline real cost_at(int points, __global const real* crow, __global const real* xi, __global const real* yT,
                    int d, int cols, int j, int kind, real halfP) {
    if (!points) {
        return crow[j];
    }
    real s = 0;
    for (int k = 0; k < d; k++) {
        real t = xi[k] - yT[(long) k * cols + j];
        s = fma(t, t, s);
    }
    return kind == 0 ? s : kind == 1 ? sqrt(s) : pow(s, halfP);
}

// one more term z in the running pair (m, s): one exponential, exp(-|z - m|), and selects instead of
// branches (so that the compiler can vectorise across work-items): a larger z rescales the sum to the
// new maximum, s*exp(m - z) + 1; a smaller one adds exp(z - m); z = -inf (a zero weight) adds nothing.
inline void online(real* m, real* s, real z) {
    real e = z > -INFINITY ? exp(-fabs(z - *m)) : (real) 0;
    *s = z > *m ? fma(*s, e, (real) 1) : *s + e;
    *m = fmax(*m, z);
}

// (m, s) += (m2, s2)
inline void merge(real* m, real* s, real m2, real s2) {
    if (m2 == -INFINITY) {
        return;
    }
    if (*m == -INFINITY) {
        *m = m2;
        *s = s2;
    } else if (m2 > *m) {
        *s = *s * exp(*m - m2) + s2;
        *m = m2;
    } else {
        *s += s2 * exp(m2 - *m);
    }
}

// lse_i = log sum_j exp(h_j - C_ij / eps) for row i of problem p; pot_i = -damped_p * lse_i (damped = eps,
// or tau * eps for an unbalanced update, tau = rho / (rho + eps)); with wantErr, err_i = w_i |expm1(potSelf_i /
// eps + lse_i)| (this row's share of the marginal error |P1 - a|_1 of the current state) or, for a problem with
// change_p set (unbalanced), |pot_i - potSelf_i| / eps where w_i > 0 (the host takes the maximum: the potentials'
// change); NaN if the new potential is not finite.
__kernel void lse(int points, __global const real* C, long cStride,
                  __global const real* X, long xStride, __global const real* YT, long yStride,
                  int d, int kind, real halfP, int rows, int cols,
                  __global const real* h, __global const acc* damped, __global const acc* invEps,
                  __global const acc* wSelf, __global const acc* potSelf, int wantErr, __global const int* change,
                  __global acc* potOut, __global acc* lseOut, __global acc* errOut,
                  __global const int* active) {
    __local real lm[WG];
    __local real ls[WG];
    int i = get_group_id(0), p = get_global_id(1), lid = get_local_id(0);
    if (!active[p]) {
        return;
    }
    __global const real* crow = points ? C : C + p * cStride + (long) i * cols;
    __global const real* xi = points ? X + p * xStride + (long) i * d : X;
    __global const real* yT = points ? YT + p * yStride : YT;
    __global const real* hp = h + (long) p * cols;
    real ie = (real) invEps[p];
    real m = -INFINITY, s = 0;
    for (int j = lid; j < cols; j += WG) {
        real c = cost_at(points, crow, xi, yT, d, cols, j, kind, halfP);
        online(&m, &s, hp[j] - ie * c);
    }
    lm[lid] = m;
    ls[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = WG / 2; off > 0; off >>= 1) {
        if (lid < off) {
            real m1 = lm[lid], s1 = ls[lid];
            merge(&m1, &s1, lm[lid + off], ls[lid + off]);
            lm[lid] = m1;
            ls[lid] = s1;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        long k = (long) p * rows + i;
        acc l = lm[0] == -INFINITY ? (acc) -INFINITY : (acc) lm[0] + log((acc) ls[0]);
        acc pot = -damped[p] * l;
        potOut[k] = pot;
        lseOut[k] = l;
        if (wantErr) {
            acc w = wSelf[k];
            errOut[k] = !isfinite(pot) ? (acc) NAN : !(w > 0) ? (acc) 0
                    : change[p] ? fabs(pot - potSelf[k]) * invEps[p] : w * fabs(expm1(potSelf[k] * invEps[p] + l));
        }
    }
}

// the plan's row sums for the result: with P~_ij = exp(h_j - C_ij / eps - lse_i) (each row a probability
// vector), norm_i = sum_j P~_ij and cost_i = sum_j P~_ij C_ij.
__kernel void plan_rows(int points, __global const real* C, long cStride,
                        __global const real* X, long xStride, __global const real* YT, long yStride,
                        int d, int kind, real halfP, int rows, int cols,
                        __global const real* h, __global const acc* invEps, __global const acc* lse,
                        __global acc* normOut, __global acc* costOut, __global const int* active) {
    __local acc la[WG];
    __local acc lc[WG];
    int i = get_group_id(0), p = get_global_id(1), lid = get_local_id(0);
    if (!active[p]) {
        return;
    }
    __global const real* crow = points ? C : C + p * cStride + (long) i * cols;
    __global const real* xi = points ? X + p * xStride + (long) i * d : X;
    __global const real* yT = points ? YT + p * yStride : YT;
    __global const real* hp = h + (long) p * cols;
    real ie = (real) invEps[p];
    long k = (long) p * rows + i;
    real shift = (real) -lse[k];
    acc sn = 0, sc = 0;
    for (int j = lid; j < cols; j += WG) {
        real c = cost_at(points, crow, xi, yT, d, cols, j, kind, halfP);
        real e = exp(hp[j] - ie * c + shift);
        sn += e;
        sc += (acc) e * c;
    }
    la[lid] = sn;
    lc[lid] = sc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = WG / 2; off > 0; off >>= 1) {
        if (lid < off) {
            la[lid] += la[lid + off];
            lc[lid] += lc[lid + off];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        normOut[k] = la[0];
        costOut[k] = lc[0];
    }
}

// dst_k = src_k for the problems in `which` (committing the f update): global (len rounded up, B)
__kernel void commit(__global const acc* src, __global acc* dst, int len, __global const int* which) {
    int j = get_global_id(0), p = get_global_id(1);
    if (j < len && which[p]) {
        long k = (long) p * len + j;
        dst[k] = src[k];
    }
}
