/*
 * The machine's limit for a log-domain Sinkhorn sweep: how many single-precision exponentials per
 * second one core computes with glibc's vector expf (libmvec, _ZGVdN8v_expf on AVX2), in a loop shaped
 * like the sweep (z = h - c * inv_eps, sum += exp(z - shift)) over a tile that stays in cache.
 *
 * Build and run (bench/run-expf-limit does both):
 *   gcc -O3 -march=native -ffast-math -fopenmp-simd -o expf_bench expf_bench.c -lm
 *   ./expf_bench [seconds] [threads]
 * Prints one JSON line: {"exp_per_s_per_thread": ..., "ns_per_exp": ..., "threads": ..., "vectorised": ...}.
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 4096 /* a 16 KiB tile of f32 costs: it stays in L1 */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct {
    double seconds;
    double exps;
    double elapsed;
    float sink;
} job;

/* One pass: the sum of exp(h_j - c_j * inv_eps - shift) over the tile. */
static float sweep(const float *restrict c, const float *restrict h, float inv_eps, float shift) {
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < N; j++) {
        s += expf(h[j] - c[j] * inv_eps - shift);
    }
    return s;
}

static void *run(void *arg) {
    job *jb = arg;
    float *c = aligned_alloc(64, N * sizeof(float)), *h = aligned_alloc(64, N * sizeof(float));
    unsigned seed = 12345;
    for (int j = 0; j < N; j++) {
        seed = seed * 1103515245u + 12345u;
        c[j] = (seed >> 8) * (1.0f / 16777216.0f) * 3.0f; /* costs in [0, 3) */
        h[j] = -0.5f * j / N;
    }
    float sink = 0.0f;
    long passes = 0;
    double t0 = now(), t;
    do {
        for (int r = 0; r < 64; r++) {
            sink += sweep(c, h, 10.0f, (float) (r & 3));
        }
        passes += 64;
        t = now();
    } while (t - t0 < jb->seconds);
    jb->elapsed = t - t0;
    jb->exps = (double) passes * N;
    jb->sink = sink;
    free(c);
    free(h);
    return NULL;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (threads < 1 || threads > 256 || !(seconds > 0)) {
        fprintf(stderr, "usage: expf_bench [seconds > 0] [threads 1..256]\n");
        return 2;
    }
    job warm = {0.3, 0, 0, 0};
    run(&warm); /* warm-up: clocks, caches */
    pthread_t tid[256];
    job jobs[256];
    for (int k = 0; k < threads; k++) {
        jobs[k] = (job){seconds, 0, 0, 0};
        pthread_create(&tid[k], NULL, run, &jobs[k]);
    }
    double rate = 0, sink = 0;
    for (int k = 0; k < threads; k++) {
        pthread_join(tid[k], NULL);
        rate += jobs[k].exps / jobs[k].elapsed;
        sink += jobs[k].sink;
    }
    printf("{\"exp_per_s_per_thread\": %.6g, \"exp_per_s_total\": %.6g, \"ns_per_exp\": %.4f, \"threads\": %d, \"check\": %g}\n",
           rate / threads, rate, 1e9 * threads / rate, threads, sink);
    return 0;
}
