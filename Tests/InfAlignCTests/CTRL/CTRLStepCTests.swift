import InfAlignSolvers
import Testing

@testable import InfAlignC

@Suite struct CTRLStepCTests {
  func body<T: CElement>(_: T.Type) throws {
    var g = Xoshiro256StarStar(seed: 3)
    let groups = 5, size = 6, n = groups * size
    func draw(_ range: ClosedRange<Double>) -> [T] { (0..<n).map { _ in T(Double.random(in: range, using: &g)) } }
    let rewards = draw(-2...2), lp = draw(-3 ... -1), lr = draw(-3 ... -1)
    var options: OpaquePointer? = nil
    #expect(infalign_ctrl_options_create(&options) == 0)
    #expect(infalign_ctrl_options_set(options, "transform", "exp:2") == 0)
    #expect(infalign_ctrl_options_set(options, "kl_coefficient", "0.05") == 0)
    defer { _ = infalign_ctrl_options_free(options) }
    var a = [T](repeating: 0, count: n), grad = a, k3 = a
    var summary = [Double](repeating: 0, count: 6)
    let status = rewards.withUnsafeBufferPointer { r in
      lp.withUnsafeBufferPointer { p in
        lr.withUnsafeBufferPointer { q in
          summary.withUnsafeMutableBytes { s in
            ctrlStep("test", options, nil, Int64(groups), Int64(size), r.baseAddress, p.baseAddress, q.baseAddress,
                     nil, &a, &grad, nil, nil, nil, nil, &k3, nil, s.baseAddress)
          }
        }
      }
    }
    #expect(status == 0)
    let expected = try CTRLStep.run(
      rewards: Matrix(rows: groups, columns: size, storage: rewards),
      policyLogProbs: Matrix(rows: groups, columns: size, storage: lp),
      referenceLogProbs: Matrix(rows: groups, columns: size, storage: lr), calibration: .group,
      options: CTRLOptions(
        transform: try Transform(parsing: "exp:2"), klReward: .init(coefficient: 0.05, estimator: .k1)))
    #expect(a.map(\.bitPattern) == expected.advantages.storage.map(\.bitPattern))
    #expect(grad.map(\.bitPattern) == expected.lossGradient.storage.map(\.bitPattern))
    #expect(k3.map(\.bitPattern) == expected.k3.storage.map(\.bitPattern))
    #expect(summary[0].bitPattern == expected.summary.loss.bitPattern)
  }

  @Test func stepEqualsTheLibrary() throws {
    try body(Float.self)
    try body(Double.self)
  }
}
