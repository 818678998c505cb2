// CPU facts for the thread count and the BLAS core choice (see infalign_simd.h).
#define _GNU_SOURCE
#include "infalign_simd.h"
#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

int infalign_available_cores(void) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int)online : 1;
}

unsigned infalign_cpu_vector_features(void) {
  unsigned features = 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx")) features |= INFALIGN_CPU_AVX;
  if (__builtin_cpu_supports("avx2")) features |= INFALIGN_CPU_AVX2;
  if (__builtin_cpu_supports("fma")) features |= INFALIGN_CPU_FMA;
  if (__builtin_cpu_supports("avx512f")) features |= INFALIGN_CPU_AVX512F;
  if (__builtin_cpu_supports("avx512bw")) features |= INFALIGN_CPU_AVX512BW;
  if (__builtin_cpu_supports("avx512vl")) features |= INFALIGN_CPU_AVX512VL;
  if (__builtin_cpu_supports("avx512dq")) features |= INFALIGN_CPU_AVX512DQ;
  if (__builtin_cpu_supports("avx512cd")) features |= INFALIGN_CPU_AVX512CD;
  if (__builtin_cpu_supports("avx512bf16")) features |= INFALIGN_CPU_AVX512BF16;
#endif
  return features;
}
