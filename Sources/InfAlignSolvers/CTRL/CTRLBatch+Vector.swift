import CInfAlignSIMD

extension CTRLBatch {
  /// Samples per chunk of the vector pass: the unit of threading and of partial sums, fixed so that the sums (and
  /// so the loss) are the same for every thread count.
  static var vectorChunk: Int { 4096 }

  /// Stage 4 on sequence-level inputs with every sample valid, by the AVX2/AVX-512 kernel of `CInfAlignSIMD`
  /// (the same formulas as ``sampleTokens(_:_:_:_:_:_:_:_:_:_:)``, as lane selects), split into chunks over the
  /// process's threads. Returns `nil` when it does not apply (token-level inputs, a baseline-only CPU) or when a
  /// value is not finite, so that the scalar pass runs and throws the error naming the first such sample.
  /// - Complexity: O(n), one pass over four inputs and up to four outputs; no allocation beyond the chunk sums.
  func vectorTokens(_ aggregation: CTRLAggregation, _ threads: Int?) -> CTRLTokenTotals? {
    let n = samples, o = options
    let level = VectorISA.active.rawValue
    guard tokens.maxTokens == 1, tokens.mask == nil, level > 0, n > 0, o.policyLoss == .ppo, o.rolloutCorrection == nil,
      o.ratioLevel != .sequenceMeanToken, o.k3ReportClamp == nil,
      !o.weightsKLLossByRatio,
      T.self == Double.self || T.self == Float.self
    else { return nil }
    var q = kernelParameters(weight: aggregation.weight(length: 1))
    let chunks = (n + Self.vectorChunk - 1) / Self.vectorChunk
    let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: 7 * chunks)
    defer { sums.deallocate() }
    ParallelRows.forEach(rows: chunks, threads: threads, minimumRows: 4) { range, _ in
      for c in range {
        let start = c * Self.vectorChunk, count = Swift.min(Self.vectorChunk, n - start)
        let s = sums.baseAddress! + 7 * c
        s[6] = Double(pass(level, &q, start, count, s))
      }
    }
    var totals = CTRLTokenTotals()
    for c in 0..<chunks {
      let s = sums.baseAddress! + 7 * c
      if s[6] != -1 { return nil }
      totals.add(kernelSums: s, tokens: Swift.min(Self.vectorChunk, n - c * Self.vectorChunk))
    }
    return totals
  }

  /// The kernel's parameters for these options, each token weighted by `weight`.
  func kernelParameters(weight: Double) -> infalign_ctrl_params {
    let o = options
    var q = infalign_ctrl_params()
    q.clip_low = 1 - o.clipLow
    q.clip_high = 1 + o.clipHigh
    q.dual = o.dualClip ?? 0
    q.cap = o.ratioCap ?? .infinity
    q.log_clamp = o.logRatioClamp ?? .infinity
    q.weight = weight
    q.on_policy = tokens.oldPolicyLogProbs == nil ? 1 : 0
    q.loss_estimator = -1
    if let kl = o.klLoss, kl.coefficient != 0 {
      q.loss_estimator = Self.code(kl.estimator)
      q.loss_coef = kl.coefficient
      q.loss_clamp = kl.clamp ?? .infinity
      q.loss_straight = kl.straightThrough ? 1 : 0
    }
    q.after_estimator = -1
    if let kl = o.klReward, kl.coefficient != 0, o.klRewardPlacement == .afterBaseline {
      q.after_estimator = Self.code(kl.estimator)
      q.after_coef = kl.coefficient
      q.after_clamp = kl.clamp ?? .infinity
      q.after_from_old = o.klRewardSource == .oldPolicy ? 1 : 0
    }
    return q
  }

  private static func code(_ e: CTRLOptions.KLEstimator) -> Int32 {
    switch e {
    case .k1: 0
    case .abs: 1
    case .k2: 2
    case .k3: 3
    }
  }

  /// One chunk through the kernel of `T`'s precision (`T` is `Double` or `Float`, checked by the caller).
  func pass(
    _ level: Int32, _ q: UnsafePointer<infalign_ctrl_params>, _ start: Int, _ count: Int,
    _ sums: UnsafeMutablePointer<Double>, advantages: UnsafePointer<T>? = nil
  ) -> Int {
    func at<U>(_ p: UnsafePointer<T>?, _: U.Type) -> UnsafePointer<U>? {
      p.map { UnsafeRawPointer($0 + start).assumingMemoryBound(to: U.self) }
    }
    func at<U>(_ p: UnsafeMutablePointer<T>?, _: U.Type) -> UnsafeMutablePointer<U>? {
      p.map { UnsafeMutableRawPointer($0 + start).assumingMemoryBound(to: U.self) }
    }
    let lp = tokens.policyLogProbs.baseAddress, lr = tokens.referenceLogProbs.baseAddress
    let old = tokens.oldPolicyLogProbs?.baseAddress
    // Per token (an advantage broadcast over a sample's tokens, from index 0) or per sample (the output, by index).
    let adv = advantages.map { $0 - start } ?? UnsafePointer(outputs.advantages.baseAddress)
    let grad = outputs.lossGradient.baseAddress
    let (k1, k2, k3) = (outputs.k1?.baseAddress, outputs.k2?.baseAddress, outputs.k3?.baseAddress)
    if T.self == Double.self {
      let D = Double.self
      return infalign_ctrl_sequence_f64(
        level, q, count, at(lp, D), at(lr, D), at(old, D), at(adv, D), at(grad, D), at(k1, D), at(k2, D), at(k3, D),
        sums)
    }
    let F = Float.self
    return infalign_ctrl_sequence_f32(
      level, q, count, at(lp, F), at(lr, F), at(old, F), at(adv, F), at(grad, F), at(k1, F), at(k2, F), at(k3, F),
      sums)
  }
}

extension CTRLTokenTotals {
  /// Adds the sums one kernel pass wrote (`infalign_ctrl_sequence_*`: weighted policy loss, weighted KL loss, the
  /// sums of k1, k2, k3, the clipped count) over `tokens` tokens.
  mutating func add(kernelSums s: UnsafePointer<Double>, tokens count: Int) {
    policyLoss += s[0]
    klLoss += s[1]
    k1 += s[2]
    k2 += s[3]
    k3 += s[4]
    clipped += Int(s[5])
    tokens += count
  }
}
