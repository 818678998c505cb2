@testable import InfAlignSolvers
import RealModule
import Testing

private let kinds = ["identity", "exp:0.5", "exp:5", "negexp:0.5", "negexp:5", "power:0.5", "power:3", "log:0.01",
                     "logit:0.01"]

/// Where `Φ(u) − Φ(1)` does not cancel (moderate parameters, u away from 1), the cancellation-free forms equal
/// the plain difference; the complement form at `s` equals the direct form at `1 − s` (exact for `s = k/64`).
@Test(arguments: kinds)
func differenceFromTopMatchesPlainDifference(_ text: String) throws {
  let phi = try Transform(parsing: text)
  for k in 1...48 {
    let u = Double(k) / 64
    let plain = phi.value(u) - phi.value(1)
    #expect(isClose(phi.differenceFromTop(u), plain, 1e-13), "\(text) at u = \(u)")
    #expect(isClose(phi.differenceFromTop(complement: 1 - u), phi.differenceFromTop(u), 1e-13), "\(text) at s = \(1 - u)")
  }
  #expect(phi.differenceFromTop(1) == 0 && phi.differenceFromTop(complement: 0) == 0)
}

/// Near the top of a steep exponential, `Φ(1 − s) − Φ(1) = −eᵗ·(ts − (ts)²/2 + (ts)³/6 − …)`: the series (exact to
/// 1e-30 relative for `ts ≤ 1e-8`) against the cancellation-free form, where the plain difference would have lost
/// every digit.
@Test func differenceFromTopKeepsDigitsNearTheTop() throws {
  for (t, s) in [(60.0, 1e-10), (200.0, 1e-12), (1.0, 1e-15)] {
    let a = t * s
    let series = -Double.exp(t) * (a - a * a / 2 + a * a * a / 6)
    let phi = try Transform(parsing: "exp:\(t)")
    #expect(isRelativelyClose(phi.differenceFromTop(complement: s), series, 1e-14), "t = \(t), s = \(s)")
    let negSeries = -Double.exp(-t) * (a + a * a / 2 + a * a * a / 6)
    let neg = try Transform(parsing: "negexp:\(t)")
    #expect(isRelativelyClose(neg.differenceFromTop(complement: s), negSeries, 1e-14), "t = \(t), s = \(s)")
  }
}
