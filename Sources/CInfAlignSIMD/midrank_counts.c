// Mid-rank counts against an unsorted run at AVX2 and AVX-512 width (see infalign_simd.h).
//
// The same algorithm as Swift's `MidRank.countsUnsorted` (InfAlignMath/UnsortedMidRank.swift): each block of
// four queries streams the run once, and per lane counts `a < q` and `a <= q` (their sum is twice the mid-rank):
// compares give all-ones lanes (-1), so subtracting them counts. No branch; the scalar tail uses the same
// comparisons. Written once with vector extensions (vectors.h).
#include "infalign_simd.h"
#include "vectors.h"

// `twice[b]` for the queries `qs[0..<4]` over a[i..<n], one element at a time.
#define MIDRANK_TAIL                                                                                     \
  for (; i < n; i++) {                                                                                   \
    for (int b = 0; b < 4; b++) twice[b] += (a[i] < qs[b]) + (a[i] <= qs[b]);                           \
  }

// The four queries of the block starting at j; a short block repeats its last query (computed, not written).
#define BLOCK_QUERIES(T)                                                                                 \
  ptrdiff_t w = k - j < 4 ? k - j : 4;                                                                   \
  T qs[4];                                                                                               \
  for (int b = 0; b < 4; b++) qs[b] = q[j + (b < w ? b : w - 1)];                                        \
  long long twice[4] = {0, 0, 0, 0};

INLINE void counts_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out) {
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(double)
    const f64x8 q0 = (f64x8){0} + qs[0], q1 = (f64x8){0} + qs[1], q2 = (f64x8){0} + qs[2], q3 = (f64x8){0} + qs[3];
    i64x8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
      f64x8 r = load_f64x8(a + i);
      c0 -= (r < q0) + (r <= q0);
      c1 -= (r < q1) + (r <= q1);
      c2 -= (r < q2) + (r <= q2);
      c3 -= (r < q3) + (r <= q3);
    }
    twice[0] = __builtin_reduce_add(c0);
    twice[1] = __builtin_reduce_add(c1);
    twice[2] = __builtin_reduce_add(c2);
    twice[3] = __builtin_reduce_add(c3);
    MIDRANK_TAIL
    for (int b = 0; b < w; b++) out[j + b] = (double)twice[b] / 2;
  }
}

INLINE void counts_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out) {
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(float)
    const f32x16 q0 = (f32x16){0} + qs[0], q1 = (f32x16){0} + qs[1], q2 = (f32x16){0} + qs[2], q3 = (f32x16){0} + qs[3];
    ptrdiff_t i = 0;
    // Int32 lanes gain at most 2 per 16 elements: flushed to 64 bits every 2^26 elements, so neither a lane
    // nor the 16-lane sum overflows.
    while (i + 16 <= n) {
      ptrdiff_t stop = n - i > ((ptrdiff_t)1 << 26) ? i + ((ptrdiff_t)1 << 26) : n;
      i32x16 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
      for (; i + 16 <= stop; i += 16) {
        f32x16 r = load_f32x16(a + i);
        c0 -= (r < q0) + (r <= q0);
        c1 -= (r < q1) + (r <= q1);
        c2 -= (r < q2) + (r <= q2);
        c3 -= (r < q3) + (r <= q3);
      }
      twice[0] += __builtin_reduce_add(c0);
      twice[1] += __builtin_reduce_add(c1);
      twice[2] += __builtin_reduce_add(c2);
      twice[3] += __builtin_reduce_add(c3);
    }
    MIDRANK_TAIL
    for (int b = 0; b < w; b++) out[j + b] = (float)twice[b] / 2;
  }
}

static void scalar_counts_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out) {
  for (ptrdiff_t j = 0; j < k; j++) {
    long long twice = 0;
    for (ptrdiff_t i = 0; i < n; i++) twice += (a[i] < q[j]) + (a[i] <= q[j]);
    out[j] = (double)twice / 2;
  }
}

static void scalar_counts_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out) {
  for (ptrdiff_t j = 0; j < k; j++) {
    long long twice = 0;
    for (ptrdiff_t i = 0; i < n; i++) twice += (a[i] < q[j]) + (a[i] <= q[j]);
    out[j] = (float)twice / 2;
  }
}

#if defined(__x86_64__)
TARGET_AVX512 static void counts_avx512_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *o) {
  counts_f64(a, n, q, k, o);
}
TARGET_AVX2 static void counts_avx2_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *o) {
  counts_f64(a, n, q, k, o);
}
TARGET_AVX512 static void counts_avx512_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *o) {
  counts_f32(a, n, q, k, o);
}
TARGET_AVX2 static void counts_avx2_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *o) {
  counts_f32(a, n, q, k, o);
}
#endif

void infalign_midrank_counts_f64(int level, const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out) {
#if defined(__x86_64__)
  if (level >= 2) { counts_avx512_f64(a, n, q, k, out); return; }
  if (level == 1) { counts_avx2_f64(a, n, q, k, out); return; }
#endif
  (void)level;
  scalar_counts_f64(a, n, q, k, out);
}

void infalign_midrank_counts_f32(int level, const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out) {
#if defined(__x86_64__)
  if (level >= 2) { counts_avx512_f32(a, n, q, k, out); return; }
  if (level == 1) { counts_avx2_f32(a, n, q, k, out); return; }
#endif
  (void)level;
  scalar_counts_f32(a, n, q, k, out);
}
