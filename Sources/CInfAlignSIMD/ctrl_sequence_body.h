// The body of the CTRL step's per-sample pass for one precision, included by ctrl_sequence.c with
// CT (scalar), CV (vector), CI (mask vector), CW (lanes), CEXP (vector exp) and CNAME (prefix) defined.
// Each formula is the lane-select form of Swift's `CTRLTerms` (InfAlignSolvers/CTRL/CTRLTerms.swift).

#define SEL(m, a, b) ((CV)((((CI)(a)) & (m)) | (((CI)(b)) & ~(m))))
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(x) CAT(CNAME, x)

// x clamped into [-c, c] and whether it was inside (closed interval); c = INFINITY clamps nothing.
INLINE CV FN(_clamp)(CV x, CT cs, CI *inside) {
  const CV c = (CV){0} + cs;
  *inside = (x <= c) & (x >= -c);
  return SEL(x > c, c, SEL(x < -c, -c, x));
}

// e^{-r} - 1 + r from r and e = e^{-r}; the series r^2 sum (-r)^n/(n+2)! where |r| < 1/4.
INLINE CV FN(_k3)(CV r, CV e) {
  CV y = -r;
  CV p = y * (CT)(1.0 / 6227020800.0) + (CT)(1.0 / 479001600.0);
  p = p * y + (CT)(1.0 / 39916800.0);
  p = p * y + (CT)(1.0 / 3628800.0);
  p = p * y + (CT)(1.0 / 362880.0);
  p = p * y + (CT)(1.0 / 40320.0);
  p = p * y + (CT)(1.0 / 5040.0);
  p = p * y + (CT)(1.0 / 720.0);
  p = p * y + (CT)(1.0 / 120.0);
  p = p * y + (CT)(1.0 / 24.0);
  p = p * y + (CT)(1.0 / 6.0);
  p = p * y + (CT)0.5;
  CV small = r * r * p, big = (e - 1) + r;
  CV a = SEL(r < 0, -r, r);
  return SEL(a >= (CT)0.25, big, small);
}

// A KL estimate (times coef) and its derivative in log pi (times coef); k3 from rc (rho clamped) and its k3.
INLINE void FN(_kl)(int est, CV rho, CV rc, CV k3, double coef, double clampv, int straight, CV *value, CV *slope) {
  const CV zero = (CV){0}, one = zero + 1;
  CV v, s;
  switch (est) {
  case 0: v = rho; s = one; break;
  case 1: v = SEL(rho < 0, -rho, rho); s = SEL(rho > 0, one, SEL(rho < 0, -one, zero)); break;
  case 2: v = rho * rho * (CT)0.5; s = rho; break;
  default: v = k3; s = SEL(rc == rho, rc - k3, zero); break;  // 1 - e^{-r} = r - k3
  }
  if (clampv < INFINITY) {
    const CV c = zero + (CT)clampv;
    CI out = (v > c) | (v < -c);
    v = SEL(v > c, c, SEL(v < -c, -c, v));
    s = SEL(out, zero, s);
  }
  if (straight) s = rho;
  *value = v * (CT)coef;
  *slope = s * (CT)coef;
}

// Adds the lane sums (in a fixed order) into out and zeroes the accumulators.
INLINE void FN(_flush)(double *out, CV *a, CV *b, CV *c, CV *d, CV *e, CV *f) {
  CV *acc[6] = {a, b, c, d, e, f};
  for (int j = 0; j < 6; j++) {
    double s = 0;
    for (int k = 0; k < CW; k++) s += (double)(*acc[j])[k];
    out[j] += s;
    *acc[j] = (CV){0};
  }
}

INLINE ptrdiff_t FN(_pass)(const infalign_ctrl_params *q, ptrdiff_t n, const CT *lp, const CT *lr, const CT *old,
                           const CT *adv, CT *grad, CT *k1o, CT *k2o, CT *k3o, double *sums) {
  const CT L = (CT)q->log_clamp, cap = (CT)q->cap, w = (CT)q->weight, dual = (CT)q->dual;
  const CV zero = (CV){0}, one = zero + 1, lo = zero + (CT)q->clip_low, hi = zero + (CT)q->clip_high;
  CV sPolicy = zero, sKL = zero, s1 = zero, s2 = zero, s3 = zero, sClip = zero;
  double out[6] = {0, 0, 0, 0, 0, 0};
  for (ptrdiff_t i = 0; i < n; i += CW) {
    if (i % (64 * CW) == 0 && i > 0) {  // lane sums into double every 64 vectors (Float keeps its accuracy)
      FN(_flush)(out, &sPolicy, &sKL, &s1, &s2, &s3, &sClip);
    }
    const int m = n - i < CW ? (int)(n - i) : CW;
    CV vlp = zero, vlr = zero, vold = zero, a = zero, live = zero;
    if (m == CW) {
      memcpy(&vlp, lp + i, sizeof vlp);
      memcpy(&vlr, lr + i, sizeof vlr);
      memcpy(&a, adv + i, sizeof a);
      if (old) memcpy(&vold, old + i, sizeof vold);
      live = one;
    } else {
      for (int k = 0; k < m; k++) {
        vlp[k] = lp[i + k];
        vlr[k] = lr[i + k];
        a[k] = adv[i + k];
        if (old) vold[k] = old[i + k];
        live[k] = 1;
      }
    }
    const CI isLive = live > 0;
    CV rho = vlp - vlr;
    CI inside;
    CV rc = FN(_clamp)(rho, L, &inside);
    CV k3 = FN(_k3)(rc, CEXP(-rc));
    CV k2 = rho * rho * (CT)0.5;
    if (q->after_estimator >= 0) {
      CV ar = (q->after_from_old && old ? vold : vlp) - vlr;
      CI ain;
      CV arc = FN(_clamp)(ar, L, &ain);
      CV ak3 = q->after_estimator == 3 ? FN(_k3)(arc, CEXP(-arc)) : zero;
      CV av, as;
      FN(_kl)(q->after_estimator, ar, arc, ak3, q->after_coef, q->after_clamp, 0, &av, &as);
      a = a - av;
    }
    CV r = one, dl = one;
    if (!q->on_policy) {
      CI lin;
      CV l = FN(_clamp)(vlp - vold, L, &lin);
      dl = SEL(lin, one, zero);
      r = CEXP(SEL(isLive, l, zero));
    }
    CV r2 = SEL(r < lo, lo, SEL(r > hi, hi, r));
    CV d2 = SEL((r >= lo) & (r <= hi), one, zero);
    const CV capv = zero + cap;
    CV r1 = SEL(r > capv, capv, r), d1 = SEL(r > capv, zero, one);
    CV u1 = r1 * a, u2 = r2 * a;
    CV g1 = d1 * a * r, g2 = d2 * a * r;
    CI lt = u1 < u2, gt = u2 < u1;
    CV mm = SEL(lt, u1, SEL(gt, u2, u1));
    CV g = SEL(lt, g1, SEL(gt, g2, (g1 + g2) * (CT)0.5));
    if (dual > 0) {
      CV u3 = a * dual;
      CI neg = a < 0;
      CI above = neg & (u3 > mm), tie = neg & (u3 == mm);
      mm = SEL(above, u3, mm);
      g = SEL(above, zero, SEL(tie, g * (CT)0.5, g));
    }
    CV loss = -mm, slope = -g * dl;
    CV klv = zero, kls = zero;
    if (q->loss_estimator >= 0) FN(_kl)(q->loss_estimator, rho, rc, k3, q->loss_coef, q->loss_clamp, q->loss_straight, &klv, &kls);
    CV gr = (slope + kls) * w;
    CI bad = ((rho - rho) != 0) | ((k2 - k2) != 0) | ((k3 - k3) != 0) | ((loss - loss) != 0) | ((gr - gr) != 0) |
             ((klv - klv) != 0);
    // An old log-prob of +-inf can give a finite ratio (clamped, or e^-inf = 0): the input itself is checked, since
    // a caller may rely on the kernel to find every non-finite input it reads (rho covers log pi and log ref).
    if (old) bad |= (vold - vold) != 0;
    bad &= isLive;
    if (__builtin_reduce_or(bad)) {
      for (int k = 0; k < m; k++)
        if (bad[k]) return i + k;
    }
    if (m == CW) {
      memcpy(grad + i, &gr, sizeof gr);
      if (k1o) memcpy(k1o + i, &rho, sizeof rho);
      if (k2o) memcpy(k2o + i, &k2, sizeof k2);
      if (k3o) memcpy(k3o + i, &k3, sizeof k3);
    } else {
      for (int k = 0; k < m; k++) {
        grad[i + k] = gr[k];
        if (k1o) k1o[i + k] = rho[k];
        if (k2o) k2o[i + k] = k2[k];
        if (k3o) k3o[i + k] = k3[k];
      }
    }
    sPolicy += SEL(isLive, loss, zero);
    sKL += SEL(isLive, klv, zero);
    s1 += SEL(isLive, rho, zero);
    s2 += SEL(isLive, k2, zero);
    s3 += SEL(isLive, k3, zero);
    sClip += SEL(isLive & gt, one, zero);
  }
  FN(_flush)(out, &sPolicy, &sKL, &s1, &s2, &s3, &sClip);
  sums[0] = out[0] * (double)w;
  sums[1] = out[1] * (double)w;
  for (int k = 2; k < 6; k++) sums[k] = out[k];
  return -1;
}

#undef SEL
#undef FN
