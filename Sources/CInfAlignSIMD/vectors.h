#ifndef INFALIGN_VECTORS_H
#define INFALIGN_VECTORS_H
// The kernels' vector code is written once, with clang's vector extensions at 64 bytes (8 doubles or 16 floats),
// in always-inline bodies that each level expands into a function marked `__attribute__((target(...)))`: AVX-512
// runs a vector as one zmm register, AVX2 as two ymm registers. Clang contracts `a * b + c` within a statement
// (its default -ffp-contract=on), so Horner steps are fused multiply-adds at both levels.
#include <stddef.h>
#include <string.h>

// The helpers take and return vectors by value; they are always inlined into the target functions, so no call
// crosses the ABI boundary this warning is about.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double f64x8 __attribute__((vector_size(64)));
typedef long long i64x8 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
typedef int i32x16 __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))
#define TARGET_AVX512 __attribute__((target("avx512f")))
#define TARGET_AVX2 __attribute__((target("avx2,fma")))

INLINE f64x8 load_f64x8(const double *p) {
  f64x8 v;
  memcpy(&v, p, sizeof v);
  return v;
}
INLINE f32x16 load_f32x16(const float *p) {
  f32x16 v;
  memcpy(&v, p, sizeof v);
  return v;
}
INLINE void store_f64x8(double *p, f64x8 v) { memcpy(p, &v, sizeof v); }
INLINE void store_f32x16(float *p, f32x16 v) { memcpy(p, &v, sizeof v); }

// Lane sums in a fixed pairwise order (the result does not depend on the level).
INLINE double sum_f64x8(f64x8 v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }
INLINE float sum_f32x16(f32x16 v) {
  float s[8];
  for (int i = 0; i < 8; i++) s[i] = v[i] + v[i + 8];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

#endif
