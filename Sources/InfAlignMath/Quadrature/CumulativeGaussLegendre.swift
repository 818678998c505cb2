import Synchronization

/// Cumulative (spectral) integration on the nodes of a Gauss–Legendre rule: the matrix `S` with
/// `S[i][j] = ∫_{-1}^{x_i} ℓ_j(x) dx`, `ℓ_j` the Lagrange basis on the nodes, so that for a function sampled at the
/// nodes, `∫_{-1}^{x_i} f ≈ Σ_j S[i][j]·f(x_j)` — exact for polynomials of degree < n, spectrally accurate for
/// smooth `f`. Used to get a CDF at every quadrature node in one pass over panels.
///
/// Built from the Legendre expansion: `ℓ_j = Σ_k (2k+1)/2 · w_j P_k(x_j) P_k`, and
/// `∫_{-1}^{x} P_k = (P_{k+1}(x) − P_{k−1}(x))/(2k+1)` (`x + 1` for k = 0).
@usableFromInline package struct CumulativeGaussLegendre: Sendable {
  /// The underlying rule.
  package let rule: GaussLegendre
  /// Row-major `order × order` integration matrix.
  package let matrix: [Double]

  private static let cache = Mutex<[Int: CumulativeGaussLegendre]>([:])

  /// The cumulative matrix for the `order`-point rule (cached process-wide).
  ///
  /// - Complexity: O(order³) the first time, O(1) after.
  package init(order: Int) {
    if let cached = CumulativeGaussLegendre.cache.withLock({ $0[order] }) {
      self = cached
      return
    }
    let rule = GaussLegendre(order: order)
    let n = order
    // P[k][i] = P_k(x_i) for k = 0...n.
    func legendreTable(_ xs: [Double], upTo kMax: Int) -> [[Double]] {
      var p = [[Double]](repeating: [Double](repeating: 0, count: xs.count), count: kMax + 1)
      for i in xs.indices {
        p[0][i] = 1
        if kMax >= 1 { p[1][i] = xs[i] }
        if kMax >= 2 {
          for k in 2...kMax {
            let kd = Double(k)
            p[k][i] = ((2 * kd - 1) * xs[i] * p[k - 1][i] - (kd - 1) * p[k - 2][i]) / kd
          }
        }
      }
      return p
    }
    let p = legendreTable(rule.nodes, upTo: n)
    var s = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      let x = rule.nodes[i]
      for k in 0..<n {
        let integral = k == 0 ? x + 1 : (p[k + 1][i] - p[k - 1][i]) / Double(2 * k + 1)
        let c = Double(2 * k + 1) / 2 * integral
        for j in 0..<n { s[i * n + j] += c * rule.weights[j] * p[k][j] }
      }
    }
    self.rule = rule
    self.matrix = s
    CumulativeGaussLegendre.cache.withLock { $0[order] = self }
  }
}
