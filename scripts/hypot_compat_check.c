// make wheel: hypot/hypotf as the wheel's libInfAlignC calls them against glibc's newest versions, bit for bit.
//
// The wheel build wraps swift-numerics' hypot/hypotf references to hypot@GLIBC_2.2.5/hypotf@GLIBC_2.2.5
// (Sources/CInfAlignGlibcCompat). This program, linked normally (so its own hypot/hypotf are the newest versions,
// hypot@GLIBC_2.35 on glibc >= 2.35), compares on N argument pairs (random bit patterns, wide and narrow exponent
// ranges, near-equal arguments) plus every pair of special values (zeros, infinities, NaNs, subnormals, the
// largest finite): (1) hypot@GLIBC_2.2.5 called directly, with errno; (2) RealModule's Double.hypot and Float.hypot
// inside LIBRARY (dlopen), which reach libm through the wrapper. Any difference (NaN payloads aside) fails.
//
// Usage: hypot_compat_check LIBRARY [N]   (x86_64 glibc only)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__asm__(".symver hypot_2_2_5, hypot@GLIBC_2.2.5");
__asm__(".symver hypotf_2_2_5, hypotf@GLIBC_2.2.5");
double hypot_2_2_5(double x, double y);
float hypotf_2_2_5(float x, float y);

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static double unit(void) { return (double)(next() >> 11) * 0x1p-53; }

static long failures = 0;
static void same_d(const char *what, double x, double y, double a, double b) {
  if (memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b))) {
    if (failures++ < 10) printf("hypot-check: %s(%a, %a): %a vs %a\n", what, x, y, a, b);
  }
}
static void same_f(const char *what, float x, float y, float a, float b) {
  if (memcmp(&a, &b, sizeof a) != 0 && !(isnan(a) && isnan(b))) {
    if (failures++ < 10) printf("hypot-check: %s(%a, %a): %a vs %a\n", what, (double)x, (double)y, (double)a, (double)b);
  }
}

static double (*lib_hypot)(double, double);
static float (*lib_hypotf)(float, float);

static void check(double x, double y, float xf, float yf) {
  errno = 0;
  double d_new = hypot(x, y);
  int e_new = errno;
  errno = 0;
  double d_old = hypot_2_2_5(x, y);
  int e_old = errno;
  same_d("hypot@GLIBC_2.2.5", x, y, d_old, d_new);
  if (e_new != e_old && failures++ < 10) printf("hypot-check: hypot errno(%a, %a): %d vs %d\n", x, y, e_old, e_new);
  same_d("Double.hypot", x, y, lib_hypot(x, y), d_new);

  errno = 0;
  float f_new = hypotf(xf, yf);
  e_new = errno;
  errno = 0;
  float f_old = hypotf_2_2_5(xf, yf);
  e_old = errno;
  same_f("hypotf@GLIBC_2.2.5", xf, yf, f_old, f_new);
  if (e_new != e_old && failures++ < 10)
    printf("hypot-check: hypotf errno(%a, %a): %d vs %d\n", (double)xf, (double)yf, e_old, e_new);
  same_f("Float.hypot", xf, yf, lib_hypotf(xf, yf), f_new);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s LIBRARY [N]\n", argv[0]);
    return 2;
  }
  long n = argc > 2 ? atol(argv[2]) : 4000000;
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    printf("hypot-check: %s\n", dlerror());
    return 1;
  }
  // RealModule's `static func hypot(_:_:)` on Double and Float: Swift passes two Doubles (Floats) as C does, and the
  // thin metatype `self` not at all.
  lib_hypot = (double (*)(double, double))dlsym(library, "$sSd10RealModuleE5hypotyS2d_SdtFZ");
  lib_hypotf = (float (*)(float, float))dlsym(library, "$sSf10RealModuleE5hypotyS2f_SftFZ");
  if (!lib_hypot || !lib_hypotf) {
    printf("hypot-check: %s exports no Double.hypot/Float.hypot of RealModule\n", argv[1]);
    return 1;
  }
  for (long i = 0; i < n; i++) {
    double x, y;
    float xf, yf;
    switch (i % 4) {
    case 0: {  // any bit pattern
      uint64_t a = next(), b = next();
      memcpy(&x, &a, 8);
      memcpy(&y, &b, 8);
      uint32_t c = (uint32_t)a, d = (uint32_t)b;
      memcpy(&xf, &c, 4);
      memcpy(&yf, &d, 4);
      break;
    }
    case 1:  // moderate values
      x = unit() * 200 - 100;
      y = unit() * 200 - 100;
      xf = (float)x;
      yf = (float)y;
      break;
    case 2:  // every exponent, overflow and underflow included
      x = ldexp(unit(), (int)(next() % 2100) - 1050);
      y = ldexp(unit(), (int)(next() % 2100) - 1050);
      xf = ldexpf((float)unit(), (int)(next() % 300) - 150);
      yf = ldexpf((float)unit(), (int)(next() % 300) - 150);
      break;
    default:  // near-equal arguments
      x = ldexp(1 + unit(), (int)(next() % 60) - 30);
      y = x * (1 + (unit() - 0.5) * ldexp(1, -(int)(next() % 54)));
      xf = (float)x;
      yf = (float)y;
      break;
    }
    check(x, y, xf, yf);
  }
  const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 0x1p-1074, 0x1p-1022, 0x1p-149, 0x1p-126,
                            1.0, -1.0, 0x1.fffffep127, 0x1p1000, 0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023};
  const int count = (int)(sizeof special / sizeof special[0]);
  for (int i = 0; i < count; i++)
    for (int j = 0; j < count; j++) check(special[i], special[j], (float)special[i], (float)special[j]);
  if (failures) {
    printf("hypot-check: %ld differences\n", failures);
    return 1;
  }
  printf("hypot-check: %ld argument pairs and %d special pairs: hypot/hypotf@GLIBC_2.2.5 and the library's "
         "Double/Float.hypot equal hypot/hypotf (values and errno), bit for bit\n", n, count * count);
  return 0;
}
