package dev.jot.geometry;

/**
 * A ground cost c(x, y) between two points of the same dimension.
 *
 * <p>The squared Euclidean cost is |x − y|² — <em>not</em> halved, as in POT's {@code ot.dist} and the
 * blog post. GeomLoss halves it ({@code p = 2} means |x − y|²/2) and writes ε = blur^p. A GeomLoss
 * {@code SamplesLoss("sinkhorn", p=2, blur=σ)} value therefore equals half of JOT's value with the
 * squared Euclidean cost and ε = 2σ² (see the README, "Conventions").
 */
public sealed interface CostFunction {

    /** |x − y|², the default. */
    CostFunction SQUARED_EUCLIDEAN = new SquaredEuclidean();
    /** |x − y|. */
    CostFunction EUCLIDEAN = new Power(1.0);

    /**
     * Cost between row {@code i} of {@code x} (dimension d, row-major) and row {@code j} of {@code y}.
     *
     * @param x the first points, row-major
     * @param i the row of {@code x}
     * @param y the second points, row-major
     * @param j the row of {@code y}
     * @param d the dimension of both
     * @return c(x_i, y_j)
     */
    double cost(double[] x, int i, double[] y, int j, int d);

    /**
     * The cost for two points at squared Euclidean distance {@code s}.
     *
     * @param s the squared distance |x − y|², non-negative
     * @return the cost at that distance
     */
    double fromSquaredDistance(double s);

    /** {@return a short name, as the command line spells it} */
    String name();

    /**
     * |x − y|^p for p > 0 ({@code p = 2} is {@link #SQUARED_EUCLIDEAN}, {@code p = 1} {@link #EUCLIDEAN}).
     *
     * @param p the exponent, positive and finite
     * @return the cost |x − y|^p
     * @throws IllegalArgumentException if {@code p} is not positive and finite
     */
    static CostFunction power(double p) {
        if (!(p > 0) || !Double.isFinite(p)) {
            throw new IllegalArgumentException("cost exponent p must be positive and finite, got " + p);
        }
        if (p == 2.0) {
            return SQUARED_EUCLIDEAN;
        }
        if (p == 1.0) {
            return EUCLIDEAN;
        }
        return new Power(p);
    }

    /**
     * Throws unless the two clouds have the same dimension (naming both shapes).
     *
     * @param x the first cloud
     * @param y the second cloud
     * @throws IllegalArgumentException if their dimensions differ
     */
    static void checkSameDimension(dev.jot.data.Points x, dev.jot.data.Points y) {
        if (x.d() != y.d()) {
            throw new IllegalArgumentException("x and y must have the same dimension, got x: " + x.n() + " x " + x.d()
                    + ", y: " + y.n() + " x " + y.d());
        }
    }

    /**
     * Parses {@code sqeuclidean}, {@code euclidean} or {@code p=<p>}.
     *
     * @param s the spelling (case and surrounding blanks ignored; {@code squared_euclidean}, {@code l2sq} and
     *     {@code l2} are accepted too)
     * @return the cost
     * @throws IllegalArgumentException if {@code s} names no cost
     */
    static CostFunction parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "sqeuclidean", "squared_euclidean", "l2sq":
                return SQUARED_EUCLIDEAN;
            case "euclidean", "l2":
                return EUCLIDEAN;
            default:
                if (t.startsWith("p=")) {
                    double p;
                    try {
                        p = Double.parseDouble(t.substring(2));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("cost must be sqeuclidean, euclidean or p=<p>, got '" + s + "'");
                    }
                    return power(p);
                }
                throw new IllegalArgumentException("cost must be sqeuclidean, euclidean or p=<p>, got '" + s + "'");
        }
    }

    /** |x − y|². */
    record SquaredEuclidean() implements CostFunction {
        @Override
        public double cost(double[] x, int i, double[] y, int j, int d) {
            double s = 0;
            int xi = i * d, yj = j * d;
            for (int k = 0; k < d; k++) {
                double t = x[xi + k] - y[yj + k];
                s = Math.fma(t, t, s);
            }
            return s;
        }

        @Override
        public double fromSquaredDistance(double s) {
            return s;
        }

        @Override
        public String name() {
            return "sqeuclidean";
        }
    }

    /**
     * |x − y|^p.
     *
     * @param p the exponent, positive and finite
     */
    record Power(double p) implements CostFunction {
        /**
         * Checks the exponent.
         *
         * @throws IllegalArgumentException if p is not positive and finite
         */
        public Power {
            if (!(p > 0) || !Double.isFinite(p)) {
                throw new IllegalArgumentException("cost exponent p must be positive and finite, got " + p);
            }
        }

        @Override
        public double cost(double[] x, int i, double[] y, int j, int d) {
            return fromSquaredDistance(SQUARED_EUCLIDEAN.cost(x, i, y, j, d));
        }

        @Override
        public double fromSquaredDistance(double s) {
            return p == 1.0 ? Math.sqrt(s) : Math.pow(s, 0.5 * p);
        }

        @Override
        public String name() {
            return p == 1.0 ? "euclidean" : "p=" + p;
        }
    }
}
