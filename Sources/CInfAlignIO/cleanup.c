// Removal of temporary output files when a fatal signal arrives. The handler only calls async-signal-safe
// functions (unlink, sigaction, raise) and reads slots that are published with atomic stores.
#define _GNU_SOURCE
#include "infalign_io.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 16 };
static _Atomic(char *) slots[SLOTS];
static atomic_int installed;
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_fatal_signal(int sig) {
  for (int i = 0; i < SLOTS; i++) {
    char *path = atomic_load(&slots[i]);
    if (path) unlink(path);
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(sig, &action, NULL);
  raise(sig);
}

static void install_once(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&installed, &expected, 1)) return;
  for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
    struct sigaction old;
    // A signal the parent set to "ignore" (nohup, background jobs) stays ignored.
    if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    for (size_t j = 0; j < sizeof fatal_signals / sizeof fatal_signals[0]; j++) {
      sigaddset(&action.sa_mask, fatal_signals[j]);
    }
    sigaction(fatal_signals[i], &action, NULL);
  }
  // A mask inherited from the launcher (some spawners pass their threads' blocked set on) would hold these
  // signals pending forever; the command is meant to stop on them.
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) sigaddset(&set, fatal_signals[i]);
  pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void block_fatal(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) sigaddset(&set, fatal_signals[i]);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

int infalign_cleanup_register(const char *path) {
  install_once();
  char *copy = strdup(path);
  if (!copy) return -1;
  for (int i = 0; i < SLOTS; i++) {
    char *expected = NULL;
    if (atomic_compare_exchange_strong(&slots[i], &expected, copy)) return i;
  }
  free(copy);
  return -1;
}

void infalign_cleanup_unregister(int slot) {
  if (slot < 0 || slot >= SLOTS) return;
  sigset_t old;
  block_fatal(&old);
  char *path = atomic_exchange(&slots[slot], NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  free(path);
}
