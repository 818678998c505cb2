/* infalign_tilt_weights_f64/_f32 from C: closed forms, the exact tilt's figures against infalign_analyze_kl, and
 * misuse. Built and run by `make test` (target c-test), linked against libInfAlignC. */
#include "check.h"

#include <math.h>

static int close_to(double a, double b, double tol) { return fabs(a - b) <= tol * (fabs(b) > 1 ? fabs(b) : 1); }

/* Identity, leave-one-out over {0, 1, 2}: u = 0, 1/2, 1; at beta = 1/2 the weights are e^{2u} / mean. */
static void test_closed_form(void) {
  infalign_transform *identity = NULL;
  OK(infalign_transform_parse("identity", &identity));
  double rewards[5] = {0, 1, 2, 7, 7};
  int64_t offsets[3] = {0, 3, 5};
  double u[5], phi[5], w[5], log_z[2], ess[2], kl[2];
  infalign_tilt_summary summary;
  OK(infalign_tilt_weights_f64(rewards, offsets, NULL, NULL, 2, INFALIGN_LEAVE_ONE_OUT, identity, INFALIGN_TILT_BETA,
                               0.5, NULL, 0, 0, u, phi, w, log_z, ess, kl, NULL, &summary));
  double e[3] = {1, exp(1), exp(2)}, mean = (e[0] + e[1] + e[2]) / 3;
  for (int i = 0; i < 3; i++) {
    CHECK(u[i] == 0.5 * i && phi[i] == u[i]);
    CHECK(close_to(w[i], e[i] / mean, 1e-14));
  }
  CHECK(close_to(log_z[0], log(mean), 1e-14));
  double s1 = 0, s2 = 0, k = 0;
  for (int i = 0; i < 3; i++) {
    s1 += w[i];
    s2 += w[i] * w[i];
    k += w[i] / 3 * log(w[i]);
  }
  CHECK(close_to(ess[0], s1 * s1 / s2, 1e-14) && close_to(kl[0], k, 1e-13));
  /* Prompt 1: equal rewards, uniform weights. */
  CHECK(w[3] == 1 && w[4] == 1 && ess[1] == 2 && kl[1] == 0);
  CHECK(summary.beta == 0.5 && close_to(summary.log_beta, log(0.5), 1e-15) && summary.scaled_beta == 0.5);

  float rf[5] = {0, 1, 2, 7, 7}, wf[5];
  OK(infalign_tilt_weights_f32(rf, offsets, NULL, NULL, 2, INFALIGN_LEAVE_ONE_OUT, identity, INFALIGN_TILT_BETA, 0.5,
                               NULL, 0, 1, NULL, NULL, wf, NULL, NULL, NULL, NULL, NULL));
  for (int i = 0; i < 3; i++) CHECK(close_to(wf[i], e[i] / mean, 1e-6));
  OK(infalign_transform_free(identity));
}

/* References given, beta from a KL budget: the summary and win rates are infalign_analyze_kl's. */
static void test_kl_budget(void) {
  infalign_transform *t = NULL;
  infalign_procedure *bon = NULL, *won = NULL;
  OK(infalign_transform_parse("exp:3", &t));
  OK(infalign_procedure_parse("bon:4", &bon));
  OK(infalign_procedure_parse("won:4", &won));
  const infalign_procedure *procedures[2] = {bon, won};
  double rewards[4] = {0.1, 0.5, 0.9, 0.3}, references[6] = {0, 0.2, 0.4, 0.6, 0.8, 1};
  int64_t ro[2] = {0, 4}, fo[2] = {0, 6};
  double w[4], win[2];
  infalign_tilt_summary summary;
  OK(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, t, INFALIGN_TILT_KL, 0.5, procedures, 2, 0, NULL,
                               NULL, w, NULL, NULL, NULL, win, &summary));
  infalign_point point;
  OK(infalign_analyze_kl(t, 0.5, bon, NULL, &point));
  CHECK(summary.beta == point.beta && summary.kl == point.kl && win[0] == point.win_rate);
  CHECK(summary.standard_win_rate == point.standard_win_rate && summary.log_z == point.log_z);
  OK(infalign_analyze_kl(t, 0.5, won, NULL, &point));
  CHECK(win[1] == point.win_rate);
  CHECK(w[2] > w[1] && w[1] > w[3] && w[3] > w[0]);

  /* Misuse and bad data. */
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, NULL, NULL, 1, 0, t, INFALIGN_TILT_BETA, 1, NULL, 0, 0, NULL,
                                         NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "references is NULL without INFALIGN_LEAVE_ONE_OUT");
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, t, 7, 1, NULL, 0, 0, NULL, NULL, w, NULL,
                                         NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "strength = 7");
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, t, INFALIGN_TILT_BETA, -1, NULL, 0, 0,
                                         NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_INVALID_PARAMETER, "beta");
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, t, INFALIGN_TILT_BETA, 1, NULL, 0, 5000,
                                         NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_INVALID_PARAMETER, "threads");
  const infalign_procedure *missing[1] = {NULL};
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, t, INFALIGN_TILT_BETA, 1, missing, 1, 0,
                                         NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "procedures[0]");
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, ro, references, fo, 1, 0, (infalign_transform *)bon,
                                         INFALIGN_TILT_BETA, 1, NULL, 0, 0, NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_ARGUMENT, "transform");
  double bad[4] = {0, 1, NAN, 2};
  int64_t two[3] = {0, 2, 4}, empty[3] = {0, 2, 2};
  EXPECT_ERROR(infalign_tilt_weights_f64(bad, two, NULL, NULL, 2, INFALIGN_LEAVE_ONE_OUT, t, INFALIGN_TILT_BETA, 1,
                                         NULL, 0, 0, NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_NON_FINITE, "non-finite reward nan at prompt 1, index 0");
  EXPECT_ERROR(infalign_tilt_weights_f64(rewards, empty, NULL, NULL, 2, INFALIGN_LEAVE_ONE_OUT, t, INFALIGN_TILT_BETA,
                                         1, NULL, 0, 0, NULL, NULL, w, NULL, NULL, NULL, NULL, NULL),
               INFALIGN_ERROR_SHAPE, "prompt 1 has no samples");
  OK(infalign_procedure_free(won));
  OK(infalign_procedure_free(bon));
  OK(infalign_transform_free(t));
}

int main(void) {
  test_closed_form();
  test_kl_budget();
  return finish("C ABI tilt test");
}
