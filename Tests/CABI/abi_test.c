/* The C ABI from C: every function called with good inputs (values checked against closed forms) and with the
 * misuse a C caller can commit (NULL, negative lengths, wrong handle kinds, bad text), checking the status code
 * and the thread-local message. Built and run by `make test` (target c-test), linked against libInfAlignC. */
#include "check.h"

#include <math.h>
#include <pthread.h>

/* The release version the library reports: the repository's VERSION file, passed by `make c-test`. */
#ifndef INFALIGN_EXPECTED_VERSION
#error "build with -DINFALIGN_EXPECTED_VERSION='\"x.y.z\"' (make c-test passes the VERSION file's)"
#endif

static void test_version(void) {
  CHECK(infalign_abi_version() == INFALIGN_ABI_VERSION);
  const char *version = infalign_version();
  CHECK(version != NULL && strcmp(version, INFALIGN_EXPECTED_VERSION) == 0);
  CHECK(version == infalign_version()); /* static storage: the same address every call */
  if (version && strcmp(version, INFALIGN_EXPECTED_VERSION) != 0)
    fprintf(stderr, "infalign_version() = \"%s\", VERSION has \"%s\"\n", version, INFALIGN_EXPECTED_VERSION);
}

static void test_threads(void) {
  int64_t count = 0;
  OK(infalign_thread_count(&count));
  CHECK(count >= 1);
  OK(infalign_set_thread_count(2));
  int64_t now = 0;
  OK(infalign_thread_count(&now));
  CHECK(now == 2);
  EXPECT_ERROR(infalign_set_thread_count(0), INFALIGN_ERROR_INVALID_PARAMETER, "invalid thread count = 0");
  EXPECT_ERROR(infalign_set_thread_count(5000), INFALIGN_ERROR_INVALID_PARAMETER, "must be in 1...1024");
  EXPECT_ERROR(infalign_thread_count(NULL), INFALIGN_ERROR_ARGUMENT, "count is NULL");
  OK(infalign_set_thread_count(count));
}

static void test_transforms(void) {
  infalign_transform *t = NULL;
  OK(infalign_transform_parse("exp:2", &t));
  double v[3] = {0.0, 0.5, 1.0};
  OK(infalign_transform_apply_f64(t, v, 3));
  CHECK(v[0] == 1.0 && fabs(v[1] - exp(1.0)) < 1e-15 && fabs(v[2] - exp(2.0)) < 1e-14);
  float f[2] = {0.25f, 2.0f}; /* 2 is clamped to 1 */
  OK(infalign_transform_apply_f32(t, f, 2));
  CHECK(fabsf(f[0] - expf(0.5f)) < 1e-6f && fabsf(f[1] - expf(2.0f)) < 1e-5f);
  char text[32];
  int64_t length = 0;
  OK(infalign_transform_describe(t, text, sizeof text, &length));
  CHECK(strcmp(text, "exp:2.0") == 0 && length == 7);
  OK(infalign_transform_describe(t, NULL, 0, &length)); /* length only */
  CHECK(length == 7);
  char small[4];
  OK(infalign_transform_describe(t, small, sizeof small, &length)); /* truncated, terminated */
  CHECK(strcmp(small, "exp") == 0);
  int64_t points = -1;
  OK(infalign_transform_table_points(t, &points));
  CHECK(points == 0);
  double g[2], w[2];
  EXPECT_ERROR(infalign_transform_table_copy(t, g, w, 2), INFALIGN_ERROR_ARGUMENT, "is not a table");

  EXPECT_ERROR(infalign_transform_parse("exp:-1", &t), INFALIGN_ERROR_PARSE, "cannot parse transform \"exp:-1\"");
  EXPECT_ERROR(infalign_transform_parse("bogus", &t), INFALIGN_ERROR_PARSE, "unknown transform");
  EXPECT_ERROR(infalign_transform_parse(NULL, &t), INFALIGN_ERROR_ARGUMENT, "text is NULL");
  EXPECT_ERROR(infalign_transform_parse("identity", NULL), INFALIGN_ERROR_ARGUMENT, "out is NULL");
  EXPECT_ERROR(infalign_transform_apply_f64(t, NULL, 3), INFALIGN_ERROR_ARGUMENT, "values is NULL");
  EXPECT_ERROR(infalign_transform_apply_f64(t, v, -1), INFALIGN_ERROR_ARGUMENT, "count = -1 is negative");
  EXPECT_ERROR(infalign_transform_apply_f64(NULL, v, 3), INFALIGN_ERROR_ARGUMENT, "transform is NULL");

  infalign_transform *table = NULL;
  double grid[3] = {0, 0.5, 1}, values[3] = {0, 1, 4};
  OK(infalign_transform_table(grid, values, 3, &table));
  OK(infalign_transform_table_points(table, &points));
  CHECK(points == 3);
  double g3[3], v3[3];
  OK(infalign_transform_table_copy(table, g3, v3, 3));
  CHECK(g3[1] == 0.5 && v3[2] == 4);
  double u[1] = {0.75};
  OK(infalign_transform_apply_f64(table, u, 1));
  CHECK(u[0] == 2.5);
  double bad[3] = {0, 0.5, 0.5};
  EXPECT_ERROR(infalign_transform_table(bad, values, 3, &table), INFALIGN_ERROR_INVALID_PARAMETER, "grid[2]");
  OK(infalign_transform_free(table));
  OK(infalign_transform_free(t));
  OK(infalign_transform_free(NULL));
}

static void test_procedures(void) {
  infalign_procedure *p = NULL;
  OK(infalign_procedure_parse("bon:4", &p));
  double F[2] = {0.5, 1.0}, out[2];
  OK(infalign_procedure_value(p, F, out, 2));
  CHECK(out[0] == 0.0625 && out[1] == 1.0);
  char text[32];
  OK(infalign_procedure_describe(p, text, sizeof text, NULL));
  CHECK(strcmp(text, "bon:4") == 0);
  EXPECT_ERROR(infalign_procedure_parse("bon:0", &p), INFALIGN_ERROR_PARSE, "N = 0");
  /* A transform handle where a procedure is expected: refused by kind, not misread. */
  infalign_transform *t = NULL;
  OK(infalign_transform_parse("identity", &t));
  EXPECT_ERROR(infalign_procedure_value((const infalign_procedure *)t, F, out, 2), INFALIGN_ERROR_ARGUMENT,
               "is a transform handle, not a procedure");
  EXPECT_ERROR(infalign_procedure_free((infalign_procedure *)t), INFALIGN_ERROR_ARGUMENT, "not a procedure");
  OK(infalign_transform_free(t));
  OK(infalign_procedure_free(p));
}

static void test_calibration(void) {
  /* Two prompts, three references each; mid-rank with ties counting 1/2. */
  double refs[6] = {1, 2, 3, 10, 20, 30};
  double rewards[4] = {2, 5, 10, 35};
  double out[4];
  OK(infalign_calibrate_f64(refs, 3, rewards, 2, 2, 0, out));
  CHECK(out[0] == 1.5 / 3 && out[1] == 1.0 && out[2] == 0.5 / 3 && out[3] == 1.0);
  float rf[6] = {1, 2, 3, 10, 20, 30}, qf[4] = {2, 5, 10, 35}, of[4];
  OK(infalign_calibrate_f32(rf, 3, qf, 2, 2, INFALIGN_SMOOTHING, of));
  CHECK(of[0] == 2.0f / 4 && of[1] == 3.5f / 4);
  int64_t ro[3] = {0, 3, 6}, qo[3] = {0, 1, 4};
  double ragged_out[4];
  double ragged_rewards[4] = {2, 5, 10, 35};
  OK(infalign_calibrate_ragged_f64(refs, ro, ragged_rewards, qo, 2, 0, ragged_out));
  CHECK(ragged_out[0] == 1.5 / 3 && ragged_out[1] == 0.0 && ragged_out[2] == 0.5 / 3 && ragged_out[3] == 1.0);
  /* Leave-one-out: the references calibrated against themselves. */
  double loo[6];
  OK(infalign_calibrate_f64(refs, 3, refs, 3, 2, INFALIGN_LEAVE_ONE_OUT, loo));
  CHECK(loo[0] == 0.0 && loo[1] == 0.5 && loo[2] == 1.0);

  double nan_rewards[4] = {2, NAN, 10, 35};
  EXPECT_ERROR(infalign_calibrate_f64(refs, 3, nan_rewards, 2, 2, 0, out), INFALIGN_ERROR_NON_FINITE,
               "non-finite reward nan at prompt 0, index 1");
  EXPECT_ERROR(infalign_calibrate_f64(refs, 0, rewards, 2, 2, 0, out), INFALIGN_ERROR_EMPTY_REFERENCES,
               "prompt 0 has no reference rewards");
  EXPECT_ERROR(infalign_calibrate_f64(refs, 3, rewards, 2, 2, 8, out), INFALIGN_ERROR_ARGUMENT, "flags = 8");
  EXPECT_ERROR(infalign_calibrate_f64(refs, 3, rewards, 2, -2, 0, out), INFALIGN_ERROR_ARGUMENT, "prompts = -2");
  EXPECT_ERROR(infalign_calibrate_f64(refs, 3, rewards, 2, 2, 0, NULL), INFALIGN_ERROR_ARGUMENT, "out is NULL");
  EXPECT_ERROR(infalign_calibrate_f64(refs, INT64_MAX, rewards, 2, 2, 0, out), INFALIGN_ERROR_ARGUMENT,
               "too large");
  int64_t decreasing[3] = {0, 4, 3};
  EXPECT_ERROR(infalign_calibrate_ragged_f64(refs, ro, rewards, decreasing, 2, 0, out), INFALIGN_ERROR_ARGUMENT,
               "reward_offsets decrease at prompt 1");
  int64_t nonzero[3] = {1, 3, 6};
  EXPECT_ERROR(infalign_calibrate_ragged_f64(refs, nonzero, rewards, qo, 2, 0, out), INFALIGN_ERROR_ARGUMENT,
               "reference_offsets[0] = 1");
  /* An empty batch is fine, with NULL buffers. */
  OK(infalign_calibrate_f64(NULL, 3, NULL, 2, 0, 0, NULL));
}

static void test_tables(void) {
  double refs[6] = {1, 2, 3, 10, 20, 30};
  infalign_table *table = NULL;
  OK(infalign_table_create_f64(refs, 2, 3, &table));
  int64_t prompts = 0;
  OK(infalign_table_prompts(table, &prompts));
  CHECK(prompts == 2);
  double rewards[4] = {2, 5, 10, 35};
  OK(infalign_table_calibrate_f64(table, rewards, 2, 0, rewards)); /* in place */
  CHECK(rewards[0] == 1.5 / 3 && rewards[1] == 1.0 && rewards[2] == 0.5 / 3 && rewards[3] == 1.0);
  int64_t offsets[3] = {0, 1, 4};
  double ragged[4] = {2, 5, 10, 35}, out[4];
  OK(infalign_table_calibrate_ragged_f64(table, ragged, offsets, 0, out));
  CHECK(out[0] == 0.5 && out[1] == 0.0);
  float rf[2] = {1, 2};
  EXPECT_ERROR(infalign_table_calibrate_f32(table, rf, 1, 0, rf), INFALIGN_ERROR_ARGUMENT,
               "the table holds double references; this function takes float");
  double not_references[2] = {2.5, 10};
  EXPECT_ERROR(infalign_table_calibrate_f64(table, not_references, 1, INFALIGN_LEAVE_ONE_OUT, out),
               INFALIGN_ERROR_SHAPE, "leave-one-out: query 0 of prompt 0 (value 2.5) is not one of that prompt's");
  OK(infalign_table_free(table));

  /* Reading a table back: its references sorted per prompt, which rebuild a table of the same results. */
  double unsorted[6] = {3, 1, 2, 30, 10, 20};
  OK(infalign_table_create_f64(unsorted, 2, 3, &table));
  int64_t total = 0, element_size = 0;
  OK(infalign_table_shape(table, &prompts, &total, &element_size));
  CHECK(prompts == 2 && total == 6 && element_size == 8);
  double copied[6];
  int64_t copied_offsets[3] = {-1, -1, -1};
  OK(infalign_table_references_copy_f64(table, copied, 6, copied_offsets));
  CHECK(copied[0] == 1 && copied[1] == 2 && copied[2] == 3 && copied[3] == 10 && copied[4] == 20 && copied[5] == 30);
  CHECK(copied_offsets[0] == 0 && copied_offsets[1] == 3 && copied_offsets[2] == 6);
  infalign_table *rebuilt = NULL;
  OK(infalign_table_create_ragged_f64(copied, copied_offsets, 2, &rebuilt));
  double q1[4] = {2, 5, 10, 35}, q2[4] = {2, 5, 10, 35};
  OK(infalign_table_calibrate_f64(table, q1, 2, INFALIGN_SMOOTHING, q1));
  OK(infalign_table_calibrate_f64(rebuilt, q2, 2, INFALIGN_SMOOTHING, q2));
  CHECK(memcmp(q1, q2, sizeof q1) == 0);
  OK(infalign_table_free(rebuilt));
  EXPECT_ERROR(infalign_table_references_copy_f64(table, copied, 5, copied_offsets), INFALIGN_ERROR_ARGUMENT,
               "count = 5, the table has 6 references");
  EXPECT_ERROR(infalign_table_references_copy_f64(table, copied, -1, copied_offsets), INFALIGN_ERROR_ARGUMENT,
               "count = -1 is negative");
  EXPECT_ERROR(infalign_table_references_copy_f64(table, NULL, 6, copied_offsets), INFALIGN_ERROR_ARGUMENT,
               "references is NULL");
  EXPECT_ERROR(infalign_table_references_copy_f64(table, copied, 6, NULL), INFALIGN_ERROR_ARGUMENT,
               "offsets is NULL");
  float fcopied[6];
  EXPECT_ERROR(infalign_table_references_copy_f32(table, fcopied, 6, copied_offsets), INFALIGN_ERROR_ARGUMENT,
               "the table holds double references; this function takes float");
  EXPECT_ERROR(infalign_table_shape(table, &prompts, NULL, &element_size), INFALIGN_ERROR_ARGUMENT,
               "references is NULL");
  EXPECT_ERROR(infalign_table_shape(NULL, &prompts, &total, &element_size), INFALIGN_ERROR_ARGUMENT,
               "table is NULL");
  OK(infalign_table_free(table));

  float frefs[3] = {1, 2, 3};
  int64_t fo[3] = {0, 1, 3};
  infalign_table *ft = NULL;
  OK(infalign_table_create_ragged_f32(frefs, fo, 2, &ft));
  float fq[2] = {1, 2.5f};
  OK(infalign_table_calibrate_f32(ft, fq, 1, 0, fq));
  CHECK(fq[0] == 0.5f && fq[1] == 0.5f);
  OK(infalign_table_shape(ft, &prompts, &total, &element_size));
  CHECK(prompts == 2 && total == 3 && element_size == 4);
  float fback[3];
  int64_t fback_offsets[3];
  OK(infalign_table_references_copy_f32(ft, fback, 3, fback_offsets));
  CHECK(fback[0] == 1 && fback[1] == 2 && fback[2] == 3 && fback_offsets[1] == 1 && fback_offsets[2] == 3);
  OK(infalign_table_free(ft));
  int64_t empty[3] = {0, 0, 3};
  EXPECT_ERROR(infalign_table_create_ragged_f32(frefs, empty, 2, &ft), INFALIGN_ERROR_EMPTY_REFERENCES,
               "prompt 0 has no reference rewards");
  double inf_refs[2] = {1, INFINITY};
  EXPECT_ERROR(infalign_table_create_f64(inf_refs, 1, 2, &table), INFALIGN_ERROR_NON_FINITE,
               "non-finite reference reward inf at prompt 0, index 1");
}

static void test_analysis(void) {
  infalign_transform *t = NULL;
  infalign_procedure *p = NULL;
  OK(infalign_transform_parse("identity", &t));
  OK(infalign_procedure_parse("standard", &p));
  infalign_point point;
  OK(infalign_analyze(t, 1.0, p, NULL, &point));
  /* f(u) = e^u / (e - 1): log Z = log(e - 1), standard win rate = E[u] = 1/(e - 1). */
  CHECK(fabs(point.log_z - log(exp(1.0) - 1)) < 1e-12);
  CHECK(fabs(point.standard_win_rate - 1 / (exp(1.0) - 1)) < 1e-12);
  CHECK(point.beta == 1.0 && fabs(point.win_rate - point.standard_win_rate) < 1e-12);
  double beta = 0;
  OK(infalign_beta_for_kl(t, point.kl, &beta));
  CHECK(fabs(beta - 1.0) < 1e-8);
  infalign_point at_kl;
  OK(infalign_analyze_kl(t, point.kl, p, NULL, &at_kl));
  CHECK(fabs(at_kl.beta - 1.0) < 1e-8);
  EXPECT_ERROR(infalign_analyze(t, -1.0, p, NULL, &point), INFALIGN_ERROR_INVALID_PARAMETER, "invalid beta = -1");
  EXPECT_ERROR(infalign_beta_for_kl(t, 0.0, &beta), INFALIGN_ERROR_INVALID_PARAMETER, "KL budget");
  EXPECT_ERROR(infalign_analyze(t, 1.0, p, NULL, NULL), INFALIGN_ERROR_ARGUMENT, "out is NULL");

  infalign_procedure *bon = NULL;
  OK(infalign_procedure_parse("bon:4", &bon));
  double parameter = 0;
  OK(infalign_tune("exp", 0.5, bon, NULL, NAN, NAN, &parameter, &point));
  CHECK(parameter > 0 && fabs(point.kl - 0.5) < 1e-6 && point.win_rate > 0.5);
  EXPECT_ERROR(infalign_tune("cubic", 0.5, bon, NULL, NAN, NAN, &parameter, &point), INFALIGN_ERROR_PARSE,
               "transform family");
  EXPECT_ERROR(infalign_tune("exp", 0.5, bon, NULL, 5, 1, &parameter, &point), INFALIGN_ERROR_INVALID_PARAMETER,
               "range_high");

  infalign_optimal_summary summary;
  infalign_transform *optimal = NULL;
  OK(infalign_optimal_transform(bon, NULL, 0.1, 256, NULL, &summary, &optimal));
  int64_t points = 0;
  OK(infalign_transform_table_points(optimal, &points));
  CHECK(points >= 257 && summary.beta == 0.1 && summary.win_rate > 0.5 && summary.iterations > 0);
  OK(infalign_transform_free(optimal));
  OK(infalign_optimal_transform_kl(bon, NULL, 0.5, 256, "fixed-point", &summary, &optimal));
  CHECK(fabs(summary.kl - 0.5) < 1e-6 * 0.5);
  OK(infalign_transform_free(optimal));
  EXPECT_ERROR(infalign_optimal_transform(bon, NULL, 0.1, 256, "newton", &summary, &optimal), INFALIGN_ERROR_PARSE,
               "optimal transform method");
  EXPECT_ERROR(infalign_optimal_transform(bon, NULL, 0.1, 4, NULL, &summary, &optimal),
               INFALIGN_ERROR_INVALID_PARAMETER, "invalid grid = 4");
  OK(infalign_procedure_free(bon));
  OK(infalign_procedure_free(p));
  OK(infalign_transform_free(t));
}

static void test_win_rates(void) {
  infalign_procedure *p = NULL;
  OK(infalign_procedure_parse("standard", &p));
  /* Prompt 0: policy {1, 3} vs reference {2}: one of two wins. Prompt 1: {5} vs {5}: a tie. */
  double policy[3] = {1, 3, 5}, reference[2] = {2, 5};
  int64_t po[3] = {0, 2, 3}, ro[3] = {0, 1, 2};
  double out[2];
  OK(infalign_win_rates_f64(policy, po, reference, ro, 2, p, out));
  CHECK(out[0] == 0.5 && out[1] == 0.5);
  infalign_procedure *bon = NULL;
  OK(infalign_procedure_parse("bon:2", &bon));
  EXPECT_ERROR(infalign_win_rates_f64(policy, po, reference, ro, 2, bon, out), INFALIGN_ERROR_INVALID_PARAMETER,
               "prompt 0 has 2 policy and 1 reference samples");
  infalign_interval ci;
  double values[4] = {0.2, 0.4, 0.6, 0.8};
  OK(infalign_bootstrap(values, 4, 200, 0.9, 7, &ci));
  CHECK(ci.estimate == 0.5 && ci.lower <= 0.5 && ci.upper >= 0.5 && ci.resamples == 200 && ci.level == 0.9);
  EXPECT_ERROR(infalign_bootstrap(values, 4, 1, 0.9, 7, &ci), INFALIGN_ERROR_INVALID_PARAMETER, "resamples");
  double nan_values[2] = {0.5, NAN};
  EXPECT_ERROR(infalign_bootstrap(nan_values, 2, 100, 0.9, 7, &ci), INFALIGN_ERROR_NON_FINITE, "non-finite value");
  OK(infalign_procedure_free(bon));
  OK(infalign_procedure_free(p));
}

static void test_ctrl(void) {
  infalign_ctrl_options *options = NULL;
  OK(infalign_ctrl_options_create(&options));
  OK(infalign_ctrl_options_set(options, "transform", "exp:1"));
  OK(infalign_ctrl_options_set(options, "advantage", "group-mean"));
  EXPECT_ERROR(infalign_ctrl_options_set(options, "clip_epsilon", "wide"), INFALIGN_ERROR_PARSE,
               "ctrl option clip_epsilon");
  EXPECT_ERROR(infalign_ctrl_options_set(options, "clip_epsilon", "-1"), INFALIGN_ERROR_INVALID_PARAMETER,
               "invalid clip_epsilon = -1");
  EXPECT_ERROR(infalign_ctrl_options_set(options, "temperature", "1"), INFALIGN_ERROR_PARSE, "unknown option");
  /* One group of three, calibrated against the others of the group (leave-one-out). */
  double rewards[3] = {1, 2, 3}, lp[3] = {-1, -1, -1}, lr[3] = {-1, -1, -1};
  double advantages[3], gradient[3], calibrated[3];
  uint8_t valid[3];
  infalign_ctrl_summary summary;
  OK(infalign_ctrl_step_f64(options, NULL, 1, 3, rewards, lp, lr, NULL, advantages, gradient, calibrated, NULL, NULL,
                            NULL, NULL, valid, &summary));
  CHECK(calibrated[0] == 0.0 && calibrated[1] == 0.5 && calibrated[2] == 1.0);
  double mean = (exp(0.0) + exp(0.5) + exp(1.0)) / 3;
  CHECK(fabs(advantages[2] - (exp(1.0) - mean)) < 1e-15 && valid[0] == 1 && summary.masked_count == 0);
  CHECK(summary.mean_k1 == 0.0);
  double bad[3] = {1, NAN, 3};
  EXPECT_ERROR(infalign_ctrl_step_f64(options, NULL, 1, 3, bad, lp, lr, NULL, advantages, gradient, NULL, NULL, NULL,
                                      NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_NON_FINITE, "non-finite reward nan at prompt 0, index 1");
  OK(infalign_ctrl_options_set(options, "non_finite", "mask"));
  OK(infalign_ctrl_step_f64(options, NULL, 1, 3, bad, lp, lr, NULL, advantages, gradient, NULL, NULL, NULL, NULL, NULL,
                            valid, &summary));
  CHECK(summary.masked_count == 1 && valid[1] == 0 && advantages[1] == 0);
  EXPECT_ERROR(infalign_ctrl_step_f64(options, NULL, 1, 3, rewards, lp, lr, NULL, NULL, gradient, NULL, NULL, NULL,
                                      NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "advantages is NULL");
  EXPECT_ERROR(infalign_ctrl_step_f64(options, NULL, INT64_MAX, 3, rewards, lp, lr, NULL, advantages, gradient, NULL,
                                      NULL, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "too large");
  /* A table with two prompts for a batch of one group. */
  double refs[4] = {0, 1, 2, 3};
  infalign_table *table = NULL;
  OK(infalign_table_create_f64(refs, 2, 2, &table));
  EXPECT_ERROR(infalign_ctrl_step_f64(options, table, 1, 3, rewards, lp, lr, NULL, advantages, gradient, NULL, NULL,
                                      NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_SHAPE, "the calibration table has 2 prompts, the batch has 1 groups");
  float frewards[3] = {1, 2, 3}, flp[3] = {0, 0, 0}, fa[3], fg[3];
  EXPECT_ERROR(infalign_ctrl_step_f32(options, table, 1, 3, frewards, flp, flp, NULL, fa, fg, NULL, NULL, NULL, NULL,
                                      NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "holds double references");
  OK(infalign_table_free(table));
  OK(infalign_ctrl_options_free(options));

  /* Token level with a peer preset (raw rewards, group-normalized, Bessel std): 1 group of 2 samples x 3 tokens. */
  OK(infalign_ctrl_options_create(&options));
  OK(infalign_ctrl_options_set(options, "preset", "trl-grpo"));
  EXPECT_ERROR(infalign_ctrl_options_set(options, "estimator", "max@k:x"), INFALIGN_ERROR_PARSE,
               "cannot parse ctrl option estimator");
  OK(infalign_ctrl_options_set(options, "dual_clip", "0.5"));
  EXPECT_ERROR(infalign_ctrl_options_validate(options), INFALIGN_ERROR_INVALID_PARAMETER, "dualClip");
  OK(infalign_ctrl_options_set(options, "dual_clip", "none"));
  OK(infalign_ctrl_options_validate(options));
  double r2[2] = {1, 3}, tlp[6] = {-1, -1, -1, -2, -2, -2}, tlr[6] = {-1, -1, -1, -2, -2, -2};
  uint8_t mask[6] = {1, 1, 0, 1, 0, 0};
  double adv[2], tgrad[6];
  OK(infalign_ctrl_step_tokens_f64(options, NULL, 1, 2, 3, r2, tlp, tlr, NULL, mask, adv, tgrad, NULL, NULL, NULL,
                                   NULL, NULL, NULL, &summary));
  /* Group mean 2, Bessel std sqrt(2) + 1e-4: advantages -+1/(sqrt(2) + 1e-4). */
  CHECK(fabs(adv[1] - 1 / (sqrt(2.0) + 1e-4)) < 1e-15 && adv[0] == -adv[1]);
  CHECK(tgrad[2] == 0 && tgrad[4] == 0 && tgrad[5] == 0 && summary.kl_loss == 0);
  uint8_t bad_mask[6] = {1, 2, 0, 1, 0, 0};
  EXPECT_ERROR(infalign_ctrl_step_tokens_f64(options, NULL, 1, 2, 3, r2, tlp, tlr, NULL, bad_mask, adv, tgrad, NULL,
                                             NULL, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "mask[1] = 2");
  EXPECT_ERROR(infalign_ctrl_step_tokens_f64(options, NULL, 1, 2, -3, r2, tlp, tlr, NULL, mask, adv, tgrad, NULL,
                                             NULL, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "max_tokens = -3");
  OK(infalign_ctrl_options_set(options, "transform", "exp:1"));
  EXPECT_ERROR(infalign_ctrl_step_tokens_f64(options, NULL, 1, 2, 3, r2, tlp, tlr, NULL, mask, adv, tgrad, NULL, NULL,
                                             NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_INVALID_PARAMETER, "transform");
  OK(infalign_ctrl_options_free(options));
}

/* The last error is per thread: a failure on another thread does not overwrite this thread's message. */
static void *fail_elsewhere(void *arg) {
  (void)arg;
  infalign_procedure *p = NULL;
  int32_t s = infalign_procedure_parse("won:-3", &p);
  return (void *)(intptr_t)(s == INFALIGN_ERROR_PARSE && strstr(infalign_last_error(), "won:-3") != NULL);
}

static void test_thread_local_error(void) {
  infalign_transform *t = NULL;
  EXPECT_ERROR(infalign_transform_parse("exp:x", &t), INFALIGN_ERROR_PARSE, "exp:x");
  pthread_t thread;
  void *result = NULL;
  CHECK(pthread_create(&thread, NULL, fail_elsewhere, NULL) == 0);
  CHECK(pthread_join(thread, &result) == 0);
  CHECK(result == (void *)1);
  CHECK(strstr(infalign_last_error(), "exp:x") != NULL);
}

int main(void) {
  test_version();
  test_threads();
  test_transforms();
  test_procedures();
  test_calibration();
  test_tables();
  test_analysis();
  test_win_rates();
  test_ctrl();
  test_thread_local_error();
  return finish("C ABI test");
}
