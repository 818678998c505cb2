/* Text at the C boundary (docs/RELIABILITY.md, "Text at the boundary"): every `const char *` argument is decoded
 * as UTF-8 with validation. Bytes that are not UTF-8 give INFALIGN_ERROR_ARGUMENT and a message naming the function,
 * the argument and the offset of the first bad byte; they are never replaced and parsed. Valid non-ASCII text
 * reaches the parser and fails (or not) there. Built and run by `make c-test`. */
#include "check.h"

#include <math.h>

/* Ill-formed UTF-8, each with the offset of its first bad byte after the 4-byte prefix "exp:". */
static const struct {
  const char *text;
  const char *fragment;
} bad[] = {
    {"exp:\xff", "at byte 4 (0xFF)"},                  /* never a UTF-8 byte */
    {"exp:\x80" "2", "at byte 4 (0x80)"},              /* a continuation byte with no lead */
    {"exp:2\xc3", "at byte 5 (0xC3)"},                 /* a sequence cut short by the end */
    {"exp:\xc0\xaf", "at byte 4 (0xC0)"},              /* an overlong '/' */
    {"exp:\xed\xa0\x80", "at byte 4 (0xED)"},          /* a UTF-16 surrogate (U+D800) */
    {"exp:\xf4\x90\x80\x80", "at byte 4 (0xF4)"},      /* above U+10FFFF */
    {"exp:\xc3\xa9\xe2\x82", "at byte 6 (0xE2)"},      /* valid é, then a cut-short euro sign */
};

static void test_parse(void) {
  infalign_transform *t = NULL;
  infalign_procedure *p = NULL;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    EXPECT_ERROR(infalign_transform_parse(bad[i].text, &t), INFALIGN_ERROR_ARGUMENT, bad[i].fragment);
    EXPECT_ERROR(infalign_procedure_parse(bad[i].text, &p), INFALIGN_ERROR_ARGUMENT, bad[i].fragment);
  }
  EXPECT_ERROR(infalign_transform_parse("exp:\xff", &t), INFALIGN_ERROR_ARGUMENT,
               "infalign_transform_parse: text is not valid UTF-8 at byte 4 (0xFF)");
  EXPECT_ERROR(infalign_procedure_parse("bon:\xff", &p), INFALIGN_ERROR_ARGUMENT,
               "infalign_procedure_parse: text is not valid UTF-8 at byte 4");
  CHECK(t == NULL && p == NULL);
  /* Valid UTF-8 that is not a transform: the parser's error, quoting it. */
  EXPECT_ERROR(infalign_transform_parse("exp:\xc3\xa9", &t), INFALIGN_ERROR_PARSE, "exp:\xc3\xa9");
  OK(infalign_transform_parse("exp:2", &t)); /* the check costs nothing to valid text */
  OK(infalign_transform_free(t));
}

static void test_options(void) {
  infalign_ctrl_options *options = NULL;
  OK(infalign_ctrl_options_create(&options));
  EXPECT_ERROR(infalign_ctrl_options_set(options, "transform", "exp:\xff"), INFALIGN_ERROR_ARGUMENT,
               "infalign_ctrl_options_set: value of transform is not valid UTF-8 at byte 4 (0xFF)");
  EXPECT_ERROR(infalign_ctrl_options_set(options, "clip\xe9psilon", "0.2"), INFALIGN_ERROR_ARGUMENT,
               "key is not valid UTF-8 at byte 4 (0xE9)");
  EXPECT_ERROR(infalign_ctrl_options_set(options, "preset", "trl-grpo\xc0\xaf"), INFALIGN_ERROR_ARGUMENT,
               "value of preset is not valid UTF-8 at byte 8 (0xC0)");
  OK(infalign_ctrl_options_set(options, "transform", "exp:1")); /* nothing was changed by the failures */
  OK(infalign_ctrl_options_validate(options));
  OK(infalign_ctrl_options_free(options));
}

static void test_analysis(void) {
  infalign_procedure *p = NULL;
  OK(infalign_procedure_parse("bon:4", &p));
  double parameter = 0;
  infalign_point point;
  EXPECT_ERROR(infalign_tune("exp\xff", 0.5, p, NULL, NAN, NAN, &parameter, &point), INFALIGN_ERROR_ARGUMENT,
               "infalign_tune: family is not valid UTF-8 at byte 3 (0xFF)");
  EXPECT_ERROR(infalign_tune("\xe2\x82", 0.5, p, NULL, NAN, NAN, &parameter, &point), INFALIGN_ERROR_ARGUMENT,
               "family is not valid UTF-8 at byte 0 (0xE2)");
  infalign_optimal_summary summary;
  infalign_transform *t = NULL;
  EXPECT_ERROR(infalign_optimal_transform(p, NULL, 1.0, 64, "fixed\xff", &summary, &t), INFALIGN_ERROR_ARGUMENT,
               "infalign_optimal_transform: method is not valid UTF-8 at byte 5 (0xFF)");
  EXPECT_ERROR(infalign_optimal_transform_kl(p, NULL, 0.5, 64, "\xed\xa0\x80", &summary, &t),
               INFALIGN_ERROR_ARGUMENT, "infalign_optimal_transform_kl: method is not valid UTF-8 at byte 0 (0xED)");
  CHECK(t == NULL);
  EXPECT_ERROR(infalign_optimal_transform(p, NULL, 1.0, 64, "fixed-po\xc3\xafnt", &summary, &t), INFALIGN_ERROR_PARSE,
               "optimal transform method");
  OK(infalign_procedure_free(p));
}

int main(void) {
  test_parse();
  test_options();
  test_analysis();
  return finish("C ABI text test");
}
