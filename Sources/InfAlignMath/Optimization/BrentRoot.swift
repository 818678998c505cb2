import RealModule

/// Where a root bracket may be expanded, for `BrentRoot.solve(_:expandingFrom:_:domain:…)`.
@usableFromInline package enum BracketDomain<T: BLASScalar>: Sendable, Hashable {
  /// All finite reals: an end moves out additively, the bracket's width grows by `growthFactor` per expansion.
  case real
  /// `(0, ∞)`, for scale parameters such as `β`: an end moves out multiplicatively, the bracket's width in
  /// `log x` grows by `growthFactor` per expansion (so `[0.5, 2]` reaches `10⁻³⁰⁰` in 9 expansions). The ends
  /// stay in `[T.leastNormalMagnitude, T.greatestFiniteMagnitude]`.
  case positive
  /// The closed interval `[lower, upper]`: as `.real`, but the ends are clamped to it (`f` may be evaluated at
  /// `lower` and `upper` themselves).
  case bounded(lower: T, upper: T)
}

/// Brent's root finder (zeroin): inverse quadratic interpolation and secant steps, safeguarded by bisection.
///
/// Given `f(lower)` and `f(upper)` of opposite signs, it keeps a bracket `[b, c]` around a sign change and returns
/// `b` once `|c − b| ≤ 2·(2ε|b| + ½(absoluteTolerance + relativeTolerance·|b|))`, so the returned root is within
/// `4ε|x| + absoluteTolerance + relativeTolerance·|x|` of a sign change of `f`. Convergence is superlinear for a
/// smooth simple root and never slower than about one bisection per three evaluations (Brent 1973, ch. 4).
///
/// Edge cases: a zero of `f` at an end is returned as is; `lower > upper` is accepted (the ends are swapped);
/// infinite values of `f` are allowed (they only carry a sign: the step is a bisection); a NaN from `f` is an error
/// naming `x`.
@usableFromInline package enum BrentRoot {
  /// A root of `f` in `[lower, upper]`, where `f(lower)` and `f(upper)` must have opposite signs (or one be zero).
  ///
  /// - Parameters:
  ///   - absoluteTolerance, relativeTolerance: the returned `x` is within
  ///     `absoluteTolerance + relativeTolerance·|x| + 4ε|x|` of a sign change of `f`. Finite and non-negative. The
  ///     defaults (0 and 4ε) ask for full precision; pass an absolute tolerance when the root may be exactly 0 and
  ///     `f` is flat there (a multiple root), or convergence toward 0 may take many bisections.
  ///   - maxIterations: the cap on evaluations of `f` after the two at the ends.
  /// - Throws: `MathError.noBracket` when `f(lower)` and `f(upper)` have the same sign;
  ///   `MathError.noConvergence` at the iteration cap (its `estimate` is the best point so far);
  ///   `MathError.invalidArgument` for non-finite ends or tolerances, or a NaN from `f` (the message names `x`).
  /// - Complexity: at most `maxIterations + 2` evaluations of `f`.
  package static func solve<T: BLASScalar>(
    _ f: (T) -> T, in lower: T, _ upper: T, absoluteTolerance: T = 0, relativeTolerance: T = 4 * .ulpOfOne,
    maxIterations: Int = 200
  ) throws(MathError) -> T {
    try validate(lower: lower, upper: upper, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
    let fLower = try evaluate(f, at: lower)
    let fUpper = try evaluate(f, at: upper)
    return try zeroin(
      f, lower, fLower, upper, fUpper, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
      maxIterations: maxIterations)
  }

  /// A root of `f`, expanding the initial interval `[lower, upper]` until `f` changes sign on it, then solving as
  /// ``solve(_:in:_:absoluteTolerance:relativeTolerance:maxIterations:)``.
  ///
  /// Each expansion moves one end so that the bracket's width, or its width in `log x` for `.positive`, grows by
  /// `growthFactor`. The end moved is the one where `|f|` is smaller (the root is more likely beyond it), unless its
  /// previous move did not make `|f|` smaller or it is pinned at the domain's limit (then the other end); on a tie
  /// the ends alternate. Use `.positive` for scale parameters: finding `β` with `1/β = 1000` from `[0.5, 2]`
  /// takes 4 expansions.
  ///
  /// - Parameters:
  ///   - domain: where the ends may go; `[lower, upper]` must lie in it (for `.positive`, `lower > 0`).
  ///   - growthFactor: finite, `> 1`.
  ///   - maxExpansions: the cap on expansions (each costs one evaluation of `f`).
  /// - Throws: `MathError.noBracket` with the last bracket tried when no sign change is found within
  ///   `maxExpansions` expansions (or both ends reach the domain's limits); otherwise as
  ///   ``solve(_:in:_:absoluteTolerance:relativeTolerance:maxIterations:)``, and `invalidArgument` for an empty
  ///   initial interval (`lower == upper`), one outside the domain, or a bad `growthFactor`.
  /// - Complexity: at most `maxExpansions + maxIterations + 2` evaluations of `f`.
  package static func solve<T: BLASScalar>(
    _ f: (T) -> T, expandingFrom lower: T, _ upper: T, domain: BracketDomain<T> = .real, growthFactor: T = 2,
    maxExpansions: Int = 60, absoluteTolerance: T = 0, relativeTolerance: T = 4 * .ulpOfOne,
    maxIterations: Int = 200
  ) throws(MathError) -> T {
    try validate(lower: lower, upper: upper, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
    guard lower != upper else {
      throw .invalidArgument("BrentRoot: the initial interval [\(lower), \(upper)] is empty; it cannot be expanded")
    }
    guard growthFactor.isFinite && growthFactor > 1 else {
      throw .invalidArgument("BrentRoot: growthFactor must be finite and > 1 (got \(growthFactor))")
    }
    var lo = min(lower, upper)
    var hi = max(lower, upper)
    let (floor, ceiling): (T, T)
    switch domain {
    case .real:
      (floor, ceiling) = (-.greatestFiniteMagnitude, .greatestFiniteMagnitude)
    case .positive:
      guard lo > 0 else {
        throw .invalidArgument("BrentRoot: the initial interval [\(lo), \(hi)] must be positive for domain .positive")
      }
      (floor, ceiling) = (.leastNormalMagnitude, .greatestFiniteMagnitude)
    case let .bounded(domainLower, domainUpper):
      guard domainLower <= lo && hi <= domainUpper else {
        throw .invalidArgument(
          "BrentRoot: the initial interval [\(lo), \(hi)] is not inside the domain [\(domainLower), \(domainUpper)]")
      }
      (floor, ceiling) = (domainLower, domainUpper)
    }
    var fLo = try evaluate(f, at: lo)
    var fHi = try evaluate(f, at: hi)
    var expansions = 0
    // The end moved last, and whether that made its |f| smaller (if not, the other end gets a turn).
    var lastMovedLower: Bool? = nil
    var lastMoveImproved = true
    while !hasSignChange(fLo, fHi) {
      let canLower = lo > floor
      let canRaise = hi < ceiling
      guard expansions < maxExpansions && (canLower || canRaise) else {
        throw .noBracket(lower: Double(lo), upper: Double(hi), fLower: Double(fLo), fUpper: Double(fHi))
      }
      expansions += 1
      var preferLower: Bool
      if abs(fLo) == abs(fHi) {
        preferLower = !(lastMovedLower ?? false)
      } else {
        preferLower = abs(fLo) < abs(fHi)
        if let last = lastMovedLower, last == preferLower, !lastMoveImproved { preferLower.toggle() }
      }
      let moveLower = canLower && (!canRaise || preferLower)
      let previous = moveLower ? abs(fLo) : abs(fHi)
      if case .positive = domain {
        // Width in log x grows by growthFactor: the moved end goes out by (hi/lo)^(growthFactor − 1).
        let ratio = T.pow(hi / lo, growthFactor - 1)
        if moveLower {
          let next = lo / ratio
          lo = next.isFinite && next > floor ? next : floor
        } else {
          let next = hi * ratio
          hi = next.isFinite && next < ceiling ? next : ceiling
        }
      } else {
        let step = (growthFactor - 1) * (hi - lo)
        if moveLower {
          let next = lo - step
          lo = next.isFinite && next > floor ? next : floor
        } else {
          let next = hi + step
          hi = next.isFinite && next < ceiling ? next : ceiling
        }
      }
      if moveLower { fLo = try evaluate(f, at: lo) } else { fHi = try evaluate(f, at: hi) }
      lastMovedLower = moveLower
      lastMoveImproved = (moveLower ? abs(fLo) : abs(fHi)) < previous
    }
    return try zeroin(
      f, lo, fLo, hi, fHi, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
      maxIterations: maxIterations)
  }

  private static func hasSignChange<T: BLASScalar>(_ a: T, _ b: T) -> Bool {
    a == 0 || b == 0 || (a < 0) != (b < 0)
  }

  private static func validate<T: BLASScalar>(
    lower: T, upper: T, absoluteTolerance: T, relativeTolerance: T
  ) throws(MathError) {
    guard lower.isFinite && upper.isFinite else {
      throw .invalidArgument("BrentRoot: the interval [\(lower), \(upper)] must be finite")
    }
    guard absoluteTolerance.isFinite && absoluteTolerance >= 0 && relativeTolerance.isFinite
      && relativeTolerance >= 0
    else {
      throw .invalidArgument(
        "BrentRoot: tolerances must be finite and non-negative (absolute \(absoluteTolerance), relative "
          + "\(relativeTolerance))")
    }
  }

  private static func evaluate<T: BLASScalar>(_ f: (T) -> T, at x: T) throws(MathError) -> T {
    let y = f(x)
    if y.isNaN { throw .invalidArgument("BrentRoot: f(x) is NaN at x = \(x)") }
    return y
  }

  /// Brent's zeroin on a bracket with known end values.
  private static func zeroin<T: BLASScalar>(
    _ f: (T) -> T, _ lower: T, _ fLower: T, _ upper: T, _ fUpper: T, absoluteTolerance: T, relativeTolerance: T,
    maxIterations: Int
  ) throws(MathError) -> T {
    if fLower == 0 { return lower }
    if fUpper == 0 { return upper }
    guard hasSignChange(fLower, fUpper) else {
      throw .noBracket(lower: Double(lower), upper: Double(upper), fLower: Double(fLower), fUpper: Double(fUpper))
    }
    // b: best estimate; c: the other end of the bracket; a: the previous b.
    var (a, fa) = (lower, fLower)
    var (b, fb) = (upper, fUpper)
    var (c, fc) = (a, fa)
    var d = b - a
    var e = d
    var tolerance: T = 0
    for _ in 0..<max(0, maxIterations) {
      if (fb > 0) == (fc > 0) {
        (c, fc) = (a, fa)
        d = b - a
        e = d
      }
      if abs(fc) < abs(fb) {
        (a, fa) = (b, fb)
        (b, fb) = (c, fc)
        (c, fc) = (a, fa)
      }
      tolerance = max(2 * .ulpOfOne * abs(b) + (absoluteTolerance + relativeTolerance * abs(b)) / 2,
                      .leastNonzeroMagnitude)
      let half = (c - b) / 2
      if abs(half) <= tolerance || fb == 0 { return b }
      let interpolable = fa.isFinite && fb.isFinite && fc.isFinite
      if interpolable && abs(e) >= tolerance && abs(fa) > abs(fb) {
        var p: T
        var q: T
        let s = fb / fa
        if a == c {
          // Secant.
          p = 2 * half * s
          q = 1 - s
        } else {
          // Inverse quadratic interpolation.
          let qa = fa / fc
          let r = fb / fc
          p = s * (2 * half * qa * (qa - r) - (b - a) * (r - 1))
          q = (qa - 1) * (r - 1) * (s - 1)
        }
        if p > 0 { q = -q } else { p = -p }
        // Accept the interpolation only if it falls well inside the bracket and shrinks fast enough.
        if 2 * p < min(3 * half * q - abs(tolerance * q), abs(e * q)) {
          e = d
          d = p / q
        } else {
          d = half
          e = d
        }
      } else {
        d = half
        e = d
      }
      (a, fa) = (b, fb)
      b += abs(d) > tolerance ? d : (half > 0 ? tolerance : -tolerance)
      fb = try evaluate(f, at: b)
    }
    throw .noConvergence(
      method: "BrentRoot", iterations: maxIterations, estimate: Double(b), tolerance: Double(2 * tolerance))
  }
}
