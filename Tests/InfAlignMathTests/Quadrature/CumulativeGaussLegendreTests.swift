import InfAlignMath
import Testing

/// `S[i][j]` integrates the Lagrange basis from −1 to node `i`, so `Σ_j S[i][j]·x_jᵈ = (x_iᵈ⁺¹ − (−1)ᵈ⁺¹)/(d + 1)`
/// exactly (up to rounding) for every degree `d < order`.
@Test(arguments: [1, 2, 5, 8, 16, 24])
func cumulativeMatrixIntegratesPolynomialsExactly(order: Int) {
  let c = CumulativeGaussLegendre(order: order)
  let nodes = c.rule.nodes
  for d in 0..<order {
    for i in 0..<order {
      var sum = 0.0
      for j in 0..<order { sum += c.matrix[i * order + j] * Double.pow(nodes[j], d) }
      let exact = (Double.pow(nodes[i], d + 1) - Double.pow(-1, d + 1)) / Double(d + 1)
      #expect(isClose(sum, exact, 1e-13), "order \(order), degree \(d), node \(i)")
    }
  }
  // The last row integrates to the rule's total: Σ_j S[n−1][j] + ∫_{x_{n−1}}^{1} = 2 for f = 1.
  let lastRow = (0..<order).reduce(0.0) { $0 + c.matrix[(order - 1) * order + $1] }
  #expect(isClose(lastRow, nodes[order - 1] + 1, 1e-14))
}

/// The cache returns the same matrix as a fresh computation for that order.
@Test func cumulativeMatrixIsCachedPerOrder() {
  let a = CumulativeGaussLegendre(order: 12), b = CumulativeGaussLegendre(order: 12)
  #expect(a.matrix == b.matrix && a.rule == b.rule)
}
