// The shared object that holds an address (see infalign_simd.h).
#define _GNU_SOURCE
#include "infalign_simd.h"
#include <dlfcn.h>

const char *infalign_shared_object_path(const void *address) {
  Dl_info info;
  if (dladdr(address, &info) == 0) return NULL;
  return info.dli_fname;
}
