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

// Clinger's exact fast path: a decimal with at most 15 significant digits (so the integer mantissa is exact in a
// double) and a power of ten up to 1e22 (exact too) is one correctly rounded multiplication or division, the
// same double strtod returns. Anything else (more digits, larger exponents, hex, inf/nan) goes to strtod_l.
static int fast_decimal(const char *s, size_t n, double *value) {
  static const double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  int negative = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  unsigned long long mantissa = 0;
  int digits = 0, any = 0, scale = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (mantissa || s[i] != '0') digits++;
    mantissa = mantissa * 10 + (unsigned)(s[i++] - '0');
    any = 1;
    if (digits > 15) return 0;
  }
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (mantissa || s[i] != '0') digits++;
      mantissa = mantissa * 10 + (unsigned)(s[i++] - '0');
      scale--;
      any = 1;
      if (digits > 15) return 0;
    }
  }
  if (!any) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int e_negative = 0, e = 0, e_any = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) e_negative = s[i++] == '-';
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (e < 10000) e = e * 10 + (s[i] - '0');
      i++;
      e_any = 1;
    }
    if (!e_any) return 0;
    scale += e_negative ? -e : e;
  }
  if (i != n) return 0;
  if (scale < -22 || scale > 22) return 0;
  double x = (double)mantissa;
  x = scale < 0 ? x / powers[-scale] : x * powers[scale];
  *value = negative ? -x : x;
  return 1;
}

int infalign_parse_double(const char *text, size_t length, double *value) {
  if (fast_decimal(text, length, value)) return 1;
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
