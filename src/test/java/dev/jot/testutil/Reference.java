package dev.jot.testutil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reference data the tests carry ({@code src/test/resources/reference}: {@code cases.json},
 * {@code seed_examples.json} and the {@code .npy} inputs; its README says how they were computed),
 * found on the test class path. A test whose data is missing fails: it is never skipped.
 */
public final class Reference {
    /** The class-path folder of the reference data. */
    public static final String RESOURCE = "/reference/";

    private Reference() {
    }

    /** One problem of {@code cases.json}. */
    public record Case(String name, int n, int m, String cost, double epsilon, Map<String, String> files,
                       double costValue, double objective, double dualObjective, double emd) {
        /** Whether the case gives a cost matrix instead of point clouds. */
        public boolean isMatrix() {
            return "matrix".equals(cost);
        }

        /** The path of one of the case's files ({@code x}, {@code y}, {@code a}, {@code b}, {@code cost_matrix}). */
        public Path file(String key) {
            String f = files.get(key);
            if (f == null) {
                throw new IllegalArgumentException("case " + name + " has no file '" + key + "'");
            }
            return dir().resolve(f);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The reference directory (a folder on disk: the test resources are copied to {@code target/test-classes}).
     *
     * @throws IllegalStateException if the data is not on the class path
     */
    public static Path dir() {
        URL url = Reference.class.getResource(RESOURCE + "cases.json");
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException("the reference data " + RESOURCE + "cases.json is not on the test class path "
                    + "(it lives in src/test/resources/reference): got " + url);
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A file of the reference directory.
     *
     * @throws IllegalStateException if it does not exist
     */
    public static Path file(String name) {
        Path p = dir().resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("reference file " + p + " is missing");
        }
        return p;
    }

    /** The parsed JSON of a file of the reference directory. */
    public static Map<String, Object> json(String name) {
        try {
            return MiniJson.parseObject(Files.readString(file(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cases of {@code cases.json}, in file order. */
    @SuppressWarnings("unchecked")
    public static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Object o : (List<Object>) json("cases.json").get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, String> files = new java.util.LinkedHashMap<>();
            ((Map<String, Object>) c.get("files")).forEach((k, v) -> files.put(k, (String) v));
            out.add(new Case((String) c.get("name"), (int) number(c.get("n")), (int) number(c.get("m")),
                    (String) c.get("cost"), number(c.get("epsilon")), files, number(c.get("cost_value")),
                    number(c.get("objective")), number(c.get("dual_objective")), number(c.get("emd"))));
        }
        return out;
    }

    /** The parsed {@code seed_examples.json}. */
    public static Map<String, Object> seedExamples() {
        return json("seed_examples.json");
    }

    /** A JSON number, or a string holding one (the seeds write many-digit values as strings). */
    public static double number(Object v) {
        if (v instanceof Double d) {
            return d;
        }
        if (v instanceof String s) {
            return Double.parseDouble(s);
        }
        throw new IllegalArgumentException("not a number: " + v);
    }

    /** Follows a path of object keys, e.g. {@code get(json, "lines_5_points", "epsilon_0.1", "cost")}. */
    @SuppressWarnings("unchecked")
    public static Object get(Map<String, Object> json, String... keys) {
        Object cur = json;
        for (String k : keys) {
            if (!(cur instanceof Map) || !((Map<String, Object>) cur).containsKey(k)) {
                throw new IllegalArgumentException("no key '" + k + "' in " + String.join(".", keys));
            }
            cur = ((Map<String, Object>) cur).get(k);
        }
        return cur;
    }

    /** A JSON array of arrays of numbers (or numeric strings) as a matrix. */
    @SuppressWarnings("unchecked")
    public static double[][] matrix(Object v) {
        List<Object> rows = (List<Object>) v;
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = vector(rows.get(i));
        }
        return out;
    }

    /** A JSON array of numbers (or numeric strings). */
    @SuppressWarnings("unchecked")
    public static double[] vector(Object v) {
        List<Object> l = (List<Object>) v;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(l.get(i));
        }
        return out;
    }
}
