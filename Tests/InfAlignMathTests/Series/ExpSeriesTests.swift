import InfAlignMath
import RealModule
import Testing

/// `k!` by the product, exact in `Double` for `k ≤ 18`.
private func factorial(_ k: Int) -> Double { (1...Swift.max(k, 1)).reduce(1.0) { $0 * Double($1) } }

/// Each coefficient is the nearest `Double` to `1/k!` (one rounded division of exact numbers): a typo in the
/// table shows here.
@Test func coefficientsAreReciprocalFactorials() {
  for k in 0...15 { #expect(ExpSeries.coefficient(k) == 1 / factorial(k), "k = \(k)") }
}

/// The full series `Σ_{k=0}^{13} xᵏ/k!` is `eˣ` to a few ulps on the vector exp's reduced range `|x| ≤ ln2/2`
/// (the first omitted term is below 1e-17 there), scalar and SIMD alike.
@Test func fullSeriesIsExpOnTheReducedRange() {
  var x = -0.3466
  while x <= 0.3466 {
    let scalar = ExpSeries.horner(x, terms: 0...13)
    let lanes = ExpSeries.horner(SIMD2<Double>(x, -x), terms: 0...13)
    #expect(isRelativelyClose(scalar, Double.exp(x), 4e-16), "x = \(x)")
    #expect(lanes[0] == scalar)
    #expect(isRelativelyClose(lanes[1], Double.exp(-x), 4e-16), "x = \(-x)")
    x += 0.0123
  }
  // Float: 7 terms on |x| ≤ ln2/2, to a few Float ulps.
  var y: Float = -0.3466
  while y <= 0.3466 {
    let f = ExpSeries.horner(y, terms: 0...7)
    #expect(isRelativelyClose(Double(f), Double.exp(Double(y)), 3e-7), "y = \(y)")
    y += 0.0123
  }
}

/// A tail of the series: `Σ_{k≥2} x^(k−2)/k! = (eˣ − 1 − x)/x²`, the form behind `k3 = e^{−ρ} − 1 + ρ` for small
/// `ρ`; checked against the closed form where it does not cancel badly (|x| ≥ 0.05, 15 terms: truncation < 1e-17).
@Test func seriesTailMatchesClosedForm() {
  for x in stride(from: -0.25, through: 0.25, by: 0.01) where Swift.abs(x) >= 0.05 {
    let closed = (Double.expMinusOne(x) - x) / (x * x)
    #expect(isRelativelyClose(ExpSeries.horner(x, terms: 2...15), closed, 1e-13), "x = \(x)")
  }
  #expect(ExpSeries.horner(0.0, terms: 2...15) == 0.5)
}
