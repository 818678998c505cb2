import InfAlignSolvers
import Testing

@testable import InfAlignC

/// The C step returns exactly what ``CTRLStep/run`` returns for the same options, at the sequence and the token
/// level, for `Float` and `Double`, including options set through a preset and the text forms.
@Suite struct CTRLStepCTests {
  struct Batch<T: CElement> {
    let groups = 5, size = 6, tokens: Int
    var rewards: [T], lp: [T], lr: [T], old: [T], mask: [UInt8]
    init(tokens: Int) {
      self.tokens = tokens
      var g = Xoshiro256StarStar(seed: 3)
      let n = groups * size
      func draw(_ count: Int, _ range: ClosedRange<Double>) -> [T] {
        (0..<count).map { _ in T(Double.random(in: range, using: &g)) }
      }
      rewards = draw(n, -2...2)
      lp = draw(n * tokens, -3 ... -1)
      lr = draw(n * tokens, -3 ... -1)
      old = lp.map { $0 + T(0.1) }
      mask = (0..<(n * tokens)).map { UInt8(($0 % tokens) < 1 + ($0 / tokens) % tokens ? 1 : 0) }
    }
  }

  /// Runs the C step with `settings` and the library with `expected` on the same batch; compares bit for bit.
  func compare<T: CElement>(
    _: T.Type, tokens: Int, settings: [(String, String)], calibration: CTRLCalibration<T>, expected: CTRLOptions
  ) throws {
    let batch = Batch<T>(tokens: tokens)
    let n = batch.groups * batch.size, nt = n * tokens
    var options: OpaquePointer? = nil
    #expect(infalign_ctrl_options_create(&options) == 0)
    defer { _ = infalign_ctrl_options_free(options) }
    for (key, value) in settings {
      #expect(infalign_ctrl_options_set(options, key, value) == 0, "\(key)=\(value): \(String(cString: infalign_last_error()))")
    }
    var a = [T](repeating: 0, count: n), grad = [T](repeating: 0, count: nt), k3 = grad
    var summary = [Double](repeating: 0, count: 8)
    let status = batch.mask.withUnsafeBufferPointer { m in
      summary.withUnsafeMutableBytes { s in
        ctrlStep("test", options, nil, Int64(batch.groups), Int64(batch.size), Int64(tokens), batch.rewards, batch.lp,
                 batch.lr, batch.old, nil as UnsafePointer<T>?, tokens > 1 ? m.baseAddress : nil, &a, &grad, nil, nil,
                 nil, nil, &k3, nil,
                 s.baseAddress)
      }
    }
    #expect(status == 0, "\(String(cString: infalign_last_error()))")
    var ea = [T](repeating: 0, count: n), egrad = [T](repeating: 0, count: nt), ek3 = egrad
    let boolMask = batch.mask.map { $0 == 1 }
    let s = try batch.rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try batch.lp.withUnsafeBufferPointer { (p) throws(InfAlignError) in
        try batch.lr.withUnsafeBufferPointer { (q) throws(InfAlignError) in
          try batch.old.withUnsafeBufferPointer { (o) throws(InfAlignError) in
            try boolMask.withUnsafeBufferPointer { (m) throws(InfAlignError) in
              try ea.withUnsafeMutableBufferPointer { (av) throws(InfAlignError) in
                try egrad.withUnsafeMutableBufferPointer { (gv) throws(InfAlignError) in
                  try ek3.withUnsafeMutableBufferPointer { (kv) throws(InfAlignError) in
                    try CTRLStep.run(
                      groups: batch.groups, groupSize: batch.size, rewards: r,
                      tokens: CTRLTokens(maxTokens: tokens, policyLogProbs: p, referenceLogProbs: q,
                                         oldPolicyLogProbs: o, mask: tokens > 1 ? m : nil),
                      calibration: calibration, options: expected,
                      outputs: CTRLOutputs(advantages: av, lossGradient: gv, k3: kv))
                  }
                }
              }
            }
          }
        }
      }
    }
    #expect(a.map(\.bitPattern) == ea.map(\.bitPattern))
    #expect(grad.map(\.bitPattern) == egrad.map(\.bitPattern))
    #expect(k3.map(\.bitPattern) == ek3.map(\.bitPattern))
    #expect(summary[0].bitPattern == s.loss.bitPattern && summary[6].bitPattern == s.policyLoss.bitPattern
      && summary[7].bitPattern == s.klLoss.bitPattern)
  }

  func body<T: CElement>(_ type: T.Type) throws {
    let exp2 = try Transform(parsing: "exp:2")
    try compare(
      type, tokens: 1, settings: [("transform", "exp:2"), ("kl_coefficient", "0.05")], calibration: .group,
      expected: CTRLOptions(transform: exp2, klReward: .init(coefficient: 0.05, estimator: .k1)))
    for preset in CTRLPreset.allCases {
      try compare(
        type, tokens: 4, settings: [("preset", preset.rawValue)],
        calibration: preset.calibration == .none ? .none : .group, expected: preset.options)
    }
    var custom = CTRLOptions(
      transform: exp2, estimator: .maxAtK(k: 3, baseline: .marginal), baseline: .groupMean, scale: .batchWhiten,
      besselStd: true, stdEpsilon: 1e-4,
      klLoss: .init(coefficient: 0.01, estimator: .k3, clamp: 10, straightThrough: true), clipLow: 0.2, clipHigh: 0.28,
      dualClip: 3, logRatioClamp: nil, ratioLevel: .sequenceMean,
      aggregation: .sequenceMeanTokenMean(lengthEpsilon: 1e-8, lengthFloorOne: true))
    custom.singleSample = .raw
    try compare(
      type, tokens: 3,
      settings: [
        ("transform", "exp:2"), ("estimator", "max@k:3:marginal"), ("baseline", "group-mean"),
        ("scale", "batch-whiten"), ("bessel_std", "true"), ("std_epsilon", "1e-4"), ("single_sample", "raw"),
        ("kl_loss", "0.01:k3:10:straight-through"), ("clip_low", "0.2"), ("clip_high", "0.28"), ("dual_clip", "3"),
        ("log_ratio_clamp", "none"), ("ratio_level", "sequence-mean"),
        ("aggregation", "seq-mean-token-mean:1e-8:floor-one"),
      ], calibration: .group, expected: custom)
  }

  @Test func stepEqualsTheLibrary() throws {
    try body(Float.self)
    try body(Double.self)
  }

  @Test func optionTextErrorsNameTheOption() {
    var options: OpaquePointer? = nil
    #expect(infalign_ctrl_options_create(&options) == 0)
    defer { _ = infalign_ctrl_options_free(options) }
    for (key, value, fragment) in [
      ("estimator", "max@k:0", "cannot parse ctrl option estimator \"max@k:0\""),
      ("estimator", "max@k:2:best", "k-subset baseline \"best\""),
      ("kl_loss", "0.1:k9", "KL estimator \"k9\""), ("aggregation", "median", "expected token-mean"),
      ("scale", "global", "expected none, group, batch or batch-whiten"), ("preset", "ppo", "cannot parse preset \"ppo\""),
      ("calibration", "table", "expected group or none"), ("ratio_level", "word", "expected token"),
    ] {
      #expect(infalign_ctrl_options_set(options, key, value) == Status.parse.rawValue)
      #expect(String(cString: infalign_last_error()).contains(fragment), "\(String(cString: infalign_last_error()))")
    }
    #expect(infalign_ctrl_options_set(options, "dual_clip", "0.5") == 0)
    #expect(infalign_ctrl_options_validate(options) == Status.invalidParameter.rawValue)
    #expect(String(cString: infalign_last_error()).contains("dualClip"))
  }
}
