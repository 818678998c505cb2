import RealModule

/// The log density `h = Φ/β` of the KL-regularized optimum (MATH.md §3), in the forms the calibrated-space quadrature
/// needs: relative to its value at `u = 1`, on each half in a coordinate exact near that half's end, with β folded
/// into the exponent so that neither `e^{±t}` nor `1/β` is formed alone.
///
/// The exponential family is parametrized internally as `Φ(u) = e^t·e^{t(u−1)}`: the policy depends on `(t, β)` only
/// through `t` and the *scaled* weight `β̃ = β·e^{−t}` (``Transform/logScale``), so `exp:5000` at `β̃ = 0.1` is an
/// ordinary density although `β = 0.1·e^{5000}` is not a `Double`.
extension Transform {
  /// The natural log of `Φ`'s scale: `t` for `exp:t` (whose `Φ(1) = e^t`), 0 for every other kind. The scaled KL
  /// weight is `β̃ = β·e^{−logScale}`: the policy of `(Φ, β)` is that of `(Φ·e^{−logScale}, β̃)`.
  public var logScale: Double {
    if case let .exponential(t) = kind { return t }
    return 0
  }

  /// `h = Φ/β` relative to `reference`, with the end slopes and breakpoints for the quadrature.
  package struct Tilt {
    /// `h(u) − reference` for `u ∈ (0, ½]`.
    package var lower: (Double) -> Double
    /// `h(1 − s) − reference` for `s ∈ (0, ½]`.
    package var upper: (Double) -> Double
    /// `Φ(1)/β` when `Φ(1)` is finite (it may overflow to `+∞` for extreme `(t, β)`, where `log Z` does not exist
    /// in `Double`), else 0.
    package var reference: Double
    /// `|h'|` at the ends, or just inside a clamp point of smoothed `log`/`logit` (∞ allowed).
    package var slopeAtZero: Double
    package var slopeAtOne: Double
    /// `log` of ``slopeAtOne``, finite where the slope itself overflows.
    package var logSlopeAtOne: Double
    /// Whether `h → ±∞` at the end (unsmoothed `log`/`logit`): panels are then graded down to 1e-300.
    package var singularAtZero: Bool
    package var singularAtOne: Bool
    /// Interior kinks of `h`.
    package var breakpoints: [Double]
  }

  /// `Φ/β` for the weight `β = e^{logBeta}` (`beta` is β itself, or 0/∞ where it is not a normal `Double`), computed without forming `e^{±t}` or `1/β` alone where they could
  /// overflow or lose precision. Within the range where the old direct forms are exact (`t ≤ 700`, `β` a normal
  /// `Double`), they are used unchanged, so results there are bit-identical to earlier releases.
  package func tilt(beta: Double, logBeta: Double) -> Tilt {
    let direct = beta.isNormal && beta.isFinite
    var slopes = endSlopes
    var singular = (atZero: false, atOne: false)
    switch kind {
    case let .exponential(t) where !(direct && t <= 700):
      // Φ/β − Φ(1)/β = (e^t/β)·expm1(t(u − 1)), with e^t/β = e^{t − log β}.
      let a = Double.exp(t - logBeta)
      return Tilt(
        lower: { a * Double.expMinusOne(t * ($0 - 1)) }, upper: { a * Double.expMinusOne(-t * $0) },
        reference: a, slopeAtZero: t * Double.exp(-logBeta), slopeAtOne: t * a,
        logSlopeAtOne: Double.log(t) + t - logBeta, singularAtZero: false,
        singularAtOne: false, breakpoints: [])
    case let .negativeExponential(t) where !(direct && t <= 700):
      // Φ(u) − Φ(1) = e^{−t} − e^{−tu} = e^{−tu}·expm1(−t(1 − u)); divided by β inside the exponent.
      return Tilt(
        lower: { u in Double.exp(-t * u - logBeta) * Double.expMinusOne(-t * (1 - u)) },
        upper: { s in Double.exp(-(t - t * s) - logBeta) * Double.expMinusOne(-t * s) },
        reference: -Double.exp(-t - logBeta), slopeAtZero: t * Double.exp(-logBeta),
        slopeAtOne: t * Double.exp(-t - logBeta), logSlopeAtOne: Double.log(t) - t - logBeta, singularAtZero: false, singularAtOne: false, breakpoints: [])
    case let .log(epsilon) where epsilon > 0:
      // Flat below ε: grade toward the clamp point with the slope just inside it.
      slopes.atZero = 1 / epsilon
    case let .logit(epsilon) where epsilon > 0:
      let inside = 1 / (epsilon * (1 - epsilon))
      slopes = (inside, inside)
    case .log:
      singular.atZero = true
    case .logit:
      singular = (true, true)
      // Φ(1 − s) = log((1 − s)/s), exact for tiny s (1 − s itself would round to 1).
      return Tilt(
        lower: { u in Double.log(u / (1 - u)) / beta },
        upper: { s in (Double.log(onePlus: -s) - Double.log(s)) / beta },
        reference: 0, slopeAtZero: .infinity, slopeAtOne: .infinity, logSlopeAtOne: .infinity, singularAtZero: true, singularAtOne: true,
        breakpoints: [])
    default:
      break
    }
    let top = topValue
    if top.isFinite {
      return Tilt(
        lower: { differenceFromTop($0) / beta }, upper: { differenceFromTop(complement: $0) / beta },
        reference: top / beta, slopeAtZero: slopes.atZero / beta, slopeAtOne: slopes.atOne / beta,
        logSlopeAtOne: Self.logSlope(slopes.atOne, kind: kind, logBeta: logBeta),
        singularAtZero: singular.atZero, singularAtOne: singular.atOne, breakpoints: kinks)
    }
    return Tilt(
      lower: { value($0) / beta }, upper: { value(1 - $0) / beta }, reference: 0,
      slopeAtZero: slopes.atZero / beta, slopeAtOne: slopes.atOne / beta,
      logSlopeAtOne: Self.logSlope(slopes.atOne, kind: kind, logBeta: logBeta), singularAtZero: singular.atZero,
      singularAtOne: singular.atOne, breakpoints: kinks)
  }

  /// `log(|Φ'(1)|/β)`, in log form for `exp:t` (whose `t·e^t` may overflow).
  static func logSlope(_ slope: Double, kind: Kind, logBeta: Double) -> Double {
    if case let .exponential(t) = kind, t > 0 { return Double.log(t) + t - logBeta }
    return Double.log(slope) - logBeta
  }
}
