#!/usr/bin/env python3
"""Golden values for the exactness contract of the calibrated-space analysis (docs/RELIABILITY.md), with mpmath.

Each case is (transform, β, policy procedure, reference procedure); it prints log Z, KL, the standard win rate and
the inference-time win rate W = ∫ g_ref(u)·g'(F(u))·f(u) du, f = exp(Φ/β)/Z, to 20 significant digits.

Independent of the Swift code: every CDF is a closed form (Ei/E1 for exp/negexp, powers for identity and log,
the incomplete beta for logit with and without smoothing; the smoothed logit's CDF at quadrature nodes is
itself a 24-point Gauss–Legendre integral, the incomplete beta being too slow to call per node). Integrals over u are mp.quad (60 digits) on breakpoints that are geometric toward both ends (4 per
decade down to 1e-50) and toward each transform's kinks and cliffs (down to 1e-30), so the sharp layers of large N
and tiny β are resolved; F and S = 1 − F are each computed on their own side. KL uses E[h] in closed form where
one exists. Where the layer at u = 1 is thinner than 1e-50 (identity at β = 1e-300, exp:700 at β = 1e-3), the
win rates are 1 − O(N/λ) with λ = h'(1) > 1e50, written as 1.

The exponential family is parametrized as e^{t(u−1)} with the scaled weight β̃ = β·e^{−t} (written `scaled` in a
case), which is how t = 5000 is reached. Run: .venv/bin/python scripts/golden_exactness.py  (a few minutes).
Output: Swift literals for Tests/InfAlignSolversTests/CalibratedSpace/ExactnessGoldenValues.swift.
"""
import sys
import mpmath as mp

mp.mp.dps = 60

# (transform text, beta text, "beta" or "scaled", procedure, reference procedure or None)
CASES = [
    # The exponential family at large t (scaled weight) and with β folded into the exponent.
    ("exp:1000", "0.05", "scaled", "bon:4", None),
    ("exp:5000", "0.1", "scaled", "bon:16", None),
    ("exp:800", "1e308", "beta", "bon:4", None),
    ("negexp:740", "1e-10", "beta", "bon:4", None),
    ("negexp:1000", "1e-10", "beta", "won:8", None),
    ("negexp:5000", "1e-300", "beta", "won:64", None),
    # Large N.
    ("exp:5", "1", "beta", "bon:100000", None),
    ("exp:5", "1", "beta", "bon:1000000", None),
    ("exp:5", "0.01", "beta", "won:1000000", None),
    ("negexp:5", "0.1", "beta", "won:1000000", None),
    # Worst-of-N and order statistics at tiny β (the mass starts at an interior cliff).
    ("negexp:50", "1e-10", "beta", "won:64", None),
    ("negexp:50", "1e-10", "beta", "won:256", None),
    ("negexp:50", "1e-10", "beta", "order:2:256", None),
    # Extreme weights.
    ("identity", "1e-300", "beta", "bon:4", None),
    ("identity", "1e-3", "beta", "won:1000", None),
    ("identity", "1e300", "beta", "bon:4", None),
    ("exp:700", "1e-3", "beta", "bon:4", None),
    # Smoothed and unsmoothed log/logit.
    ("log", "0.5", "beta", "bon:8", None),
    ("log", "0.05", "beta", "won:4", None),
    ("logit", "1.5", "beta", "bon:4", None),
    ("logit", "1.3059504512936004", "beta", "bon:32", None),
    ("logit", "0.3", "beta", "won:16", None),
    ("log:none", "0.5", "beta", "bon:4", None),
    ("log:none", "1e-3", "beta", "bon:64", None),
    ("logit:none", "2", "beta", "bon:4", None),
    ("logit:none", "1.2", "beta", "won:8", None),
    # Mixtures and a separate reference procedure.
    ("exp:5", "0.5", "beta", "mix:0.5*bon:4+0.5*won:4", None),
    ("negexp:3", "0.2", "beta", "bon:16", "standard"),
    ("exp:3", "0.3", "beta", "order:3:10", "bon:2"),
]


def parse_procedure(text):
    """(g_value(F, S), g_derivative(F, S)) with F and S = 1 − F both given (each accurate on its side)."""
    if text == "standard":
        return (lambda F, S: F), (lambda F, S: mp.mpf(1))
    if text.startswith("mix:"):
        parts = []
        for item in text[4:].split("+"):
            w, p = item.split("*")
            parts.append((mp.mpf(w), parse_procedure(p)))
        return (lambda F, S: mp.fsum(w * g[0](F, S) for w, g in parts),
                lambda F, S: mp.fsum(w * g[1](F, S) for w, g in parts))
    kind, *args = text.split(":")
    if kind == "bon":
        n = int(args[0])
        return (lambda F, S: (1 - S) ** n if S < F else F ** n), (lambda F, S: n * ((1 - S) if S < F else F) ** (n - 1))
    if kind == "won":
        n = int(args[0])
        return (lambda F, S: 1 - ((1 - F) if F < S else S) ** n), (lambda F, S: n * ((1 - F) if F < S else S) ** (n - 1))
    if kind == "order":
        k, n = int(args[0]), int(args[1])
        def value(F, S):
            return mp.betainc(k, n - k + 1, 0, F, regularized=True) if F <= S else \
                1 - mp.betainc(n - k + 1, k, 0, S, regularized=True)
        def derivative(F, S):
            return n * mp.binomial(n - 1, k - 1) * F ** (k - 1) * S ** (n - k)
        return value, derivative
    raise ValueError(text)


class Density:
    """log f, F and S = 1 − F of exp(Φ/β)/Z, with breakpoints where the integrands have structure."""

    def __init__(self, transform, beta, form):
        beta = mp.mpf(beta)
        name, _, param = transform.partition(":")
        extra = []
        self.e_h = None
        self.tabulated = False
        self.singular_top = False
        self.layer_slope = mp.mpf(0)
        if name == "exp":
            t = mp.mpf(param)
            bs = beta if form == "scaled" else beta * mp.exp(-t)  # weight of e^{t(u−1)}
            self.literal_log_beta = mp.log(bs) + t
            # h(u) = e^{t(u−1)}/β̃; ∫₀ᵘ e^h = (Ei(e^{t(u−1)}/β̃) − Ei(e^{−t}/β̃))/t.
            prim = lambda u: mp.ei(mp.exp(t * (u - 1)) / bs) / t
            self.h = lambda u: mp.exp(t * (u - 1)) / bs
            # E[h] = ∫ h e^h du / Z with v = h, du = dv/(t v): (e^{h(1)} − e^{h(0)})/(t Z). KL = E[h] − log Z
            # cancels the digits of h(1) = 1/β̃, and mpmath's Ei for huge arguments holds ~22 digits. Past 1/β̃ = 1e15 the layer
            # limit KL = log(t/β̃) − 1 + O(β̃) is used instead (absolute error below 1e-15; t > 40).
            self._cdf_closed(prim)
            self.e_h = (mp.exp(1 / bs - self.logZ) - mp.exp(mp.exp(-t) / bs - self.logZ)) / t
            self.kl = mp.log(t / bs) - 1 if 1 / bs > mp.mpf("1e15") and t > 40 else self.e_h - self.logZ
            self.layer_slope = t / bs
        elif name == "negexp":
            t = mp.mpf(param)
            self.h = lambda u: -mp.exp(-t * u) / beta
            prim = lambda u: mp.e1(mp.exp(-t * u) / beta) / t
            self._cdf_closed(prim)
            # E[h] with v = h = −e^{−tu}/β, du = −dv/(t v): −(e^{h(1)} − e^{h(0)})/(t Z).
            self.e_h = -(mp.exp(self.h(1) - self.logZ) - mp.exp(self.h(0) - self.logZ)) / t
            extra = [mp.log(1 / beta) / t]
        elif name == "identity":
            self.h = lambda u: u / beta
            # F = expm1(u/β)/expm1(1/β), S = −expm1(−(1−u)/β)/(−expm1(−1/β)) written in exp form.
            a = 1 / beta
            self.logZ = mp.log(mp.expm1(a) / a)
            # KL = a·E[u] − log Z = log a − 1 + a/expm1(a) − log(−expm1(−a)) (no cancellation of O(a) terms);
            # for tiny a the series a²/24 − a⁴/960.
            self.kl = a * a / 24 - a ** 4 / 960 if a < mp.mpf("1e-10") else \
                mp.log(a) - 1 + a / mp.expm1(a) - mp.log(-mp.expm1(-a))
            self.e_h = self.kl + self.logZ
            self.layer_slope = a
            self.F = lambda u: mp.expm1(a * u) / mp.expm1(a)
            self.S = lambda u: -mp.expm1(-a * (1 - u)) / -mp.expm1(-a) if a > 1 else 1 - self.F(u)
        elif name == "log":
            a = 1 / beta
            eps = mp.mpf(0) if param == "none" else (mp.mpf(param) if param else mp.mpf("1e-6"))
            self.h = lambda u: a * mp.log(max(u, eps))
            # ∫₀ᵘ: ε^a·min(u, ε) + (u^{1+a} − ε^{1+a})/(1+a) above ε.
            prim = lambda u: eps ** a * min(u, eps) + ((u ** (1 + a) - eps ** (1 + a)) / (1 + a) if u > eps else 0)
            z = prim(mp.mpf(1))
            self.logZ = mp.log(z)
            self.F = lambda u: prim(u) / z
            self.S = lambda u: (z - prim(u)) / z
            if eps > 0:
                extra = [eps]
        elif name == "logit":
            a = 1 / beta
            eps = mp.mpf(0) if param == "none" else (mp.mpf(param) if param else mp.mpf("1e-6"))
            if eps == 0:
                self.h = lambda u: a * (mp.log(u) - mp.log1p(-u))
                self.logZ = mp.log(mp.beta(1 + a, 1 - a))
                self.F = lambda u: mp.betainc(1 + a, 1 - a, 0, u, regularized=True)
                self.S = lambda u: mp.betainc(1 - a, 1 + a, 0, 1 - u, regularized=True)
                self.singular_top = True
            else:
                # Clamped into [ε, 1 − ε]: flat ends of heights c0, c1 and the incomplete beta integral
                # B(x1, x2) = ∫ (v/(1−v))^a dv = mp.betainc(1 + a, 1 − a, x1, x2) between (valid for any a).
                lo, hi = eps, 1 - eps
                c0, c1 = (lo / hi) ** a, (hi / lo) ** a
                B = lambda x1, x2: mp.betainc(1 + a, 1 - a, x1, x2) if x2 > x1 else mp.mpf(0)
                self.h = lambda u: a * (mp.log(min(max(u, lo), hi)) - mp.log1p(-min(max(u, lo), hi)))
                z = c0 * lo + B(lo, hi) + c1 * lo
                self.logZ = mp.log(z)
                self.F = lambda u: (c0 * min(u, lo) + B(lo, min(u, hi)) + (c1 * (u - hi) if u > hi else 0)) / z
                self.S = lambda u: (c1 * min(1 - u, lo) + B(max(u, lo), hi) + (c0 * (lo - u) if u < lo else 0)) / z
                extra = [lo, hi]
                self.tabulated = True  # F by quadrature on the breakpoints (B above is for log Z only)
        else:
            raise ValueError(transform)
        self.extra = extra
        # The smoothed logit's structure (kinks at ε, 1 − ε; powers of s between) stops at 1e-12, and each of its
        # CDF evaluations is an incomplete beta, so its breakpoints stop there too.
        self.points = self._points(extra, 12 if name == "logit" and param != "none" else 50)

    def _cdf_closed(self, prim):
        z = prim(mp.mpf(1)) - prim(mp.mpf(0))
        self.logZ = mp.log(z)
        p0, p1 = prim(mp.mpf(0)), prim(mp.mpf(1))
        self.F = lambda u: (prim(u) - p0) / z
        self.S = lambda u: (p1 - prim(u)) / z

    @staticmethod
    def _points(extra, depth=50):
        pts = set([mp.mpf(0), mp.mpf(1)] + [mp.mpf(k) / 64 for k in range(1, 64)])
        for k in range(1, 4 * depth):
            d = mp.mpf(10) ** (-mp.mpf(k) / 4)
            pts.add(d)
            pts.add(1 - d)
            if k > 4 * min(depth, 30):
                continue
            for c in extra:
                for x in (c - d * c, c + d * (1 - c)):
                    if 0 < x < 1:
                        pts.add(x)
        return sorted(pts)

    def log_density(self, u):
        return self.h(u) - self.logZ


def analyze_tabulated(d, g_value, g_derivative):
    """Every integral by 24-point Gauss–Legendre on each breakpoint interval (exact to ~60 digits for the smooth
    pieces between breakpoints), F by the same rule on [a, x] for each node x: for densities whose CDF is an
    expensive special function (the smoothed logit's incomplete beta)."""
    X, Wt = mp.gauss_quadrature(24, "legendre")
    f = lambda u: mp.exp(d.log_density(u))
    below = mp.mpf(0)
    logZ_check, e_h, swr, win = mp.mpf(0), mp.mpf(0), mp.mpf(0), mp.mpf(0)
    nodes = []
    for i in range(len(d.points) - 1):
        a, b = d.points[i], d.points[i + 1]
        half = (b - a) / 2
        for x, w in zip(X, Wt):
            u = a + half * (1 + x)
            hu = (u - a) / 2
            cum = below + hu * mp.fsum(wj * f(a + hu * (1 + xj)) for xj, wj in zip(X, Wt))
            nodes.append((u, half * w, cum))
        below += half * mp.fsum(w * f(a + half * (1 + x)) for x, w in zip(X, Wt))
    total = below  # ≈ 1: the density is normalized by the closed-form Z
    for u, w, cum in nodes:
        fu = f(u)
        F, S = cum / total, (total - cum) / total
        e_h += w * d.h(u) * fu
        swr += w * u * fu
        win += w * g_value(u, 1 - u) * g_derivative(F, S) * fu
    return e_h - d.logZ, swr, win


def analyze(transform, beta, form, procedure, reference):
    d = Density(transform, beta, form)
    if d.tabulated:
        g_value, _ = parse_procedure(reference or procedure)
        _, g_derivative = parse_procedure(procedure)
        kl, swr, win = analyze_tabulated(d, g_value, g_derivative)
        return d.logZ, kl, swr, win
    if d.layer_slope > mp.mpf("1e50"):
        return d.logZ, d.kl, mp.mpf(1), mp.mpf(1)
    g_value, _ = parse_procedure(reference or procedure)
    _, g_derivative = parse_procedure(procedure)
    pts = d.points[:-1] if d.singular_top else d.points
    quad = lambda fn: mp.fsum(mp.quad(fn, [pts[i], pts[i + 1]]) for i in range(len(pts) - 1))
    f = lambda u: mp.exp(d.log_density(u))
    e_h = d.e_h if d.e_h is not None else quad(lambda u: d.h(u) * f(u))
    kl = d.kl if getattr(d, "kl", None) is not None else e_h - d.logZ
    swr = quad(lambda u: u * f(u))
    win = quad(lambda u: g_value(u, 1 - u) * g_derivative(d.F(u), d.S(u)) * f(u))
    if d.singular_top:
        # logit without smoothing: KL and E[u] in closed form; the last interval [1 − 1e-50, 1] holds the mass
        # S_tail = I_{1e-50}(1 − a, 1 + a) (5e-9 at β = 1.2), where g_ref = 1 to 1e-49: it adds g(1) − g(1 − S_tail).
        a = 1 / mp.mpf(beta)
        kl = a * (mp.digamma(1 + a) - mp.digamma(1 - a)) - d.logZ
        swr = (1 + a) / 2
        u0 = pts[-1]
        g_policy, _ = parse_procedure(procedure)
        win += g_value(mp.mpf(1), mp.mpf(0)) * (1 - g_policy(d.F(u0), d.S(u0)))
    return d.logZ, kl, swr, win


def literal(v):
    v = mp.mpf(v)
    if abs(v) < mp.mpf("1e-307"):
        return "0.0"
    if abs(v) < mp.mpf("1e-300") or abs(v) > mp.mpf("1e300"):
        return mp.nstr(v, 20) if abs(v) < mp.mpf("1e308") else "Double.infinity"
    return mp.nstr(v, 20, min_fixed=-1, max_fixed=-1)


if __name__ == "__main__":
    only = set(sys.argv[1:])
    print("// Generated by scripts/golden_exactness.py (mpmath, 60 digits): transform, beta, whether beta is the")
    print("// scaled weight of e^{t(u-1)}, procedure, reference, log Z, KL, standard win rate, win rate.")
    for c in CASES:
        if only and c[0] + " " + c[3] not in only:
            continue
        vals = analyze(*c)
        ref = f'"{c[4]}"' if c[4] else "nil"
        print(f'  ExactPoint("{c[0]}", {c[1]}, scaled: {str(c[2] == "scaled").lower()}, "{c[3]}", {ref}, '
              + ", ".join(literal(v) for v in vals) + "),", flush=True)
