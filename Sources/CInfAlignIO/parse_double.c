#define _GNU_SOURCE
#include "infalign_io.h"

#include <locale.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic(locale_t) c_locale;

static locale_t the_c_locale(void) {
  locale_t loc = atomic_load(&c_locale);
  if (loc) return loc;
  locale_t fresh = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  locale_t expected = (locale_t)0;
  if (!atomic_compare_exchange_strong(&c_locale, &expected, fresh)) {
    freelocale(fresh);
    return expected;
  }
  return fresh;
}

int infalign_parse_double(const char *text, size_t length, double *value) {
  // strtod needs a terminated string and would read past a cell into the next one; copy the cell first.
  char stack[128];
  char *buffer = length < sizeof stack ? stack : malloc(length + 1);
  if (!buffer || length == 0) return 0;
  memcpy(buffer, text, length);
  buffer[length] = 0;
  char *end = NULL;
  // Leading white space is not part of a number here (strtod would skip it).
  int ok = !(buffer[0] == ' ' || buffer[0] == '\t' || buffer[0] == '\n' || buffer[0] == '\r' || buffer[0] == '\v' ||
             buffer[0] == '\f');
  locale_t loc = ok ? the_c_locale() : (locale_t)0;
  double x = ok ? (loc ? strtod_l(buffer, &end, loc) : strtod(buffer, &end)) : 0;
  ok = ok && end == buffer + length;
  if (buffer != stack) free(buffer);
  if (ok) *value = x;
  return ok;
}
