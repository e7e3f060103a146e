package dev.jot.exact;

/**
 * The primal network simplex for the transportation problem min Σ C_ij·P_ij over P ≥ 0 with row sums a
 * and column sums b (Σa = Σb), on the complete bipartite graph: supply nodes 0..n−1, demand nodes
 * n..n+m−1, a root n+m joined to every node by an artificial arc of large cost.
 *
 * <p>The spanning tree is kept as in LEMON's {@code NetworkSimplex} (Kovács 2015, the code POT's
 * {@code ot.emd} derives from): parent, the arc to the parent and its direction, a preorder thread with
 * its reverse, subtree sizes and last successors, so a pivot costs the length of its cycle plus the size
 * of the subtree that moves. The entering arc comes from block search pricing (blocks of √(n·m) arcs).
 * Arcs are never stored: arc e = i·m + j runs from i to n + j with cost C_ij, read from the caller's
 * matrix; only tree arcs carry flow, stored at their lower node. Memory is one byte per arc (its state)
 * plus O(n + m).
 *
 * <p>Potentials follow LEMON: an arc's reduced cost is C_e + π_source − π_target, zero on tree arcs and
 * ≥ 0 on the others at the optimum, which is the certificate: f_i = −π_i, g_j = π_{n+j} satisfy
 * f_i + g_j ≤ C_ij everywhere, with equality wherever P_ij &gt; 0.
 */
final class NetworkSimplex {
    /** Costs, row-major n × m. */
    interface Costs {
        double get(int i, int j);
    }

    private static final byte TREE = 0;
    private static final byte LOWER = 1;
    private static final int UP = 1;
    private static final int DOWN = -1;

    private final int n;
    private final int m;
    private final int nodes;
    private final int root;
    private final long arcs;
    private final Costs costs;
    private final double artCost;
    private final double tol;

    private final byte[] state;
    private final int[] parent;
    /** The arc to the parent: a real arc index (≥ 0), or −1 − u for u's artificial arc. */
    private final long[] pred;
    private final int[] predDir;
    private final double[] predFlow;
    private final int[] thread;
    private final int[] revThread;
    private final int[] succNum;
    private final int[] lastSucc;
    private final double[] pi;
    private final int[] dirtyRevs;
    private int dirtyCount;

    private final long blockSize;
    private long nextArc;

    // the current pivot
    private long inArc;
    private int inSource;
    private int inTarget;
    private int join;
    private int uIn;
    private int vIn;
    private int uOut;
    private int vOut;
    private double delta;
    private long pivots;

    NetworkSimplex(double[] a, double[] b, Costs costs, double maxAbsCost) {
        this.n = a.length;
        this.m = b.length;
        this.nodes = n + m;
        this.root = nodes;
        this.arcs = (long) n * m;
        this.costs = costs;
        this.artCost = (maxAbsCost + 1) * nodes;
        this.tol = 1e-14 * (1 + maxAbsCost);
        this.state = new byte[Math.toIntExact(arcs)];
        java.util.Arrays.fill(state, LOWER);
        int all = nodes + 1;
        parent = new int[all];
        pred = new long[all];
        predDir = new int[all];
        predFlow = new double[all];
        thread = new int[all];
        revThread = new int[all];
        succNum = new int[all];
        lastSucc = new int[all];
        pi = new double[all];
        dirtyRevs = new int[all];
        artificialDown = new boolean[nodes];
        blockSize = Math.max(10, (long) Math.sqrt((double) arcs));
        // the initial tree: every node hangs from the root by its artificial arc
        parent[root] = -1;
        pred[root] = Long.MIN_VALUE;
        thread[root] = 0;
        revThread[0] = root;
        succNum[root] = all;
        lastSucc[root] = root - 1;
        pi[root] = 0;
        for (int u = 0; u < nodes; u++) {
            double supply = u < n ? a[u] : -b[u - n];
            parent[u] = root;
            pred[u] = -1 - u;
            thread[u] = u + 1;
            revThread[u + 1] = u;
            succNum[u] = 1;
            lastSucc[u] = u;
            if (supply >= 0) {
                predDir[u] = UP;
                pi[u] = 0;
                predFlow[u] = supply;
            } else {
                predDir[u] = DOWN;
                pi[u] = artCost;
                predFlow[u] = -supply;
                artificialDown[u] = true;
            }
        }
    }

    /** Whether u's artificial arc runs root → u (u is a demand node); otherwise u → root. */
    private final boolean[] artificialDown;

    private double cost(long e) {
        if (e >= 0) {
            return costs.get((int) (e / m), (int) (e % m));
        }
        // the artificial arc of u: u → root costs 0, root → u costs artCost
        return artificialDown[(int) (-1 - e)] ? artCost : 0.0;
    }

    /** Runs pivots until no arc has a negative reduced cost, or the limit; returns whether optimal. */
    boolean run(long maxPivots) {
        while (findEnteringArc()) {
            if (pivots >= maxPivots) {
                return false;
            }
            pivots++;
            findJoinNode();
            boolean change = findLeavingArc();
            if (delta >= Double.MAX_VALUE) {
                throw new IllegalStateException("unbounded transport problem (a bug: transport problems are bounded)");
            }
            changeFlow(change);
            if (change) {
                updateTreeStructure();
                updatePotential();
            }
        }
        return true;
    }

    long pivots() {
        return pivots;
    }

    /** Block search: the most negative reduced cost in the first block (from where the last search ended) that has one. */
    private boolean findEnteringArc() {
        double min = -tol;
        long cnt = blockSize;
        long best = -1;
        long e = nextArc;
        int i = (int) (e / m), j = (int) (e - (long) i * m);
        double piI = pi[i];
        for (long k = 0; k < arcs; k++) {
            if (state[(int) e] == LOWER) {
                double c = costs.get(i, j) + piI - pi[n + j];
                if (c < min) {
                    min = c;
                    best = e;
                }
            }
            // advance (i, j) and e, wrapping at the end
            e++;
            if (++j == m) {
                j = 0;
                if (++i == n) {
                    i = 0;
                    e = 0;
                }
                piI = pi[i];
            }
            if (--cnt == 0) {
                if (best >= 0) {
                    break;
                }
                cnt = blockSize;
            }
        }
        if (best < 0) {
            return false;
        }
        nextArc = e;
        inArc = best;
        inSource = (int) (best / m);
        inTarget = n + (int) (best % m);
        return true;
    }

    private void findJoinNode() {
        int u = inSource, v = inTarget;
        while (u != v) {
            if (succNum[u] < succNum[v]) {
                u = parent[u];
            } else {
                v = parent[v];
            }
        }
        join = u;
    }

    /** The leaving arc: the last blocking arc along the cycle (keeps the tree strongly feasible). */
    private boolean findLeavingArc() {
        int first = inSource, second = inTarget;
        delta = Double.MAX_VALUE;
        int result = 0;
        for (int u = first; u != join; u = parent[u]) {
            double d = predDir[u] == UP ? predFlow[u] : Double.MAX_VALUE;
            if (d < delta) {
                delta = d;
                uOut = u;
                result = 1;
            }
        }
        for (int u = second; u != join; u = parent[u]) {
            double d = predDir[u] == DOWN ? predFlow[u] : Double.MAX_VALUE;
            if (d <= delta) {
                delta = d;
                uOut = u;
                result = 2;
            }
        }
        if (result == 1) {
            uIn = first;
            vIn = second;
        } else {
            uIn = second;
            vIn = first;
        }
        return result != 0;
    }

    private void changeFlow(boolean change) {
        if (delta > 0) {
            for (int u = inSource; u != join; u = parent[u]) {
                predFlow[u] -= predDir[u] * delta;
            }
            for (int u = inTarget; u != join; u = parent[u]) {
                predFlow[u] += predDir[u] * delta;
            }
        }
        if (change) {
            state[(int) inArc] = TREE;
            long out = pred[uOut];
            if (out >= 0) {
                state[(int) out] = LOWER;
            }
        }
    }

    private void updateTreeStructure() {
        int oldRevThread = revThread[uOut];
        int oldSuccNum = succNum[uOut];
        int oldLastSucc = lastSucc[uOut];
        vOut = parent[uOut];
        double inFlow = delta;

        if (uIn == uOut) {
            parent[uIn] = vIn;
            pred[uIn] = inArc;
            predDir[uIn] = uIn == inSource ? UP : DOWN;
            predFlow[uIn] = inFlow;
            if (thread[vIn] != uOut) {
                int after = thread[oldLastSucc];
                thread[oldRevThread] = after;
                revThread[after] = oldRevThread;
                after = thread[vIn];
                thread[vIn] = uOut;
                revThread[uOut] = vIn;
                thread[oldLastSucc] = after;
                revThread[after] = oldLastSucc;
            }
        } else {
            int threadContinue = oldRevThread == vIn ? thread[oldLastSucc] : thread[vIn];
            int stem = uIn;
            int parStem = vIn;
            int nextStem;
            int last = lastSucc[uIn];
            int before;
            int after = thread[last];
            thread[vIn] = uIn;
            dirtyCount = 0;
            dirtyRevs[dirtyCount++] = vIn;
            while (stem != uOut) {
                nextStem = parent[stem];
                thread[last] = nextStem;
                dirtyRevs[dirtyCount++] = last;
                before = revThread[stem];
                thread[before] = after;
                revThread[after] = before;
                parent[stem] = parStem;
                parStem = stem;
                stem = nextStem;
                last = lastSucc[stem] == lastSucc[parStem] ? revThread[parStem] : lastSucc[stem];
                after = thread[last];
            }
            parent[uOut] = parStem;
            thread[last] = threadContinue;
            revThread[threadContinue] = last;
            lastSucc[uOut] = last;
            if (oldRevThread != vIn) {
                thread[oldRevThread] = after;
                revThread[after] = oldRevThread;
            }
            for (int k = 0; k < dirtyCount; k++) {
                int u = dirtyRevs[k];
                revThread[thread[u]] = u;
            }
            int tmpSc = 0, tmpLs = lastSucc[uOut];
            for (int u = uOut, p = parent[u]; u != uIn; u = p, p = parent[u]) {
                pred[u] = pred[p];
                predDir[u] = -predDir[p];
                predFlow[u] = predFlow[p];
                tmpSc += succNum[u] - succNum[p];
                succNum[u] = tmpSc;
                lastSucc[p] = tmpLs;
            }
            pred[uIn] = inArc;
            predDir[uIn] = uIn == inSource ? UP : DOWN;
            predFlow[uIn] = inFlow;
            succNum[uIn] = oldSuccNum;
        }

        int upLimitOut = lastSucc[join] == vIn ? join : -1;
        int lastSuccOut = lastSucc[uOut];
        for (int u = vIn; u != -1 && lastSucc[u] == vIn; u = parent[u]) {
            lastSucc[u] = lastSuccOut;
        }
        if (join != oldRevThread && vIn != oldRevThread) {
            for (int u = vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u]) {
                lastSucc[u] = oldRevThread;
            }
        } else if (lastSuccOut != oldLastSucc) {
            for (int u = vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = parent[u]) {
                lastSucc[u] = lastSuccOut;
            }
        }
        for (int u = vIn; u != join; u = parent[u]) {
            succNum[u] += oldSuccNum;
        }
        for (int u = vOut; u != join; u = parent[u]) {
            succNum[u] -= oldSuccNum;
        }
    }

    private void updatePotential() {
        double sigma = pi[vIn] - pi[uIn] - predDir[uIn] * cost(inArc);
        int end = thread[lastSucc[uIn]];
        for (int u = uIn; u != end; u = thread[u]) {
            pi[u] += sigma;
        }
    }

    /** The flow on each tree arc that is a real arc with positive flow: {row, column, value} triples. */
    void plan(PlanSink sink) {
        for (int u = 0; u < nodes; u++) {
            long e = pred[u];
            if (e >= 0 && predFlow[u] > 0) {
                sink.add((int) (e / m), (int) (e % m), predFlow[u]);
            }
        }
    }

    /** Receives the plan's nonzeros. */
    interface PlanSink {
        void add(int i, int j, double value);
    }

    /** Flow left on artificial arcs (0 when the problem was balanced and solved). */
    double artificialFlow() {
        double s = 0;
        for (int u = 0; u < nodes; u++) {
            if (pred[u] < 0) {
                s += predFlow[u];
            }
        }
        return s;
    }

    /** f_i = −π_i, with the root's potential as the reference. */
    double[] f() {
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = -pi[i];
        }
        return f;
    }

    /** g_j = π_{n+j}. */
    double[] g() {
        double[] g = new double[m];
        for (int j = 0; j < m; j++) {
            g[j] = pi[n + j];
        }
        return g;
    }
}
