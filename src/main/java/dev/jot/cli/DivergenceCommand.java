package dev.jot.cli;

import dev.jot.data.DataFiles;
import dev.jot.data.NdArray;
import dev.jot.data.Points;
import dev.jot.data.Weights;
import dev.jot.divergence.DivergenceResult;
import dev.jot.divergence.Divergences;
import dev.jot.divergence.Loss;
import dev.jot.divergence.MmdKernel;
import dev.jot.geometry.CostFunction;
import dev.jot.sinkhorn.SinkhornOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jot divergence}: a Sinkhorn divergence, the Genevay loss or an MMD between two point clouds, with gradients. */
@Command(name = "divergence", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Losses between two weighted point clouds, and their gradients.",
                "debiased: S = OT_e(a,b) - OT_e(a,a)/2 - OT_e(b,b)/2 with OT_e = <a,f> + <b,g> (GeomLoss, OTT-JAX).",
                "genevay: 2 W(a,b) - W(a,a) - W(b,b) with W = <P,C> of the entropic plan (Genevay et al. 2018).",
                "mmd: MMD^2/2 with --kernel.  transport: OT_e(a,b) alone.",
                "--rho R: unbalanced OT_e,R (generalized-KL primal = dual value); debiased adds (epsilon/2)(m(a) - m(b))^2.",
                "Files are .npy or .csv; the cost |x-y|^2 is not halved."})
final class DivergenceCommand implements Callable<Integer> {

    @Mixin
    InputOptions.RequiredPointFiles points;

    @Mixin
    InputOptions.WeightFiles weights;

    @Option(names = "--epsilon", paramLabel = "E", description = "regularisation epsilon > 0, in cost units (not for mmd)")
    Double epsilon;

    @Option(names = "--loss", paramLabel = "L", defaultValue = "debiased",
            description = "debiased, genevay, mmd or transport; default: ${DEFAULT-VALUE}")
    String loss;

    @Option(names = "--kernel", paramLabel = "K", defaultValue = "energy",
            description = "for mmd: energy (-|x-y|), gaussian:<sigma> or laplacian:<sigma>; default: ${DEFAULT-VALUE}")
    String kernel;

    @Mixin
    InputOptions.Cost cost;

    @Mixin
    SolverOptions solver;

    @Option(names = "--rho", paramLabel = "R",
            description = "unbalanced: KL-penalised marginals R*KL(P1 | a) + R*KL(P^T1 | b) (R > 0, inf = balanced); the "
                    + "weights keep their masses and debiased adds (epsilon/2)(m(a) - m(b))^2 (Sejourne et al. 2019)")
    String rho;

    @Option(names = "--unrolled", paramLabel = "L",
            description = "instead of solving to the tolerance, run exactly L iterations from g = 0 (f64) and differentiate through them")
    Integer unrolled;

    @Option(names = "--grad-x", paramLabel = "FILE", description = "write the gradient with respect to x (n x d, f64) to this .npy file")
    Path gradX;

    @Option(names = "--grad-y", paramLabel = "FILE", description = "write the gradient with respect to y (m x d, f64) to this .npy file")
    Path gradY;

    @Mixin
    OutputOptions.JsonFlag output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Loss l = Loss.parse(loss);
        Points px = points.x(), py = points.y();
        Weights wa = weights.a();
        Weights wb = weights.b();
        CostFunction c = cost.function();
        boolean gradients = gradX != null || gradY != null;
        DivergenceResult r;
        if (l == Loss.MMD) {
            if (epsilon != null || unrolled != null) {
                throw new IllegalArgumentException("--loss mmd takes a --kernel, not --epsilon or --unrolled");
            }
            r = Divergences.mmd(px, wa, py, wb, MmdKernel.parse(kernel), gradients);
        } else {
            if (epsilon == null) {
                throw new IllegalArgumentException("--epsilon is required for --loss " + l.label());
            }
            SinkhornOptions o = solver.options(epsilon);
            if (rho != null) {
                o = o.withRho(SolverOptions.parse("--rho", rho));
            }
            if (unrolled != null) {
                r = Divergences.unrolled(px, wa, py, wb, c, epsilon, unrolled, l, o);
            } else {
                r = Divergences.sinkhorn(px, wa, py, wb, c, o, l, gradients);
            }
        }
        if (gradX != null && r.gradX() != null) {
            write(gradX, r.gradX(), px.n(), px.d());
        }
        if (gradY != null && r.gradY() != null) {
            write(gradY, r.gradY(), py.n(), py.d());
        }
        if (output.json) {
            double[] t = r.terms();
            out.println(new Json()
                    .put("value", r.value())
                    .put("converged", r.converged())
                    .put("status", r.status())
                    .put("loss", l.label())
                    .put("term_xy", t[0])
                    .put("term_xx", t[1])
                    .put("term_yy", t[2])
                    .put("iterations", r.iterations())
                    .put("n", px.n())
                    .put("m", py.n())
                    .put("d", px.d())
                    .put("epsilon", epsilon == null ? Double.NaN : epsilon)
                    .put("rho", rho == null ? Double.POSITIVE_INFINITY : SolverOptions.parse("--rho", rho))
                    .put("precision", l == Loss.MMD || unrolled != null ? "f64" : solver.precision().toString())
                    .put("grad_x", gradX == null ? "" : gradX.toString())
                    .put("grad_y", gradY == null ? "" : gradY.toString())
                    .put("time_ms", r.millis())
                    .toString());
        } else {
            out.println(String.format(Locale.ROOT, "%s between %d and %d points in %d-D%s%n  value  %.10g%n  %s%n  terms  (x,y) %.10g  (x,x) %.10g  (y,y) %.10g",
                    l.label(), px.n(), py.n(), px.d(), epsilon == null ? " (" + kernel + " kernel)" : ", epsilon = " + epsilon
                            + (rho == null ? "" : ", rho = " + rho),
                    r.value(), r.status(), r.terms()[0], r.terms()[1], r.terms()[2])
                    + (gradX != null ? "\n  gradient in x written to " + gradX : "")
                    + (gradY != null ? "\n  gradient in y written to " + gradY : ""));
        }
        return 0;
    }

    private static void write(Path file, double[] v, int n, int d) throws IOException {
        DataFiles.write(file, NdArray.of(v, n, d));
    }
}
