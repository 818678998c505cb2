/*
 * infalign.h: the stable C ABI of InfAlign-Swift (library libInfAlignC, built by `swift build -c release
 * --product InfAlignC`; `make python` builds it and installs the Python package that wraps it).
 *
 * Conventions (they hold for every function below):
 *
 *  - Every function returns an int32_t status: INFALIGN_OK (0) or one of the INFALIGN_ERROR_* codes. On failure,
 *    infalign_last_error() returns this thread's message, which names the prompt, sample and field exactly as the
 *    Swift error does (e.g. "non-finite reward nan at prompt 3, index 1"). Misuse that a Swift caller meets as a
 *    precondition (a NULL pointer, a negative or overflowing length, a handle of the wrong kind or element type)
 *    is INFALIGN_ERROR_ARGUMENT here: nothing in this library traps, exits or prints.
 *  - Buffers are owned by the caller: contiguous, row-major, with explicit lengths. A pointer may be NULL only
 *    when its length is 0, or where a comment says "may be NULL". Outputs may alias inputs where noted.
 *  - Dense batches are `prompts x columns`. Ragged batches are values plus `prompts + 1` int64 offsets starting
 *    at 0 and never decreasing: prompt b owns values[offsets[b] .. offsets[b+1]).
 *  - `_f64` functions take double buffers, `_f32` float buffers; results are bit-identical to the Swift library's
 *    generic functions at that type (the same code runs underneath).
 *  - Opaque handles (infalign_transform, infalign_procedure, infalign_table, infalign_ctrl_options) are created by
 *    the library and released with their own *_free function (NULL is a no-op). Transforms, procedures and tables
 *    are immutable, so one handle may be used from many threads at once. Options are set first, then only read.
 *  - Nothing allocated by the library is handed to the caller except handles, each with its free function.
 *  - All functions are thread-safe; they do not take a global lock, so calls on different threads run in parallel.
 */
#ifndef INFALIGN_H
#define INFALIGN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; compare with infalign_abi_version() at load time. */
#define INFALIGN_ABI_VERSION 1

/* Status codes. */
#define INFALIGN_OK 0
#define INFALIGN_ERROR_PARSE 1             /* text that is not a transform, procedure, option, method, ... */
#define INFALIGN_ERROR_INVALID_PARAMETER 2 /* a parameter outside its domain; the message names it and the domain */
#define INFALIGN_ERROR_MATH 3              /* a failure of the numerical core (e.g. no convergence) */
#define INFALIGN_ERROR_NON_FINITE 4        /* NaN or +-inf input: names the field, prompt and index */
#define INFALIGN_ERROR_EMPTY_REFERENCES 5  /* a prompt without (enough) reference rewards */
#define INFALIGN_ERROR_SHAPE 6             /* counts or offsets that do not describe the data */
#define INFALIGN_ERROR_ARGUMENT 7          /* misuse at the boundary: NULL, negative length, wrong handle kind */

/* Calibration flags. */
#define INFALIGN_LEAVE_ONE_OUT 1 /* the rewards are the references themselves: leave each one out of its own */
#define INFALIGN_SMOOTHING 2     /* (count + 1/2) / (M + 1): keeps values off 0 and 1 */

/* How infalign_tilt_weights_* reads its `value`. */
#define INFALIGN_TILT_BETA 0        /* the KL weight beta itself */
#define INFALIGN_TILT_SCALED_BETA 1 /* beta * exp(-t) for exp:t (beta itself for other transforms): any t */
#define INFALIGN_TILT_KL 2          /* a KL budget: beta from the exact calibrated-space solve (beta_for_kl) */

typedef struct infalign_transform infalign_transform;
typedef struct infalign_procedure infalign_procedure;
typedef struct infalign_table infalign_table;
typedef struct infalign_ctrl_options infalign_ctrl_options;

/* One analyzed point of calibrated space (all fields 8 bytes, no padding). */
typedef struct infalign_point {
  double beta;              /* KL weight */
  double log_z;             /* log of the normalizer of exp(Phi/beta) */
  double kl;                /* KL(pi || pi_ref) */
  double standard_win_rate; /* win rate under standard sampling */
  double win_rate;          /* inference-time win rate under the procedure vs the reference procedure */
} infalign_point;

/* Summary of an optimal-transform solve. */
typedef struct infalign_optimal_summary {
  double beta, kl, standard_win_rate, win_rate;
  double objective;          /* W_T - beta * KL, the maximized objective */
  double residual;           /* final fixed-point residual or gradient norm */
  int64_t iterations;        /* solver iterations */
  int64_t stationary_points; /* distinct stationary points found from the starts tried */
} infalign_optimal_summary;

/* A percentile bootstrap interval of a mean. */
typedef struct infalign_interval {
  double estimate, lower, upper, standard_error, level;
  int64_t resamples;
} infalign_interval;

/* The beta and exact tilt of infalign_tilt_weights_*. */
typedef struct infalign_tilt_summary {
  double beta;              /* the KL weight used; +inf where it exceeds double (exp:t, t past ~709) */
  double log_beta;          /* log beta, always finite */
  double scaled_beta;       /* beta * exp(-t) for exp:t, else beta */
  double log_z;             /* the exact tilt's log of integral_0^1 exp(Phi(v)/beta) dv */
  double kl;                /* the exact tilt's KL(pi* || pi_ref) */
  double standard_win_rate; /* the exact tilt's standard win rate */
} infalign_tilt_summary;

/* Batch-level results of a CTRL step. */
typedef struct infalign_ctrl_summary {
  double loss;             /* total loss: policy_loss + kl_loss */
  double mean_k1, mean_k2, mean_k3; /* means of the KL estimators over valid tokens */
  double clipped_fraction; /* fraction of valid tokens on the clipped branch */
  int64_t masked_count;    /* samples excluded for a non-finite input (non_finite = mask) */
  double policy_loss;      /* the PPO surrogate (with dual clip / ratio cap when set) */
  double kl_loss;          /* beta * aggregated KL estimate of the kl_loss option (0 without it) */
} infalign_ctrl_summary;

/* ---- Library ---------------------------------------------------------------------------------------------- */

/* INFALIGN_ABI_VERSION of the library loaded. */
int32_t infalign_abi_version(void);
/* The library's release version, e.g. "0.2.0" (the repository's VERSION file): static storage, never freed. A
 * release may add functions without changing INFALIGN_ABI_VERSION; it changes when an existing one changes. */
const char *infalign_version(void);
/* This thread's message for its last failed call ("" before any failure); valid until its next failing call. */
const char *infalign_last_error(void);

/* The process-wide thread count of the row kernels (calibration, win rates); INFALIGN_NUM_THREADS at start-up,
 * else the available cores. Results are bit-identical for every count. */
int32_t infalign_thread_count(int64_t *count);
/* Sets it for the whole process: 1 ... 1024. */
int32_t infalign_set_thread_count(int64_t count);

/* ---- Transforms Phi of the calibrated reward -------------------------------------------------------------- */

/* Parses identity, exp:T, negexp:T, log[:EPS|:none], logit[:EPS|:none], power:P. */
int32_t infalign_transform_parse(const char *text, infalign_transform **out);
/* Piecewise-linear on `points` >= 2 strictly increasing grid points in [0, 1], finite values. */
int32_t infalign_transform_table(const double *grid, const double *values, int64_t points, infalign_transform **out);
int32_t infalign_transform_free(infalign_transform *transform);
/* Copies the text form (NUL-terminated, truncated to capacity - 1) and stores its full length in *length (may
 * be NULL). buffer may be NULL when capacity is 0, to ask for the length. */
int32_t infalign_transform_describe(const infalign_transform *transform, char *buffer, int64_t capacity,
                                    int64_t *length);
/* *points = the table size of a table transform (e.g. an optimal transform), 0 for other kinds. */
int32_t infalign_transform_table_points(const infalign_transform *transform, int64_t *points);
/* Copies a table transform's grid and values; points must equal its size. */
int32_t infalign_transform_table_copy(const infalign_transform *transform, double *grid, double *values,
                                      int64_t points);
/* values[i] = Phi(values[i]) in place (values clamped into [0, 1] first). */
int32_t infalign_transform_apply_f64(const infalign_transform *transform, double *values, int64_t count);
int32_t infalign_transform_apply_f32(const infalign_transform *transform, float *values, int64_t count);

/* ---- Inference-time procedures ---------------------------------------------------------------------------- */

/* Parses standard, bon:N, won:N, order:K:N, mix:W*P+W*P+... */
int32_t infalign_procedure_parse(const char *text, infalign_procedure **out);
int32_t infalign_procedure_free(infalign_procedure *procedure);
int32_t infalign_procedure_describe(const infalign_procedure *procedure, char *buffer, int64_t capacity,
                                    int64_t *length);
/* out[i] = g(cdf[i]), the CDF map of the procedure; out may be cdf. */
int32_t infalign_procedure_value(const infalign_procedure *procedure, const double *cdf, double *out, int64_t count);

/* ---- One-shot calibration --------------------------------------------------------------------------------- */

/* out[b, j] = (#{references of b < rewards[b, j]} + 1/2 #{equal}) / M, with the flags' variants.
 * Dense: references prompts x reference_columns, rewards and out prompts x reward_columns. out may be rewards. */
int32_t infalign_calibrate_f64(const double *references, int64_t reference_columns, const double *rewards,
                               int64_t reward_columns, int64_t prompts, int32_t flags, double *out);
int32_t infalign_calibrate_f32(const float *references, int64_t reference_columns, const float *rewards,
                               int64_t reward_columns, int64_t prompts, int32_t flags, float *out);
/* Ragged: each side with its own prompts + 1 offsets; out is laid out as rewards. */
int32_t infalign_calibrate_ragged_f64(const double *references, const int64_t *reference_offsets,
                                      const double *rewards, const int64_t *reward_offsets, int64_t prompts,
                                      int32_t flags, double *out);
int32_t infalign_calibrate_ragged_f32(const float *references, const int64_t *reference_offsets,
                                      const float *rewards, const int64_t *reward_offsets, int64_t prompts,
                                      int32_t flags, float *out);

/* ---- Calibration tables: references sorted once, calibrated against many times ------------------------------ */

int32_t infalign_table_create_f64(const double *references, int64_t prompts, int64_t columns, infalign_table **out);
int32_t infalign_table_create_f32(const float *references, int64_t prompts, int64_t columns, infalign_table **out);
int32_t infalign_table_create_ragged_f64(const double *references, const int64_t *offsets, int64_t prompts,
                                         infalign_table **out);
int32_t infalign_table_create_ragged_f32(const float *references, const int64_t *offsets, int64_t prompts,
                                         infalign_table **out);
int32_t infalign_table_free(infalign_table *table);
int32_t infalign_table_prompts(const infalign_table *table, int64_t *prompts);
/* Dense rewards: the table's prompts x columns. The element type must match the table's. out may be rewards. */
int32_t infalign_table_calibrate_f64(const infalign_table *table, const double *rewards, int64_t columns,
                                     int32_t flags, double *out);
int32_t infalign_table_calibrate_f32(const infalign_table *table, const float *rewards, int64_t columns,
                                     int32_t flags, float *out);
/* Ragged rewards: offsets has the table's prompts + 1 entries. */
int32_t infalign_table_calibrate_ragged_f64(const infalign_table *table, const double *rewards,
                                            const int64_t *offsets, int32_t flags, double *out);
int32_t infalign_table_calibrate_ragged_f32(const infalign_table *table, const float *rewards,
                                            const int64_t *offsets, int32_t flags, float *out);
/* Reading a table back (e.g. to serialize it): *prompts, the total number of *references and the *element_size
 * (4: float, 8: double). The copy holds each prompt's references sorted ascending, prompt after prompt, with
 * prompts + 1 offsets; a table created from it with infalign_table_create_ragged_* calibrates to the same bits.
 * count must equal *references of infalign_table_shape; the element type must match the table's. */
int32_t infalign_table_shape(const infalign_table *table, int64_t *prompts, int64_t *references,
                             int64_t *element_size);
int32_t infalign_table_references_copy_f64(const infalign_table *table, double *references, int64_t count,
                                           int64_t *offsets);
int32_t infalign_table_references_copy_f32(const infalign_table *table, float *references, int64_t count,
                                           int64_t *offsets);

/* ---- Calibrated-space analysis ---------------------------------------------------------------------------- */

/* The aligned policy of (Phi, beta) analyzed under procedure vs reference (reference may be NULL: the same). */
int32_t infalign_analyze(const infalign_transform *transform, double beta, const infalign_procedure *procedure,
                         const infalign_procedure *reference, infalign_point *out);
/* As infalign_analyze at the beta whose KL equals kl. */
int32_t infalign_analyze_kl(const infalign_transform *transform, double kl, const infalign_procedure *procedure,
                            const infalign_procedure *reference, infalign_point *out);
/* The KL weight beta at which exp(Phi/beta)/Z has KL equal to kl. */
int32_t infalign_beta_for_kl(const infalign_transform *transform, double kl, double *beta);
/* The member of family "exp", "negexp" or "power" with the highest win rate at the KL budget, searched in
 * [range_low, range_high] (both NaN: the family's default range). */
int32_t infalign_tune(const char *family, double kl, const infalign_procedure *procedure,
                      const infalign_procedure *reference, double range_low, double range_high, double *parameter,
                      infalign_point *out);

/* ---- Optimal transform ------------------------------------------------------------------------------------ */

/* The optimal transform of procedure (vs reference, NULL: the same) at KL weight beta, on about `grid` cells
 * (8 ... 65536; 1024 is the library default), by method "fixed-point" (NULL), "gradient" or "polished".
 * *out receives a table transform (read it with infalign_transform_table_copy, use it in CTRL options). */
int32_t infalign_optimal_transform(const infalign_procedure *procedure, const infalign_procedure *reference,
                                   double beta, int64_t grid, const char *method, infalign_optimal_summary *summary,
                                   infalign_transform **out);
/* As above, with beta located so the KL meets the budget kl. */
int32_t infalign_optimal_transform_kl(const infalign_procedure *procedure, const infalign_procedure *reference,
                                      double kl, int64_t grid, const char *method, infalign_optimal_summary *summary,
                                      infalign_transform **out);

/* ---- Empirical win rates ---------------------------------------------------------------------------------- */

/* Unbiased per-prompt estimates of the standard / bon:N / won:N win rate of policy vs reference samples (ragged,
 * each side with its own offsets); out has `prompts` doubles. */
int32_t infalign_win_rates_f64(const double *policy, const int64_t *policy_offsets, const double *reference,
                               const int64_t *reference_offsets, int64_t prompts, const infalign_procedure *procedure,
                               double *out);
int32_t infalign_win_rates_f32(const float *policy, const int64_t *policy_offsets, const float *reference,
                               const int64_t *reference_offsets, int64_t prompts, const infalign_procedure *procedure,
                               double *out);
/* The seeded percentile bootstrap interval of the mean of `count` finite values (resampled with replacement). */
int32_t infalign_bootstrap(const double *values, int64_t count, int64_t resamples, double level, uint64_t seed,
                           infalign_interval *out);

/* ---- Tilt weights (distillation of the exact tilt) ------------------------------------------------------- */

/* Self-normalized weights toward pi* ~ pi_ref * exp(Phi(u)/beta) for ragged groups of samples from pi_ref: per
 * sample u (calibrated against the prompt's references, flags as for calibration), Phi(u) and
 * w = exp(Phi(u)/beta - log_z), mean 1 per prompt; per prompt log_z = log(mean exp(Phi(u)/beta)), ess =
 * (sum w)^2 / sum w^2 and kl = sum (w/K) log w (the reweighted sample against the uniform one). references and
 * reference_offsets both NULL with INFALIGN_LEAVE_ONE_OUT: each reward against the rest of its group. strength is
 * an INFALIGN_TILT_* with its value. win_rates[i]: the exact tilt's win rate under procedures[i] (against the same
 * procedure). threads: 0 for the process-wide count, else 1 ... 1024 (results identical for every count).
 * Every output may be NULL when not wanted: calibrated, transformed and weights are laid out as rewards; log_z,
 * ess and kl have `prompts` doubles; win_rates `procedure_count`. A prompt with no samples is INFALIGN_ERROR_SHAPE;
 * a Phi(u)/beta of +inf or NaN (logit without smoothing at u = 1) is INFALIGN_ERROR_NON_FINITE naming the sample. */
int32_t infalign_tilt_weights_f64(const double *rewards, const int64_t *reward_offsets, const double *references,
                                  const int64_t *reference_offsets, int64_t prompts, int32_t flags,
                                  const infalign_transform *transform, int32_t strength, double value,
                                  const infalign_procedure *const *procedures, int64_t procedure_count,
                                  int64_t threads, double *calibrated, double *transformed, double *weights,
                                  double *log_z, double *ess, double *kl, double *win_rates,
                                  infalign_tilt_summary *summary);
/* As infalign_tilt_weights_f64 with float rewards, references and per-sample outputs (per-prompt outputs double). */
int32_t infalign_tilt_weights_f32(const float *rewards, const int64_t *reward_offsets, const float *references,
                                  const int64_t *reference_offsets, int64_t prompts, int32_t flags,
                                  const infalign_transform *transform, int32_t strength, double value,
                                  const infalign_procedure *const *procedures, int64_t procedure_count,
                                  int64_t threads, float *calibrated, float *transformed, float *weights,
                                  double *log_z, double *ess, double *kl, double *win_rates,
                                  infalign_tilt_summary *summary);

/* ---- CTRL step -------------------------------------------------------------------------------------------- */

/* Options by name, with text values (numbers in any form strtod reads, e.g. "%.17g"). The defaults are InfAlign's
 * CTRL: group calibration, identity transform, RLOO baseline, PPO clip 0.2, log-ratio clamp 20, no KL term.
 *   preset              infalign | verl-grpo | verl-rloo | verl-drgrpo | verl-grpo-passk | trl-grpo | trl-rloo |
 *                       openrlhf-group-norm | openrlhf-rloo | verl-0.9-grpo | verl-0.9-drgrpo | trl-1.16-grpo |
 *                       openrlhf-0.11-gspo: every option below as that trainer's defaults (the versioned ones: that
 *                       release's recipe, docs/MIGRATING.md; the transform is kept for calibrated presets); set
 *                       other options after it to change them
 *   calibration         group | none   without a table (a table passed to the step means reference calibration)
 *   transform           a transform text form (identity without calibration); or infalign_ctrl_options_set_transform
 *   smoothing           true|false
 *   estimator           standard | max@k:K[:B] | pass@k:K[:B] | analytic-pass@k:K | max-minus-second |
 *                       bon-distill:N | won-distill:N   (B: none, group-mean (default), leave-one-out, marginal)
 *   baseline            rloo | group-mean | none              (alias: advantage)
 *   scale               none | group | batch | batch-whiten   (normalize_by_std true|false = group|none)
 *   bessel_std          true|false      std_epsilon >= 0      std_floor >= 0
 *   single_sample       zero | mean-zero-std-one | raw
 *   distillation_epsilon in (0, 1)
 *   kl_reward, kl_loss  none | COEF[:k1|abs|k2|k3[:CLAMP|none[:straight-through]]]
 *                       (kl_coefficient COEF = kl_reward COEF:k1)
 *   kl_loss_ratio_weight true|false: the KL loss of each token times the PPO importance ratio at ratio_level
 *                       (after log_ratio_clamp, before any clip), with its gradient (TRL's bias-corrected KL)
 *   kl_reward_source    policy | old-policy        kl_reward_placement  before-baseline | after-baseline
 *   clip_epsilon        both clip ranges; clip_low, clip_high separately
 *   dual_clip, ratio_cap, log_ratio_clamp   a number or none
 *   ratio_level         token | sequence-mean | sequence-sum | gspo-token (verl GSPO: sequence ratio, token gradient)
 *   policy_loss         ppo | cispo   (CISPO: -sg[clip(r)] * A * log pi; no dual clip or ratio cap)
 *   rollout_correction  none | comma-separated terms: at most one of token:UPPER | sequence:UPPER (TIS) |
 *                       token:LOWER:UPPER | sequence:LOWER:UPPER (IcePop), the weight exp(old - rollout) on each
 *                       token's policy loss; normalize (weights over their batch mean); reject:STAT:UPPER or
 *                       reject:STAT:LOWER:UPPER (k1 only; one bound gives LOWER = 1/UPPER), STAT one of token-k1 |
 *                       token-k2 | token-k3 | seq-sum-k1 | seq-sum-k2 | seq-sum-k3 | seq-mean-k1 | seq-mean-k2 |
 *                       seq-mean-k3 | seq-max-k2 | seq-max-k3, dropping tokens or sequences from the loss and its
 *                       counts (verl 0.9.1 rollout correction; e.g. sequence:2,reject:seq-sum-k1:0.5:2 is
 *                       sequence-masked TIS); needs infalign_ctrl_step_rollout_*
 *   k3_report_clamp     none | C: the k3 column and mean k3 clamped to [-C, C], as verl reports its low-var KL (10)
 *   aggregation         token-mean | seq-mean-token-mean[:EPS[:floor-one]] | seq-mean-token-sum |
 *                       seq-mean-token-sum-norm (verl 0.9.1) | token-sum-norm[:per-sequence]
 *   non_finite          throw | mask
 * The words are the library's, shared with `infalign ctrl`'s flags (Sources/InfAlignSolvers/CTRL/
 * CTRLOptions+Text.swift), which also accept these aliases: leave-one-out and mean (baselines), old (old-policy),
 * before and after (placements), bon-distillation and won-distillation (estimators), error (throw).
 * A value that does not parse is INFALIGN_ERROR_PARSE naming the option and listing the accepted words; domains of the whole set are checked
 * by the step (and by infalign_ctrl_options_validate) as INFALIGN_ERROR_INVALID_PARAMETER naming the option. */
int32_t infalign_ctrl_options_create(infalign_ctrl_options **out);
int32_t infalign_ctrl_options_set(infalign_ctrl_options *options, const char *key, const char *value);
int32_t infalign_ctrl_options_set_transform(infalign_ctrl_options *options, const infalign_transform *transform);
int32_t infalign_ctrl_options_validate(const infalign_ctrl_options *options);
int32_t infalign_ctrl_options_free(infalign_ctrl_options *options);

/* One CTRL step on sequence-level inputs: groups x group_size buffers (one row per prompt group, one log-prob per
 * sample). table: reference rewards per group (its element type must match), or NULL for the options'
 * calibration (group: each sample against the rest of its group; none: raw rewards). old_policy_logprobs may be
 * NULL (on-policy: ratio 1). advantages and loss_gradient are required; calibrated, transformed, k1, k2, k3,
 * valid (0/1 bytes) and summary may be NULL when not wanted. */
int32_t infalign_ctrl_step_f64(const infalign_ctrl_options *options, const infalign_table *table, int64_t groups,
                               int64_t group_size, const double *rewards, const double *policy_logprobs,
                               const double *reference_logprobs, const double *old_policy_logprobs,
                               double *advantages, double *loss_gradient, double *calibrated, double *transformed,
                               double *k1, double *k2, double *k3, uint8_t *valid, infalign_ctrl_summary *summary);
int32_t infalign_ctrl_step_f32(const infalign_ctrl_options *options, const infalign_table *table, int64_t groups,
                               int64_t group_size, const float *rewards, const float *policy_logprobs,
                               const float *reference_logprobs, const float *old_policy_logprobs, float *advantages,
                               float *loss_gradient, float *calibrated, float *transformed, float *k1, float *k2,
                               float *k3, uint8_t *valid, infalign_ctrl_summary *summary);
/* Token level: rewards, advantages, calibrated, transformed and valid per sample (groups x group_size); log-probs,
 * mask (0/1 bytes, NULL: every token counts), loss_gradient and k1/k2/k3 per token
 * (groups x group_size x max_tokens). */
int32_t infalign_ctrl_step_tokens_f64(const infalign_ctrl_options *options, const infalign_table *table,
                                      int64_t groups, int64_t group_size, int64_t max_tokens, const double *rewards,
                                      const double *policy_logprobs, const double *reference_logprobs,
                                      const double *old_policy_logprobs, const uint8_t *mask, double *advantages,
                                      double *loss_gradient, double *calibrated, double *transformed, double *k1,
                                      double *k2, double *k3, uint8_t *valid, infalign_ctrl_summary *summary);
int32_t infalign_ctrl_step_tokens_f32(const infalign_ctrl_options *options, const infalign_table *table,
                                      int64_t groups, int64_t group_size, int64_t max_tokens, const float *rewards,
                                      const float *policy_logprobs, const float *reference_logprobs,
                                      const float *old_policy_logprobs, const uint8_t *mask, float *advantages,
                                      float *loss_gradient, float *calibrated, float *transformed, float *k1,
                                      float *k2, float *k3, uint8_t *valid, infalign_ctrl_summary *summary);

/* Rollout correction: as the token-level step, with rollout_logprobs (groups x group_size x max_tokens: the inference
 * engine's log-probs of the same tokens) after old_policy_logprobs, for the rollout_correction option (TIS, IcePop),
 * which needs them; NULL rollout_logprobs with that option set is INFALIGN_ERROR_INVALID_PARAMETER. */
int32_t infalign_ctrl_step_rollout_f64(const infalign_ctrl_options *options, const infalign_table *table,
                                       int64_t groups, int64_t group_size, int64_t max_tokens, const double *rewards,
                                       const double *policy_logprobs, const double *reference_logprobs,
                                       const double *old_policy_logprobs, const double *rollout_logprobs,
                                       const uint8_t *mask, double *advantages, double *loss_gradient,
                                       double *calibrated, double *transformed, double *k1, double *k2, double *k3,
                                       uint8_t *valid, infalign_ctrl_summary *summary);
int32_t infalign_ctrl_step_rollout_f32(const infalign_ctrl_options *options, const infalign_table *table,
                                       int64_t groups, int64_t group_size, int64_t max_tokens, const float *rewards,
                                       const float *policy_logprobs, const float *reference_logprobs,
                                       const float *old_policy_logprobs, const float *rollout_logprobs,
                                       const uint8_t *mask, float *advantages, float *loss_gradient,
                                       float *calibrated, float *transformed, float *k1, float *k2, float *k3,
                                       uint8_t *valid, infalign_ctrl_summary *summary);

#ifdef __cplusplus
}
#endif

#endif /* INFALIGN_H */
