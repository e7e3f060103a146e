package dev.jot.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A vector of non-negative masses (a discrete measure's weights), read as f64. Immutable.
 * Validation of the values (finite, non-negative, positive total) is done by the solvers, which know
 * which argument the weights are.
 */
public final class Weights {
    private final double[] values;

    private Weights(double[] values) {
        this.values = values;
    }

    /**
     * Uniform weights 1/n.
     *
     * @param n the number of weights, positive
     * @return n weights 1/n
     * @throws IllegalArgumentException if {@code n} is not positive
     */
    public static Weights uniform(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
        double[] v = new double[n];
        Arrays.fill(v, 1.0 / n);
        return new Weights(v);
    }

    /**
     * Copies the given masses.
     *
     * @param values the masses
     * @return weights holding a copy of {@code values}
     */
    public static Weights of(double... values) {
        Objects.requireNonNull(values, "values");
        return new Weights(values.clone());
    }

    /**
     * Reads a 1-D array (or an n × 1 / 1 × n array) as weights.
     *
     * @param array a 1-D array, or a 2-D one with a single row or column
     * @return weights holding the array's values, copied in f64
     * @throws IllegalArgumentException for any other shape
     */
    public static Weights of(NdArray array) {
        Objects.requireNonNull(array, "array");
        boolean vectorLike = array.rank() == 1
                || (array.rank() == 2 && (array.shape(0) == 1 || array.shape(1) == 1));
        if (!vectorLike) {
            throw new IllegalArgumentException("weights must be a 1-D array, got shape " + Arrays.toString(array.shape()));
        }
        return new Weights(array.toDoubleArray());
    }

    /** {@return the number of weights} */
    public int size() {
        return values.length;
    }

    /**
     * Weight {@code i}.
     *
     * @param i the index, 0 ≤ i &lt; size
     * @return weight {@code i}
     */
    public double get(int i) {
        return values[i];
    }

    /** {@return the sum of the weights} */
    public double sum() {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    /** {@return a copy of the weights} */
    public double[] toArray() {
        return values.clone();
    }

    /** {@return the weights as a new 1-D f64 array} */
    public NdArray toNdArray() {
        return NdArray.of(values, values.length);
    }

    @Override
    public String toString() {
        return "Weights[n=" + values.length + "]";
    }
}
