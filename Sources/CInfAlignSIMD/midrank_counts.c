// Mid-rank counts against an unsorted run at AVX2 and AVX-512 width (see infalign_simd.h).
//
// The same algorithm as Swift's `MidRank.countsUnsorted` (InfAlignMath/UnsortedMidRank.swift): each block of
// four queries streams the run once, and per lane counts `a < q` and `a <= q` (their sum is twice the mid-rank),
// two compares and two integer adds per element, no branch. The scalar tail uses the same comparisons.
#include "infalign_simd.h"

#define MIDRANK_SCALAR_TAIL(T)                                                                           \
  for (; i < n; i++) {                                                                                   \
    T x = a[i];                                                                                          \
    for (int b = 0; b < 4; b++) twice[b] += (x < qs[b]) + (x <= qs[b]);                                 \
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
#include <immintrin.h>

// The four queries of the block starting at j; a short block repeats its last query (computed, not written).
#define BLOCK_QUERIES(T)                                                                                 \
  ptrdiff_t w = k - j < 4 ? k - j : 4;                                                                   \
  T qs[4];                                                                                               \
  for (int b = 0; b < 4; b++) qs[b] = q[j + (b < w ? b : w - 1)];                                        \
  long long twice[4] = {0, 0, 0, 0};

#define BLOCK_STORE(T)                                                                                   \
  for (int b = 0; b < w; b++) out[j + b] = (T)twice[b] / 2;

#define AVX512 __attribute__((target("avx512f")))

AVX512 static void counts_avx512_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out) {
  const __m512i one = _mm512_set1_epi64(1);
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(double)
    __m512d qv[4];
    __m512i c[4];
    for (int b = 0; b < 4; b++) {
      qv[b] = _mm512_set1_pd(qs[b]);
      c[b] = _mm512_setzero_si512();
    }
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
      __m512d r = _mm512_loadu_pd(a + i);
      for (int b = 0; b < 4; b++) {
        c[b] = _mm512_mask_add_epi64(c[b], _mm512_cmp_pd_mask(r, qv[b], _CMP_LT_OQ), c[b], one);
        c[b] = _mm512_mask_add_epi64(c[b], _mm512_cmp_pd_mask(r, qv[b], _CMP_LE_OQ), c[b], one);
      }
    }
    for (int b = 0; b < 4; b++) twice[b] = _mm512_reduce_add_epi64(c[b]);
    MIDRANK_SCALAR_TAIL(double)
    BLOCK_STORE(double)
  }
}

AVX512 static void counts_avx512_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out) {
  const __m512i one = _mm512_set1_epi32(1);
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(float)
    __m512 qv[4];
    __m512i c[4];
    for (int b = 0; b < 4; b++) {
      qv[b] = _mm512_set1_ps(qs[b]);
      c[b] = _mm512_setzero_si512();
    }
    ptrdiff_t i = 0;
    // Int32 lanes gain at most 2 per 16 elements: flushed to 64 bits every 2^26 elements, so neither a lane
    // nor the 16-lane sum overflows.
    while (i + 16 <= n) {
      ptrdiff_t stop = n - i > ((ptrdiff_t)1 << 26) ? i + ((ptrdiff_t)1 << 26) : n;
      for (; i + 16 <= stop; i += 16) {
        __m512 r = _mm512_loadu_ps(a + i);
        for (int b = 0; b < 4; b++) {
          c[b] = _mm512_mask_add_epi32(c[b], _mm512_cmp_ps_mask(r, qv[b], _CMP_LT_OQ), c[b], one);
          c[b] = _mm512_mask_add_epi32(c[b], _mm512_cmp_ps_mask(r, qv[b], _CMP_LE_OQ), c[b], one);
        }
      }
      for (int b = 0; b < 4; b++) {
        twice[b] += (long long)(unsigned)_mm512_reduce_add_epi32(c[b]);
        c[b] = _mm512_setzero_si512();
      }
    }
    MIDRANK_SCALAR_TAIL(float)
    BLOCK_STORE(float)
  }
}

#define AVX2 __attribute__((target("avx2")))

// AVX2 compares give all-ones lanes (-1): subtracting them counts.
AVX2 static void counts_avx2_f64(const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out) {
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(double)
    __m256d qv[4];
    __m256i c[4];
    for (int b = 0; b < 4; b++) {
      qv[b] = _mm256_set1_pd(qs[b]);
      c[b] = _mm256_setzero_si256();
    }
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) {
      __m256d r = _mm256_loadu_pd(a + i);
      for (int b = 0; b < 4; b++) {
        __m256i lt = _mm256_castpd_si256(_mm256_cmp_pd(r, qv[b], _CMP_LT_OQ));
        __m256i le = _mm256_castpd_si256(_mm256_cmp_pd(r, qv[b], _CMP_LE_OQ));
        c[b] = _mm256_sub_epi64(c[b], _mm256_add_epi64(lt, le));
      }
    }
    for (int b = 0; b < 4; b++) {
      long long lanes[4];
      _mm256_storeu_si256((__m256i *)lanes, c[b]);
      twice[b] = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    }
    MIDRANK_SCALAR_TAIL(double)
    BLOCK_STORE(double)
  }
}

AVX2 static void counts_avx2_f32(const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out) {
  for (ptrdiff_t j = 0; j < k; j += 4) {
    BLOCK_QUERIES(float)
    __m256 qv[4];
    __m256i c[4];
    for (int b = 0; b < 4; b++) {
      qv[b] = _mm256_set1_ps(qs[b]);
      c[b] = _mm256_setzero_si256();
    }
    ptrdiff_t i = 0;
    while (i + 8 <= n) {
      ptrdiff_t stop = n - i > ((ptrdiff_t)1 << 26) ? i + ((ptrdiff_t)1 << 26) : n;
      for (; i + 8 <= stop; i += 8) {
        __m256 r = _mm256_loadu_ps(a + i);
        for (int b = 0; b < 4; b++) {
          __m256i lt = _mm256_castps_si256(_mm256_cmp_ps(r, qv[b], _CMP_LT_OQ));
          __m256i le = _mm256_castps_si256(_mm256_cmp_ps(r, qv[b], _CMP_LE_OQ));
          c[b] = _mm256_sub_epi32(c[b], _mm256_add_epi32(lt, le));
        }
      }
      for (int b = 0; b < 4; b++) {
        unsigned lanes[8];
        _mm256_storeu_si256((__m256i *)lanes, c[b]);
        for (int l = 0; l < 8; l++) twice[b] += lanes[l];
        c[b] = _mm256_setzero_si256();
      }
    }
    MIDRANK_SCALAR_TAIL(float)
    BLOCK_STORE(float)
  }
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
