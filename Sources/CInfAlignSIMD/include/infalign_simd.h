#ifndef INFALIGN_SIMD_H
#define INFALIGN_SIMD_H
// Row kernels compiled for wider vector units than Swift's baseline x86-64 target (SSE2), chosen at run time.
//
// Swift cannot mark a function for AVX2 or AVX-512 without compiler flags that a library cannot impose on the
// packages that depend on it; C can (`__attribute__((target(...)))`), so the few kernels whose speed is set by
// vector width live here, each behind a level argument that the Swift side picks once per process
// (`VectorISA.active` in InfAlignMath). On other architectures every level is 0 and nothing here is called.
//
// Levels: 0 baseline (the caller's portable Swift path), 1 AVX2 + FMA, 2 AVX-512F.
// A kernel called with a level above `infalign_simd_detected_level()` is a programmer error.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The widest level this CPU and OS support (cpuid with the OS's saved-state check), capped by the
/// `INFALIGN_SIMD` environment variable when it is set to `baseline`, `avx2` or `avx512`.
int infalign_simd_level(void);

/// The widest level this CPU and OS support, ignoring the environment.
int infalign_simd_detected_level(void);

/// The number of CPUs this process may run on: its affinity mask on Linux (so `taskset` and container cpusets
/// count), otherwise the online processors; at least 1.
int infalign_available_cores(void);

/// Names the calling thread (`/proc/PID/task/TID/comm`, `top -H`, debuggers): at most 15 characters on Linux.
void infalign_name_this_thread(const char *name);

/// Vector features of this CPU (and OS), as a bit set of the `INFALIGN_CPU_…` flags; 0 off x86-64.
unsigned infalign_cpu_vector_features(void);
#define INFALIGN_CPU_AVX 1u
#define INFALIGN_CPU_AVX2 2u
#define INFALIGN_CPU_FMA 4u
#define INFALIGN_CPU_AVX512F 8u
#define INFALIGN_CPU_AVX512BW 16u
#define INFALIGN_CPU_AVX512VL 32u
#define INFALIGN_CPU_AVX512DQ 64u
#define INFALIGN_CPU_AVX512CD 128u
#define INFALIGN_CPU_AVX512BF16 256u

/// The path of the shared object (or executable) that holds `address`, or NULL when the loader cannot tell.
/// The string belongs to the loader; it stays valid while that object is loaded.
const char *infalign_shared_object_path(const void *address);

/// `sum_j exp(x[j] - shift)` over `n` values, storing each term into `store` when it is not NULL (it may equal
/// `x`). Each term is within 2 ulp of the C library's `exp`; a vector holding a lane that would overflow,
/// underflow to a subnormal, or is NaN is computed with the C library's `exp` instead, so special values match it.
double infalign_exp_shifted_sum_f64(int level, const double *x, ptrdiff_t n, double shift, double *store);
/// The single-precision form of `infalign_exp_shifted_sum_f64`.
float infalign_exp_shifted_sum_f32(int level, const float *x, ptrdiff_t n, float shift, float *store);

/// The maximum of `x[0..<n]`: NaN if any value is NaN, -infinity when `n` is 0.
double infalign_row_max_f64(int level, const double *x, ptrdiff_t n);
/// The single-precision form of `infalign_row_max_f64`.
float infalign_row_max_f32(int level, const float *x, ptrdiff_t n);

/// Mid-rank counts `#{i : a[i] < q} + #{i : a[i] == q} / 2` of each of `k` queries against the unsorted run
/// `a[0..<n]`, into `out[0..<k]`. NaN is never less than or equal to anything. Exact (integer counts, halved).
void infalign_midrank_counts_f64(int level, const double *a, ptrdiff_t n, const double *q, ptrdiff_t k, double *out);
/// The single-precision form of `infalign_midrank_counts_f64`.
void infalign_midrank_counts_f32(int level, const float *a, ptrdiff_t n, const float *q, ptrdiff_t k, float *out);


/// Conventions of the CTRL step's per-sample pass (Swift's `CTRLOptions`, resolved): ratio clip bounds
/// `[clip_low, clip_high]` (= 1 - eps_low, 1 + eps_high), dual clip `dual` (0 = off), ratio cap `cap` and
/// log-ratio clamp `log_clamp` (INFINITY = off), `on_policy` (ratio exactly 1), the loss weight of each sample;
/// the KL loss term (`loss_estimator` -1 off, 0 k1, 1 abs, 2 k2, 3 k3; coefficient, estimate clamp (INFINITY =
/// off), straight-through) and the KL-in-reward after the baseline (`after_estimator` -1 off; from the old
/// log-probs when `after_from_old`).
typedef struct {
  double clip_low, clip_high, dual, cap, log_clamp, weight;
  int on_policy;
  int loss_estimator, loss_straight;
  double loss_coef, loss_clamp;
  int after_estimator, after_from_old;
  double after_coef, after_clamp;
} infalign_ctrl_params;

/// The per-sample pass of the CTRL step over `n` samples (sequence-level inputs): writes `grad` and, when not
/// NULL, `k1`, `k2`, `k3`; `sums[0..<6]` receives the weighted policy loss, the weighted KL loss, the sums of k1,
/// k2, k3 and the clipped count. Returns -1, or the index of the first sample whose value is not finite (the
/// outputs of the samples before it are written, nothing is summed), or -2 when `level` is 0 or the
/// architecture has no vector kernel (the caller's Swift path).
ptrdiff_t infalign_ctrl_sequence_f64(int level, const infalign_ctrl_params *q, ptrdiff_t n, const double *lp,
                                     const double *lr, const double *old, const double *adv, double *grad,
                                     double *k1, double *k2, double *k3, double *sums);
/// The single-precision form of `infalign_ctrl_sequence_f64` (sums in double).
ptrdiff_t infalign_ctrl_sequence_f32(int level, const infalign_ctrl_params *q, ptrdiff_t n, const float *lp,
                                     const float *lr, const float *old, const float *adv, float *grad, float *k1,
                                     float *k2, float *k3, double *sums);

#ifdef __cplusplus
}
#endif
#endif
