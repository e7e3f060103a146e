package dev.jot.sinkhorn;

import dev.jot.data.Precision;
import dev.jot.data.Weights;
import dev.jot.geometry.Geometry;
import dev.jot.kernel.Accelerators;
import dev.jot.kernel.DeviceSweeps;
import java.util.ArrayList;
import java.util.List;

/**
 * The Sinkhorn loop of {@link Sinkhorn#solve} for a batch of problems of equal sizes whose sweeps run on
 * an accelerator ({@link DeviceSweeps}): the same ε schedule, stopping rule (the row marginal error of
 * the current state, from the f update, every {@code checkEvery} iterations; unbalanced, the potentials'
 * change), per-problem stopping and result formulas as the CPU loop; only the sweeps and the final plan sums
 * run on the device. The errors cross back only on the iterations that check them. Unbalanced problems run
 * the damped updates (τ = ρ/(ρ + ε) at each stage's ε, {@link DeviceSweeps#setDamping}) and keep their masses;
 * translation-invariant updates are refused (they need the potentials on the host every iteration).
 */
final class DeviceSolve {
    private DeviceSolve() {
    }

    static List<SinkhornResult> solve(List<? extends Geometry> geometries, List<Weights> as, List<Weights> bs,
                                      SinkhornOptions options, long t0) {
        boolean unbalanced = options.unbalanced();
        if (unbalanced && options.translationInvariant()) {
            throw new IllegalArgumentException("backend " + options.backend() + " does not run translation-invariant updates"
                    + " (they need the potentials on the host every iteration); drop --translation-invariant (the same"
                    + " fixed point, in more iterations) or use backend cpu");
        }
        int count = geometries.size();
        double[][] a = new double[count][], b = new double[count][], schedules = new double[count][];
        for (int p = 0; p < count; p++) {
            try {
                double[][] ab = SinkhornIterator.checkedWeights(geometries.get(p), as == null ? null : as.get(p),
                        bs == null ? null : bs.get(p), options.epsilon(), unbalanced);
                a[p] = ab[0];
                b[p] = ab[1];
            } catch (IllegalArgumentException e) {
                throw count == 1 ? e : new IllegalArgumentException("problem " + p + ": " + e.getMessage(), e);
            }
            schedules[p] = Sinkhorn.schedule(geometries.get(p), options);
            for (double e : schedules[p]) {
                // the dampings of every stage, checked before the device is opened
                SinkhornIterator.tau("rho_a", options.rhoA(), e);
                SinkhornIterator.tau("rho_b", options.rhoB(), e);
            }
        }
        double rhoA = options.rhoA(), rhoB = options.rhoB();
        try (DeviceSweeps dev = Accelerators.open(options.backend(), geometries, a, b)) {
            Loop loop = new Loop(dev, schedules, options);
            loop.run();
            DeviceSweeps.Final fin = dev.finish();
            List<SinkhornResult> out = new ArrayList<>(count);
            for (int p = 0; p < count; p++) {
                Geometry geometry = geometries.get(p);
                boolean f32 = geometry.precision() == Precision.F32;
                double eps = schedules[p][schedules[p].length - 1];
                double[] levels = schedules[p].length > 1 ? schedules[p] : new double[0];
                int[] spent = schedules[p].length > 1 ? loop.spent[p] : new int[0];
                String failure = loop.failure[p];
                if (failure == null && !(allFinite(fin.f()[p]) && allFinite(fin.g()[p]))) {
                    failure = SinkhornIterator.nonFinite(loop.iterations[p], f32);
                }
                out.add(failure != null
                        ? SinkhornIterator.failed(geometry, a[p], b[p], fin.f()[p], fin.g()[p], eps, loop.iterations[p], failure,
                        t0, dev.backend(), 1, levels, spent, dev.backend(), dev.device(), rhoA, rhoB)
                        : SinkhornIterator.assemble(geometry, a[p], b[p], fin.f()[p], fin.g()[p], eps, fin.rowLse()[p],
                        fin.colLse()[p], fin.rowNorm()[p], fin.rowCost()[p], loop.iterations[p], options.tolerance(), t0,
                        dev.backend(), 1, levels, spent, dev.backend(), dev.device(), rhoA, rhoB));
            }
            return out;
        }
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** Each problem's place in its ε schedule, as {@code Sinkhorn.runSchedule} and {@code iterate} keep it. */
    private static final class Loop {
        final DeviceSweeps dev;
        final double[][] schedules;
        final int count;
        final int maxIterations;
        final double tolerance;
        final int checkEvery;
        final int[] level;
        final int[] start;
        final int[] limit;
        final double[] stageTol;
        final int[] iterations;
        final int[][] spent;
        final String[] failure;
        final boolean[] done;
        final boolean f32;
        final double rhoA;
        final double rhoB;

        Loop(DeviceSweeps dev, double[][] schedules, SinkhornOptions options) {
            this.dev = dev;
            this.schedules = schedules;
            count = schedules.length;
            maxIterations = options.maxIterations();
            tolerance = options.tolerance();
            checkEvery = options.checkEvery();
            level = new int[count];
            start = new int[count];
            limit = new int[count];
            stageTol = new double[count];
            iterations = new int[count];
            spent = new int[count][];
            failure = new String[count];
            done = new boolean[count];
            f32 = options.precision() == Precision.F32;
            rhoA = options.rhoA();
            rhoB = options.rhoB();
            for (int p = 0; p < count; p++) {
                spent[p] = new int[schedules[p].length];
                begin(p, 0);
            }
        }

        private void begin(int p, int lv) {
            double[] s = schedules[p];
            level[p] = lv;
            boolean last = lv == s.length - 1;
            dev.setEpsilon(p, s[lv]);
            if (rhoA != Double.POSITIVE_INFINITY || rhoB != Double.POSITIVE_INFINITY) {
                dev.setDamping(p, SinkhornIterator.tau("rho_a", rhoA, s[lv]), SinkhornIterator.tau("rho_b", rhoB, s[lv]));
            }
            start[p] = iterations[p];
            limit[p] = last ? maxIterations : Math.min(maxIterations, start[p] + 100);
            stageTol[p] = last ? tolerance : Math.sqrt(tolerance);
            if (iterations[p] >= limit[p]) {
                end(p);
            }
        }

        private void end(int p) {
            spent[p][level[p]] = iterations[p] - start[p];
            if (level[p] + 1 == schedules[p].length) {
                done[p] = true;
            } else {
                begin(p, level[p] + 1);
            }
        }

        void run() {
            boolean[] active = new boolean[count];
            boolean[] commit = new boolean[count];
            double[] errors = new double[count];
            while (true) {
                boolean any = false, anyCheck = false;
                for (int p = 0; p < count; p++) {
                    active[p] = !done[p];
                    any |= active[p];
                    anyCheck |= active[p] && checks(p);
                }
                if (!any) {
                    return;
                }
                dev.rowUpdate(active, anyCheck ? errors : null);
                boolean anyCommit = false;
                for (int p = 0; p < count; p++) {
                    commit[p] = false;
                    if (!active[p]) {
                        continue;
                    }
                    if (anyCheck && checks(p)) {
                        if (Double.isNaN(errors[p])) {
                            failure[p] = SinkhornIterator.nonFinite(iterations[p] + 1, f32);
                            done[p] = true;
                            continue;
                        }
                        if (errors[p] <= stageTol[p]) {
                            end(p);
                            continue;
                        }
                    }
                    commit[p] = true;
                    anyCommit = true;
                }
                if (anyCommit) {
                    dev.commitRows(commit);
                    dev.columnUpdate(commit);
                    for (int p = 0; p < count; p++) {
                        if (commit[p]) {
                            iterations[p]++;
                            if (iterations[p] >= limit[p]) {
                                end(p);
                            }
                        }
                    }
                }
            }
        }

        private boolean checks(int p) {
            int it = iterations[p];
            return it > 0 && stageTol[p] > 0 && it % checkEvery == 0;
        }
    }
}
