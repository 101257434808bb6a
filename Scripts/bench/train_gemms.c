/* Per-GEMM microbenchmark for `prep train --model mini` (B=32, T=128, 640 masked rows,
 * vocab 30522): each GEMM of a step, run the way the trainer runs it on 2 threads
 * (parallelSgemm: C split into two halves of rows, or of columns when C is wide, each a
 * one-thread OpenBLAS call) and, for comparison, split along K into two partial products that
 * are then added (kHalvesSgemm, used for the MLM head's input gradient).
 *
 * This VM's cores slow down for seconds at a time (docs/training.md), so every repetition is
 * bracketed by a reference GEMM (1024x1024x512 per thread) and the figure to read is the
 * median "eff" = the shape's GFLOP/s over the reference's in the same repetition.
 * Built and run by Scripts/bench/train_gemms. */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { int ta, tb, m, n, k; const float *a, *b; float *c; int lda, ldb, ldc; float beta; } Call;

static pthread_barrier_t barrier;
static Call calls[2];
static volatile int quitting;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *x, const void *y) { double a = *(const double *)x, b = *(const double *)y; return a < b ? -1 : a > b; }

static void *worker(void *arg) {
    long id = (long)arg;
    for (;;) {
        pthread_barrier_wait(&barrier);
        if (quitting) return NULL;
        Call *g = &calls[id];
        cblas_sgemm(CblasRowMajor, g->ta ? CblasTrans : CblasNoTrans, g->tb ? CblasTrans : CblasNoTrans,
                    g->m, g->n, g->k, 1.f, g->a, g->lda, g->b, g->ldb, g->beta, g->c, g->ldc);
        pthread_barrier_wait(&barrier);
    }
}

static float *A, *B, *C, *C2;

/* One 2-thread run of C = op(A)·op(B); ksplit: two K halves added afterwards (2 threads). */
static double run(int ta, int tb, int m, int n, int k, int ksplit) {
    int lda = ta ? m : k, ldb = tb ? k : n, ldc = n;
    if (!ksplit && m >= n) {
        int h = (m + 15) / 16 / 2 * 16;
        calls[0] = (Call){ta, tb, h, n, k, A, B, C, lda, ldb, ldc, 1};
        calls[1] = (Call){ta, tb, m - h, n, k, ta ? A + h : A + (size_t)h * lda, B, C + (size_t)h * ldc, lda, ldb, ldc, 1};
    } else if (!ksplit) {
        int h = (n + 15) / 16 / 2 * 16;
        calls[0] = (Call){ta, tb, m, h, k, A, B, C, lda, ldb, ldc, 1};
        calls[1] = (Call){ta, tb, m, n - h, k, A, tb ? B + (size_t)h * ldb : B + h, C + h, lda, ldb, ldc, 1};
    } else {
        int h = (k / 2 + 15) / 16 * 16;
        calls[0] = (Call){ta, tb, m, n, h, A, B, C, lda, ldb, ldc, 0};
        calls[1] = (Call){ta, tb, m, n, k - h, ta ? A + (size_t)h * lda : A + h, tb ? B + h : B + (size_t)h * ldb, C2, lda, ldb, ldc, 0};
    }
    double t0 = now();
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    if (ksplit)  /* the reduction, on one thread (the trainer splits it over two) */
        for (size_t i = 0; i < (size_t)m * n; i++) C[i] += C2[i];
    return now() - t0;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 7;
    size_t big = 40u << 20;
    A = malloc(big * 4); B = malloc(big * 4); C = calloc(big, 4); C2 = calloc(big, 4);
    for (size_t i = 0; i < big; i++) { A[i] = (i % 17) * 0.01f; B[i] = (i % 13) * 0.01f; }
    pthread_barrier_init(&barrier, NULL, 3);
    pthread_t th[2];
    for (long i = 0; i < 2; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    struct { const char *name; int ta, tb, m, n, k, count; } S[] = {
        {"QKV fwd (NT)", 0, 1, 4096, 768, 256, 4},   {"attn out fwd (NT)", 0, 1, 4096, 256, 256, 4},
        {"FFN1 fwd (NT)", 0, 1, 4096, 1024, 256, 4}, {"FFN2 fwd (NT)", 0, 1, 4096, 256, 1024, 4},
        {"FFN2 dX (NN)", 0, 0, 4096, 1024, 256, 4},  {"FFN1 dX (NN)", 0, 0, 4096, 256, 1024, 4},
        {"attn out dX (NN)", 0, 0, 4096, 256, 256, 4}, {"QKV dX (NN)", 0, 0, 4096, 256, 768, 4},
        {"FFN2 dW (TN)", 1, 0, 256, 1024, 4096, 4},  {"FFN1 dW (TN)", 1, 0, 1024, 256, 4096, 4},
        {"attn out dW (TN)", 1, 0, 256, 256, 4096, 4}, {"QKV dW (TN)", 1, 0, 768, 256, 4096, 4},
        {"head logits (NT)", 0, 1, 640, 30522, 256, 1}, {"head dX (NN)", 0, 0, 640, 256, 30522, 1},
        {"head dW (TN)", 1, 0, 30522, 256, 640, 1},  {"head dense fwd", 0, 1, 640, 256, 256, 1},
        {"head dense dX", 0, 0, 640, 256, 256, 1},   {"head dense dW", 1, 0, 256, 256, 640, 1}};
    int shapes = sizeof S / sizeof S[0];
    double *refs = malloc(sizeof(double) * reps * shapes), flops = 0, msRows = 0, msBest = 0;
    int nref = 0;
    printf("%-18s %-17s %5s  %-22s %-22s\n", "GEMM", "M x N x K", "count", "row/col halves", "K halves");
    for (int s = 0; s < shapes; s++) {
        double gf = 2.0 * S[s].m * S[s].n * S[s].k * 1e-9, e0[64], e1[64], t0[64], t1[64];
        for (int r = 0; r < reps && r < 64; r++) {
            double ref = 1e9;
            for (int i = 0; i < 3; i++) { double t = run(0, 0, 2048, 1024, 512, 0); if (t < ref) ref = t; }
            double refRate = 2.0 * 2048 * 1024 * 512 * 1e-9 / ref;
            t0[r] = run(S[s].ta, S[s].tb, S[s].m, S[s].n, S[s].k, 0);
            t1[r] = run(S[s].ta, S[s].tb, S[s].m, S[s].n, S[s].k, 1);
            e0[r] = gf / t0[r] / refRate; e1[r] = gf / t1[r] / refRate;
            refs[nref++] = refRate;
        }
        int n = reps < 64 ? reps : 64;
        qsort(e0, n, 8, cmp); qsort(e1, n, 8, cmp); qsort(t0, n, 8, cmp); qsort(t1, n, 8, cmp);
        char dims[32];
        snprintf(dims, sizeof dims, "%dx%dx%d", S[s].m, S[s].n, S[s].k);
        printf("%-18s %-17s %5d  %6.2f ms eff %.2f       %6.2f ms eff %.2f\n", S[s].name, dims, S[s].count,
               t0[n / 2] * 1e3, e0[n / 2], t1[n / 2] * 1e3, e1[n / 2]);
        flops += gf * S[s].count; msRows += t0[n / 2] * 1e3 * S[s].count;
        msBest += (t0[n / 2] < t1[n / 2] ? t0[n / 2] : t1[n / 2]) * 1e3 * S[s].count;
    }
    qsort(refs, nref, 8, cmp);
    printf("reference (2 threads, 1024x1024x512 each): median %.0f GFLOP/s, best %.0f\n", refs[nref / 2], refs[nref - 1]);
    printf("one step's %.1f GFLOP of these GEMMs (attention's per-head GEMMs not included): %.0f ms at the median "
           "reference rate, %.0f ms at the best; measured medians sum to %.0f ms (halves), %.0f ms (better split each)\n",
           flops, flops / refs[nref / 2] * 1e3, flops / refs[nref - 1] * 1e3, msRows, msBest);
    quitting = 1;
    pthread_barrier_wait(&barrier);
    return 0;
}
