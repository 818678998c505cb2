#define _POSIX_C_SOURCE 199309L
/* The native side of python/benchmarks/overhead.py: the C ABI's CTRL step (or a small calibration) called from C
 * on preallocated buffers, median wall time of `repeats` calls. Usage: ctrl_native ctrl|calibrate GROUPS SIZE
 * REPEATS [all]. Prints the median in seconds of thread CPU time per call; calls shorter than 1 ms are timed in
 * batches of 100. */
#include "infalign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: on a machine shared with other jobs, wall time measures the neighbours. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *what = argv[1];
  int64_t groups = atoll(argv[2]), size = atoll(argv[3]);
  int repeats = atoi(argv[4]);
  int all = argc > 5 && strcmp(argv[5], "all") == 0;
  int64_t n = groups * size;
  double *r = malloc(n * sizeof *r), *lp = malloc(n * sizeof *lp), *lr = malloc(n * sizeof *lr);
  double *a = malloc(n * sizeof *a), *g = malloc(n * sizeof *g), *c = malloc(n * sizeof *c);
  double *t = malloc(n * sizeof *t), *k1 = malloc(n * sizeof *k1), *k2 = malloc(n * sizeof *k2);
  double *k3 = malloc(n * sizeof *k3);
  uint8_t *valid = malloc(n);
  unsigned long long state = 42;
  for (int64_t i = 0; i < n; i++) { /* the same generator as overhead.py */
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    r[i] = (double)(state >> 11) / 9007199254740992.0;
    lp[i] = -2 - r[i] * 0.1;
    lr[i] = -2 + r[i] * 0.1;
  }
  infalign_ctrl_options *options = NULL;
  if (infalign_ctrl_options_create(&options)) return 1;
  infalign_ctrl_summary summary;
  double *times = malloc(repeats * sizeof *times);
  int batch = n < 4096 ? 100 : 1;
  for (int k = 0; k < repeats; k++) {
    double start = now();
    int32_t s = 0;
    for (int b = 0; b < batch; b++) {
      if (strcmp(what, "ctrl") == 0) {
        s |= infalign_ctrl_step_f64(options, NULL, groups, size, r, lp, lr, NULL, a, g, all ? c : NULL,
                                    all ? t : NULL, all ? k1 : NULL, all ? k2 : NULL, all ? k3 : NULL,
                                    all ? valid : NULL, &summary);
      } else {
        s |= infalign_calibrate_f64(lr, size, r, size, groups, 0, a);
      }
    }
    times[k] = (now() - start) / batch;
    if (s) {
      fprintf(stderr, "%s\n", infalign_last_error());
      return 1;
    }
  }
  qsort(times, repeats, sizeof *times, compare);
  printf("%.9e\n", times[repeats / 2]);
  return 0;
}
