#ifndef INFALIGN_EXP_VECTORS_H
#define INFALIGN_EXP_VECTORS_H
// Vector exponentials shared by the kernels (exp_shifted_sum.c, ctrl_sequence.c): Cody-Waite reduction
// x = n ln2 + r with |r| <= ln2/2, the Taylor polynomial of e^r (degree 13 for double, 7 for float: truncation
// below half an ulp) by Horner, and 2^n assembled from the bits of x log2(e) + 1.5 2^p. A vector with a lane
// outside the fast range (or NaN) uses the C library's exp for that vector. Always inlined into a level's
// target function.
#include "vectors.h"
#include <math.h>

// The double and float functions differ in every constant (fast range, ln 2 split, degree, exponent field), so
// each is written out.

// e^x for 8 doubles. exp(x) is normal and finite for x in (-708, 709).
INLINE f64x8 exp_f64x8(f64x8 x) {
  if (__builtin_reduce_or((x <= -708.0) | (x >= 709.0) | (x != x))) {
    for (int i = 0; i < 8; i++) x[i] = exp(x[i]);
    return x;
  }
  const f64x8 magic = (f64x8){0} + 0x1.8p52;
  f64x8 t = x * 1.4426950408889634 + magic;  // log2(e)
  f64x8 n = t - magic;
  f64x8 r = x - n * 0.6931471805598903;  // ln 2 split high/low (Cody-Waite)
  r = r - n * 5.497923018708371e-14;
  f64x8 p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // t's low bits hold n; 2^n has exponent field n + 1023.
  i64x8 bits = ((i64x8)t - (0x4338000000000000LL - 1023)) << 52;
  return p * (f64x8)bits;
}

// e^x for 16 floats. expf(x) is normal and finite for x in (-87, 88).
INLINE f32x16 exp_f32x16(f32x16 x) {
  if (__builtin_reduce_or((x <= -87.0f) | (x >= 88.0f) | (x != x))) {
    for (int i = 0; i < 16; i++) x[i] = expf(x[i]);
    return x;
  }
  const f32x16 magic = (f32x16){0} + 0x1.8p23f;
  f32x16 t = x * 1.442695f + magic;
  f32x16 n = t - magic;
  f32x16 r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  f32x16 p = r * (1.0f / 5040) + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  i32x16 bits = ((i32x16)t - (0x4B400000 - 127)) << 23;
  return p * (f32x16)bits;
}

#endif
