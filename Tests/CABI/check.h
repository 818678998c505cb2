/* The checks the C ABI test programs share (Tests/CABI/abi_test.c, fork_test.c, text_test.c): a failed check prints its line
 * and counts; the program's exit status says whether any failed. */
#ifndef INFALIGN_CABI_CHECK_H
#define INFALIGN_CABI_CHECK_H

#include "infalign.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
      failures++;                                                                   \
    }                                                                               \
  } while (0)

/* The call returns `status` and the thread's message contains `fragment`. */
#define EXPECT_ERROR(call, status, fragment)                                                        \
  do {                                                                                              \
    int32_t s_ = (call);                                                                            \
    if (s_ != (status) || strstr(infalign_last_error(), (fragment)) == NULL) {                      \
      fprintf(stderr, "%s:%d: %s returned %d (\"%s\"), expected %d with \"%s\"\n", __FILE__, __LINE__, \
              #call, s_, infalign_last_error(), (status), (fragment));                              \
      failures++;                                                                                   \
    }                                                                                               \
  } while (0)

#define OK(call) CHECK((call) == INFALIGN_OK)

/* The program's exit status: 0 when every check passed. */
static int finish(const char *name) {
  if (failures) {
    fprintf(stderr, "%s: %d failure(s)\n", name, failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif
