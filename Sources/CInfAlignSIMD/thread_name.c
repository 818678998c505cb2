// The name of the calling thread, for the library's worker pool (see infalign_simd.h).
#define _GNU_SOURCE
#include "infalign_simd.h"
#include <pthread.h>

void infalign_name_this_thread(const char *name) {
#if defined(__linux__)
  (void)pthread_setname_np(pthread_self(), name);  // at most 15 characters; a longer name is refused (ERANGE)
#elif defined(__APPLE__)
  (void)pthread_setname_np(name);
#else
  (void)name;
#endif
}
