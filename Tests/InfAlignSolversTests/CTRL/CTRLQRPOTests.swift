import Foundation
import InfAlignSolvers
import Testing

/// log Z in calibrated space: the identity's closed form `log(β(e^{1/β} − 1))`, and `exp:t` against an
/// independent composite Simpson rule (2^16 panels, error far below 1e-10); the loss and its gradient against
/// the definition and central finite differences.
@Test func qrpoLogPartitionAndLoss() throws {
  for beta in [0.05, 0.3, 1, 4] {
    let want = log(beta * expm1(1 / beta))
    #expect(abs(try CTRLQRPO.logPartition(transform: .identity, beta: beta) - want) <= 1e-9 * max(1, abs(want)))
  }
  let phi = try Transform.exponential(rate: 3), beta = 0.5
  let panels = 1 << 16
  var simpson = 0.0
  for k in 0...panels {
    let u = Double(k) / Double(panels), w = k == 0 || k == panels ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
    simpson += w * exp(exp(3 * u) / beta)
  }
  let logZ = log(simpson / (3 * Double(panels)))
  #expect(abs(try CTRLQRPO.logPartition(transform: phi, beta: beta) - logZ) <= 1e-9 * abs(logZ))
  let c = [0.1, 0.5, 0.75, 1.0], lp = [-3.0, -2.5, -4.0, -1.0], lr = [-2.0, -2.6, -3.0, -2.0]
  func loss(_ lp: [Double]) throws -> (Double, [Double]) {
    var g = [Double](repeating: 0, count: 4)
    let l = try c.withUnsafeBufferPointer { (cb) throws(InfAlignError) in
      try lp.withUnsafeBufferPointer { (pb) throws(InfAlignError) in
        try lr.withUnsafeBufferPointer { (rb) throws(InfAlignError) in
          try g.withUnsafeMutableBufferPointer { (gb) throws(InfAlignError) in
            try CTRLQRPO.loss(calibrated: cb, policyLogProbs: pb, referenceLogProbs: rb, transform: phi, beta: beta,
                              gradient: gb)
          }
        }
      }
    }
    return (l, g)
  }
  let (l, g) = try loss(lp)
  let want = (0..<4).map { i in pow(exp(3 * c[i]) - beta * logZ - beta * (lp[i] - lr[i]), 2) }.reduce(0, +) / 4
  #expect(abs(l - want) <= 1e-9 * want)
  for i in 0..<4 {
    var plus = lp, minus = lp
    plus[i] += 1e-6
    minus[i] -= 1e-6
    let fd = (try loss(plus).0 - loss(minus).0) / 2e-6
    #expect(abs(fd - g[i]) <= 1e-6 * max(1, abs(fd)), "sample \(i): \(g[i]) vs FD \(fd)")
  }
  #expect(throws: InfAlignError.self) { try CTRLQRPO.logPartition(transform: phi, beta: 0) }
}
