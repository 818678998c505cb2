// The per-sample pass of the CTRL step on sequence-level inputs at AVX2 and AVX-512 width (see infalign_simd.h):
// k1/k2/k3, the PPO term with its clip conventions, the KL loss term, the KL-in-reward after the baseline, and
// dL/dlog pi, as lane selects of the same formulas as Swift's `CTRLTerms`. The body is written once
// (ctrl_sequence_body.h) and expanded per precision; each is compiled per level.
#include "infalign_simd.h"
#include "exp_vectors.h"

#if defined(__x86_64__)
#define CT double
#define CV f64x8
#define CI i64x8
#define CW 8
#define CEXP exp_f64x8
#define CNAME ctrl_f64
#include "ctrl_sequence_body.h"
#undef CT
#undef CV
#undef CI
#undef CW
#undef CEXP
#undef CNAME

#define CT float
#define CV f32x16
#define CI i32x16
#define CW 16
#define CEXP exp_f32x16
#define CNAME ctrl_f32
#include "ctrl_sequence_body.h"

#define ARGS(T) const infalign_ctrl_params *q, ptrdiff_t n, const T *lp, const T *lr, const T *old, const T *adv, \
                T *grad, T *k1, T *k2, T *k3, double *sums
TARGET_AVX512 static ptrdiff_t f64_avx512(ARGS(double)) { return ctrl_f64_pass(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums); }
TARGET_AVX2 static ptrdiff_t f64_avx2(ARGS(double)) { return ctrl_f64_pass(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums); }
TARGET_AVX512 static ptrdiff_t f32_avx512(ARGS(float)) { return ctrl_f32_pass(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums); }
TARGET_AVX2 static ptrdiff_t f32_avx2(ARGS(float)) { return ctrl_f32_pass(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums); }
#endif

ptrdiff_t infalign_ctrl_sequence_f64(int level, const infalign_ctrl_params *q, ptrdiff_t n, const double *lp,
                                     const double *lr, const double *old, const double *adv, double *grad,
                                     double *k1, double *k2, double *k3, double *sums) {
#if defined(__x86_64__)
  if (level >= 2) return f64_avx512(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums);
  if (level == 1) return f64_avx2(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums);
#endif
  (void)level, (void)q, (void)n, (void)lp, (void)lr, (void)old, (void)adv, (void)grad, (void)k1, (void)k2, (void)k3;
  (void)sums;
  return -2;
}

ptrdiff_t infalign_ctrl_sequence_f32(int level, const infalign_ctrl_params *q, ptrdiff_t n, const float *lp,
                                     const float *lr, const float *old, const float *adv, float *grad, float *k1,
                                     float *k2, float *k3, double *sums) {
#if defined(__x86_64__)
  if (level >= 2) return f32_avx512(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums);
  if (level == 1) return f32_avx2(q, n, lp, lr, old, adv, grad, k1, k2, k3, sums);
#endif
  (void)level, (void)q, (void)n, (void)lp, (void)lr, (void)old, (void)adv, (void)grad, (void)k1, (void)k2, (void)k3;
  (void)sums;
  return -2;
}
