import InfAlignSolvers
import Testing

/// A NaN or ±∞ among the values is a typed error naming its position, never a NaN bound.
@Test(arguments: [Double.nan, .infinity, -.infinity])
func bootstrapRejectsNonFiniteValues(_ bad: Double) {
  #expect(throws: InfAlignError.nonFinite(field: "bootstrap value", prompt: 2, index: 0, value: bad)) {
    try Bootstrap.meanInterval([0.5, 0.25, bad, 1], resamples: 50)
  }
}

/// Finite values of any magnitude give finite bounds around the mean (sums of values near 1.8e308 would
/// overflow), and the interval of values scaled by 2^k is the interval of the values scaled by 2^k.
@Test func bootstrapOfHugeValuesIsFiniteAndScales() throws {
  let values = [1.7e308, -1.7e308, 1.6e308, 1.5e308, 0]
  let r = try Bootstrap.meanInterval(values, resamples: 200, seed: 3)
  for x in [r.estimate, r.lower, r.upper, r.standardError] { #expect(x.isFinite) }
  #expect(r.lower <= r.estimate && r.estimate <= r.upper)
  let small = try Bootstrap.meanInterval(values.map { $0 / 0x1p1000 }, resamples: 200, seed: 3)
  #expect(abs(r.lower - small.lower * 0x1p1000) <= 1e-14 * abs(r.lower))
  #expect(abs(r.upper - small.upper * 0x1p1000) <= 1e-14 * abs(r.upper))
}
