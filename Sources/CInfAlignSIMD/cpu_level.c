// Run-time choice of the vector level (see infalign_simd.h).
#include "infalign_simd.h"
#include <stdlib.h>
#include <string.h>

int infalign_simd_detected_level(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
  return 0;
}

int infalign_simd_level(void) {
  int level = infalign_simd_detected_level();
  const char *cap = getenv("INFALIGN_SIMD");
  if (cap == NULL) return level;
  int wanted = level;
  if (strcmp(cap, "baseline") == 0) wanted = 0;
  else if (strcmp(cap, "avx2") == 0) wanted = 1;
  else if (strcmp(cap, "avx512") == 0) wanted = 2;
  return wanted < level ? wanted : level;
}
