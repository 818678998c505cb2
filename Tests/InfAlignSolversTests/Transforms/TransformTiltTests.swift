@testable import InfAlignSolvers
import RealModule
import Testing

/// In the direct range (β normal, t ≤ 700) the tilt is `(Φ(u) − Φ(1))/β` on both halves, with `Φ(1)/β` as the
/// reference and `|Φ'|/β` at the ends: against the closed forms of `exp:t` and `negexp:t`.
@Test(arguments: [0.5, 3.0, 40.0])
func tiltIsTheScaledDifferenceFromTheTop(t: Double) throws {
  let beta = 0.25
  let exp = try Transform(parsing: "exp:\(t)").tilt(beta: beta, logBeta: Double.log(beta))
  let neg = try Transform(parsing: "negexp:\(t)").tilt(beta: beta, logBeta: Double.log(beta))
  for k in 1...32 {
    let u = Double(k) / 64  // lower half, and s = u on the upper half (1 − s exact)
    #expect(isRelativelyClose(exp.lower(u), (Double.exp(t * u) - Double.exp(t)) / beta, 1e-12), "exp lower at \(u)")
    #expect(isRelativelyClose(exp.upper(u), (Double.exp(t * (1 - u)) - Double.exp(t)) / beta, 1e-12), "exp upper at \(u)")
    #expect(isRelativelyClose(neg.lower(u), (Double.exp(-t) - Double.exp(-t * u)) / beta, 1e-12), "negexp lower at \(u)")
    #expect(isRelativelyClose(neg.upper(u), (Double.exp(-t) - Double.exp(-t * (1 - u))) / beta, 1e-12), "negexp upper at \(u)")
  }
  #expect(isRelativelyClose(exp.reference, Double.exp(t) / beta, 1e-15))
  #expect(isRelativelyClose(exp.slopeAtZero, t / beta, 1e-15) && isRelativelyClose(exp.slopeAtOne, t * Double.exp(t) / beta, 1e-14))
  #expect(isClose(exp.logSlopeAtOne, Double.log(t) + t - Double.log(beta), 1e-14))
  #expect(isRelativelyClose(neg.reference, -Double.exp(-t) / beta, 1e-15))
  #expect(!exp.singularAtZero && !exp.singularAtOne && exp.breakpoints.isEmpty)
}

/// Past the direct range only `t − log β` matters (the policy of `(exp:t, β)` is that of the scaled weight
/// `β̃ = β·e^{−t}`): `exp:5000` at `β̃ = 0.1` has `h(u) − h(1) = 10·expm1(5000(u − 1))`, and `negexp:2000` at
/// `β = ½e^{−2000}` has `2·(1 − e^{2000(1 − u)})`, though neither `e^{5000}` nor that β is a `Double`.
@Test func tiltPastTheDirectRangeDependsOnTheScaledWeight() throws {
  let exp = try Transform(parsing: "exp:5000").tilt(beta: .infinity, logBeta: 5000 + Double.log(0.1))
  for s in [1e-6, 1e-4, 3e-4, 1e-3] {
    #expect(isRelativelyClose(exp.upper(s), 10 * Double.expMinusOne(-5000 * s), 1e-12), "exp upper at s = \(s)")
    #expect(isRelativelyClose(exp.lower(1 - s), 10 * Double.expMinusOne(-5000 * s), 1e-9), "exp lower at u = 1 − \(s)")
  }
  #expect(isRelativelyClose(exp.reference, 10, 1e-12))
  let neg = try Transform(parsing: "negexp:2000").tilt(beta: 0, logBeta: -2000 + Double.log(0.5))
  for s in [1e-5, 1e-4, 1e-3] {
    #expect(isRelativelyClose(neg.upper(s), 2 * -Double.expMinusOne(2000 * s), 1e-12), "negexp upper at s = \(s)")
  }
  #expect(isRelativelyClose(neg.reference, -2, 1e-12))
  // At the border of the direct range both forms agree.
  let direct = try Transform(parsing: "exp:700").tilt(beta: 1e-3, logBeta: Double.log(1e-3))
  let scaled = try Transform(parsing: "exp:700").tilt(beta: 0, logBeta: Double.log(1e-3))
  for s in [1e-3, 0.01, 0.3] { #expect(isRelativelyClose(direct.upper(s), scaled.upper(s), 1e-12), "s = \(s)") }
}

/// Unsmoothed `log` and `logit` are singular at their ends; `logit`'s upper half keeps digits where `1 − s` would
/// round to 1: `h(1 − s) = (log1p(−s) − log s)/β`.
@Test func tiltOfSingularTransforms() throws {
  let logit = try Transform(parsing: "logit:none").tilt(beta: 2, logBeta: Double.log(2))
  #expect(logit.singularAtZero && logit.singularAtOne)
  #expect(isRelativelyClose(logit.upper(1e-300), 300 * Double.log(10) / 2, 1e-14))
  #expect(isRelativelyClose(logit.lower(0.25), -Double.log(3) / 2, 1e-15))
  let log = try Transform(parsing: "log:none").tilt(beta: 1, logBeta: 0)
  #expect(log.singularAtZero && !log.singularAtOne)
  let smoothed = try Transform(parsing: "log:0.01").tilt(beta: 1, logBeta: 0)
  #expect(!smoothed.singularAtZero && smoothed.slopeAtZero == 100)
}
