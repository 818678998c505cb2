/* Fork safety of the C ABI (docs/RELIABILITY.md, "Fork"): after threaded calls have started the library's worker
 * threads (and OpenBLAS's), a forked child's threaded calls run on threads of its own and give the parent's bits,
 * and so do the parent's. Checked after plain threaded calls, in a grandchild (a fork of a fork), and for forks
 * taken while another thread of the parent is inside pooled jobs. Every child arms alarm(): a hang (the bug this
 * guards against: the child waiting on workers it does not have) kills it with SIGALRM, which fails the test.
 * Built and run by `make c-test`. */
#define _GNU_SOURCE
#include "check.h"

#include <cblas.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Large enough for every entry point to use the pool at 4 threads (see each kernel's minimumRows). */
enum { PROMPTS = 4096, COLUMNS = 64, SAMPLES = 16, THREADS = 4, GEMM = 384 };
/* Generous for a debug build on a loaded machine; the whole program's guard is a few times that. */
enum { CHILD_SECONDS = 60, PROGRAM_SECONDS = 300 };

typedef struct {
  double *calibrated, *tabled, *win_rates;
} Results;

static double *references, *rewards, *policy, *reference, *a, *b, *gemm_expected;
static int64_t offsets[PROMPTS + 1];
static infalign_table *table;
static infalign_procedure *procedure;
static Results expected;

static uint64_t state = 0x9E3779B97F4A7C15u;
static double next_value(void) {
  state = state * 6364136223846793005u + 1442695040888963407u;
  return (double)(state >> 11) * 0x1p-53;
}

static double *values(size_t count, int random) {
  double *p = malloc(count * sizeof *p);
  if (!p) abort();
  for (size_t i = 0; random && i < count; i++) p[i] = next_value();
  return p;
}

static Results results(void) {
  Results r = {values(PROMPTS * COLUMNS, 0), values(PROMPTS * COLUMNS, 0), values(PROMPTS, 0)};
  return r;
}

/* The threaded entry points, each on the pool; 0 when all succeeded. */
static int run(const Results *r) {
  int s = infalign_calibrate_f64(references, COLUMNS, rewards, COLUMNS, PROMPTS, INFALIGN_SMOOTHING, r->calibrated);
  s |= infalign_table_calibrate_f64(table, rewards, COLUMNS, 0, r->tabled);
  s |= infalign_win_rates_f64(policy, offsets, reference, offsets, PROMPTS, procedure, r->win_rates);
  return s;
}

static int same(const Results *x, const Results *y) {
  return memcmp(x->calibrated, y->calibrated, PROMPTS * COLUMNS * sizeof(double)) == 0 &&
         memcmp(x->tabled, y->tabled, PROMPTS * COLUMNS * sizeof(double)) == 0 &&
         memcmp(x->win_rates, y->win_rates, PROMPTS * sizeof(double)) == 0;
}

/* A GEMM large enough for OpenBLAS to split over its threads. */
static void gemm(double *c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, GEMM, GEMM, GEMM, 1.0, a, GEMM, b, GEMM, 0.0, c, GEMM);
}

/* The threads of this process (Linux: /proc/self/task), or -1 where that cannot be read. */
static int thread_count(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static int wait_child(pid_t pid, const char *what);

/* A child's checks: its exit status, 0 when all passed. A forked child starts with one thread: after its first
 * threaded call it must have workers again (not run everything inline), and the same bits. `depth` < 2 also forks a
 * grandchild from the child, after the child's own pool has started. */
static int child(int depth) {
  alarm(CHILD_SECONDS);
  Results r = results();
  int ok = run(&r) == 0 && same(&r, &expected);
  int threads = thread_count();
  if (threads != -1 && threads < 2) {
    fprintf(stderr, "fork child: %d thread(s) after a threaded call: the pool did not restart\n", threads);
    ok = 0;
  }
  ok = ok && run(&r) == 0 && same(&r, &expected);
  double *c = values(GEMM * GEMM, 0);
  gemm(c);
  if (memcmp(c, gemm_expected, GEMM * GEMM * sizeof(double)) != 0) {
    fprintf(stderr, "fork child: threaded GEMM differs from the parent's\n");
    ok = 0;
  }
  if (depth < 2) {
    pid_t pid = fork();
    if (pid == 0) _exit(child(depth + 1));
    ok = ok && pid > 0 && wait_child(pid, "grandchild");
  }
  if (!ok) fprintf(stderr, "fork child (depth %d): results differ from the parent's or a call failed\n", depth);
  return ok ? 0 : 1;
}

/* Waits for `pid`; 1 when it exited with status 0. */
static int wait_child(pid_t pid, const char *what) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    fprintf(stderr, "%s: waitpid failed\n", what);
    return 0;
  }
  if (WIFSIGNALED(status)) {
    fprintf(stderr, "%s: killed by signal %d%s\n", what, WTERMSIG(status),
            WTERMSIG(status) == SIGALRM ? " (hung: its alarm fired)" : "");
    return 0;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Threaded calls, then fork: child and parent both run them again. */
static void test_fork_after_threaded_calls(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(child(1));
  CHECK(pid > 0);
  Results r = results();
  CHECK(run(&r) == 0 && same(&r, &expected)); /* the parent, while the child runs */
  CHECK(wait_child(pid, "child"));
}

static atomic_int stop;
static atomic_int background_runs;

static void *background(void *arg) {
  (void)arg;
  Results r = results();
  long bad = 0;
  while (!atomic_load(&stop)) {
    bad += run(&r) != 0 || !same(&r, &expected);
    atomic_fetch_add(&background_runs, 1);
  }
  return (void *)bad;
}

/* Forks taken while another thread is inside pooled jobs (the pool's state copied mid-job: busy, workers joined,
 * its mutex possibly held): every child must still run its calls on a fresh pool. */
static void test_fork_during_pooled_job(void) {
  pthread_t thread;
  atomic_store(&stop, 0);
  CHECK(pthread_create(&thread, NULL, background, NULL) == 0);
  while (atomic_load(&background_runs) == 0) usleep(1000);
  for (int i = 0; i < 8; i++) {
    usleep(3000 + 1700 * i); /* forks land at different points of the background jobs */
    pid_t pid = fork();
    if (pid == 0) _exit(child(2));
    CHECK(pid > 0 && wait_child(pid, "child forked during a pooled job"));
  }
  atomic_store(&stop, 1);
  void *bad = NULL;
  CHECK(pthread_join(thread, &bad) == 0);
  CHECK(bad == NULL);
}

int main(void) {
  alarm(PROGRAM_SECONDS);
  references = values(PROMPTS * COLUMNS, 1);
  rewards = values(PROMPTS * COLUMNS, 1);
  policy = values(PROMPTS * SAMPLES, 1);
  reference = values(PROMPTS * SAMPLES, 1);
  a = values(GEMM * GEMM, 1);
  b = values(GEMM * GEMM, 1);
  for (int p = 0; p <= PROMPTS; p++) offsets[p] = (int64_t)p * SAMPLES;
  OK(infalign_table_create_f64(references, PROMPTS, COLUMNS, &table));
  OK(infalign_procedure_parse("bon:4", &procedure));
  OK(infalign_set_thread_count(THREADS));
  openblas_set_num_threads(THREADS);

  expected = results();
  OK(run(&expected)); /* starts the pool's workers */
  gemm_expected = values(GEMM * GEMM, 0);
  gemm(gemm_expected); /* starts OpenBLAS's threads */
  Results again = results();
  CHECK(run(&again) == 0 && same(&again, &expected));

  test_fork_after_threaded_calls();
  test_fork_during_pooled_job();
  OK(infalign_table_free(table));
  OK(infalign_procedure_free(procedure));
  return finish("C ABI fork test");
}
