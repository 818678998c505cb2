@testable import InfAlignSolvers
import RealModule
import Testing

/// The distribution of `Bin(n, p)` by brute force: `n` convolutions with a Bernoulli(`p`), each entry a sum of two
/// non-negative products (relative error about `n` ulps, no cancellation, no special functions).
private func convolved(_ n: Int, _ p: Double) -> [Double] {
  var dist = [1.0]
  for _ in 0..<n {
    var next = [Double](repeating: 0, count: dist.count + 1)
    for (x, w) in dist.enumerated() {
      next[x] += w * (1 - p)
      next[x + 1] += w * p
    }
    dist = next
  }
  return dist
}

/// `pmf` and `logPMF` against the convolution, for sizes and success probabilities from the far tails to ½,
/// wherever the probability is a normal number.
@Test(arguments: [1, 2, 7, 30, 31, 64, 200])
func pmfMatchesConvolution(n: Int) {
  for p in [1e-9, 1e-3, 0.05, 0.3, 0.5, 0.77, 0.999] {
    let dist = convolved(n, p)
    for x in 0...n where dist[x] > 1e-290 {
      #expect(isRelativelyClose(Binomial.pmf(x, n, p), dist[x], 1e-12), "x = \(x), n = \(n), p = \(p)")
      #expect(isClose(Binomial.logPMF(x, n, p), Double.log(dist[x]), 1e-12), "x = \(x), n = \(n), p = \(p)")
    }
  }
}

/// `upperTail(k)` is `Σ_{x ≥ k} P(x)` (summed from the smallest term up), and the ends are exact.
@Test(arguments: [1, 5, 30, 101])
func upperTailMatchesConvolution(n: Int) {
  for p in [1e-6, 0.02, 0.4, 0.5, 0.93] {
    let dist = convolved(n, p)
    for k in 1...n {
      let tail = dist[k...].reversed().reduce(0, +)
      guard tail > 1e-290 else { continue }
      #expect(isRelativelyClose(Binomial.upperTail(k, n, p), tail, 1e-11), "k = \(k), n = \(n), p = \(p)")
    }
  }
  #expect(Binomial.upperTail(1, 10, 0) == 0 && Binomial.upperTail(10, 10, 1) == 1)
}

/// The direct product's coefficient `C(n, x)` against Pascal's triangle (exact integers in `Double` here).
@Test func binomialCoefficientMatchesPascal() {
  var row: [Double] = [1]
  for n in 1...50 {
    row = [1] + (1..<n).map { row[$0 - 1] + row[$0] } + [1]
    for x in 0...Swift.min(n, Binomial.directLimit) {
      #expect(isRelativelyClose(Binomial.binomialCoefficient(n, x), row[x], 1e-14), "C(\(n), \(x))")
    }
  }
}
