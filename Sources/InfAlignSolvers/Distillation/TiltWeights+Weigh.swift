import RealModule

extension TiltWeights {
  /// Per-prompt figures of one weighted group.
  struct PromptFigures {
    var logZ: Double, effectiveSampleSize: Double, kl: Double
  }

  /// Weights from calibrated rewards: the exact tilt's analysis, then each prompt's exponents, log-sum-exp and
  /// figures, prompts split over the threads in blocks (each prompt computed alone, so every thread count gives the
  /// same bits; the error thrown is the first in prompt order).
  /// - Complexity: O(total samples) transform evaluations, divided among the threads; one scratch row of
  ///   `max K` doubles per worker.
  static func weigh<T: BLASScalar>(
    calibrated u: [T], offsets: [Int], beta: Double, logBeta: Double, options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    let transform = options.transform
    let exact = try CalibratedSpace.analyze(
      transform: transform, beta: beta, logBeta: logBeta, procedure: .standard, reference: nil)
    var predictions: [CalibratedPoint] = []
    for procedure in options.procedures {
      predictions.append(
        try CalibratedSpace.analyze(
          transform: transform, beta: beta, logBeta: logBeta, procedure: procedure, reference: nil))
    }
    let prompts = offsets.count - 1, total = u.count
    var transformed = u
    transformed.withUnsafeMutableBufferPointer { transform.apply(to: $0) }
    var weights = [T](repeating: 0, count: total)
    let tilt = transform.tilt(beta: beta, logBeta: logBeta)
    var longest = 0
    for b in 0..<prompts { longest = Swift.max(longest, offsets[b + 1] - offsets[b]) }
    // Blocks of at least ~8K samples (a transcendental or two each) outweigh waking a thread.
    let minimumRows = Swift.max(1, 8192 * Swift.max(1, prompts) / Swift.max(1, total))
    let workers = ParallelRows.workers(rows: prompts, threads: options.threads, minimumRows: minimumRows)
    let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers * longest)
    defer { scratch.deallocate() }
    // Per-prompt outputs through one buffer of three columns: each prompt writes only its own row.
    var figures = [Double](repeating: 0, count: 3 * prompts)
    try u.withUnsafeBufferPointer { (u) throws(InfAlignError) in
      try weights.withUnsafeMutableBufferPointer { (w) throws(InfAlignError) in
        try figures.withUnsafeMutableBufferPointer { (f) throws(InfAlignError) in
          try ParallelRows.forEach(rows: prompts, threads: options.threads, minimumRows: minimumRows) {
            (block, worker) throws(InfAlignError) in
            let h = scratch.baseAddress! + worker * longest
            for b in block {
              let start = offsets[b], k = offsets[b + 1] - start
              let one = try weighPrompt(
                b, u.baseAddress! + start, k, tilt: tilt, exponents: h, weights: w.baseAddress! + start)
              (f[3 * b], f[3 * b + 1], f[3 * b + 2]) = (one.logZ, one.effectiveSampleSize, one.kl)
            }
          }
        }
      }
    }
    let logZ = (0..<prompts).map { figures[3 * $0] }, ess = (0..<prompts).map { figures[3 * $0 + 1] }
    let kl = (0..<prompts).map { figures[3 * $0 + 2] }
    return TiltedSample(
      offsets: offsets, calibrated: u, transformed: transformed, weights: weights, logZ: logZ,
      effectiveSampleSize: ess, kl: kl, beta: beta, logBeta: logBeta, scaledBeta: exact.scaledBeta, exact: exact,
      predictions: predictions)
  }

  /// `Φ(u)/β − Φ(1)/β` for `u ∈ [0, 1]`: the tilt's lower form up to ½, its upper form (in `1 − u`, exact there)
  /// above.
  @inline(__always)
  static func exponent(_ u: Double, _ tilt: Transform.Tilt) -> Double {
    let v = u < 0 ? 0 : (u > 1 ? 1 : u)
    return v <= 0.5 ? tilt.lower(v) : tilt.upper(1 - v)
  }

  /// One prompt: `k ≥ 1` calibrated rewards `u`, its exponents into `h` (scratch), its weights (mean 1) into `w`.
  ///
  /// With `m = max h`, `S = Σ e^{h−m}`: `log Z = Φ(1)/β + m + log S − log k`, `w_i = k·e^{h_i−m}/S`,
  /// `ESS = S² / Σ e^{2(h−m)}`, `KL = Σ p_i (h_i − m − log S + log k)` over `p_i = e^{h_i−m}/S > 0`.
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` for an exponent that is NaN or `+∞`, or when
  ///   every exponent is `−∞` (index 0).
  static func weighPrompt<T: BLASScalar>(
    _ b: Int, _ u: UnsafePointer<T>, _ k: Int, tilt: Transform.Tilt, exponents h: UnsafeMutablePointer<Double>,
    weights w: UnsafeMutablePointer<T>
  ) throws(InfAlignError) -> PromptFigures {
    let field = "tilt exponent Φ(u)/β"
    var m = -Double.infinity
    for i in 0..<k {
      let x = exponent(Double(u[i]), tilt)
      if x.isNaN || x == .infinity { throw .nonFinite(field: field, prompt: b, index: i, value: x) }
      h[i] = x
      m = Swift.max(m, x)
    }
    if m == -.infinity {
      throw .nonFinite(field: "\(field) (every sample of the prompt)", prompt: b, index: 0, value: m)
    }
    var s = 0.0, s2 = 0.0
    for i in 0..<k {
      let e = Double.exp(h[i] - m)
      s += e
      s2 += e * e
    }
    let logS = Double.log(s), logK = Double.log(Double(k))
    var kl = 0.0
    for i in 0..<k {
      let logKP = h[i] - m - logS + logK  // log(k·p_i) = log w_i
      let p = Double.exp(h[i] - m) / s
      w[i] = T(Double.exp(logKP))
      if p > 0 { kl += p * logKP }
    }
    return PromptFigures(
      logZ: tilt.reference + m + logS - logK, effectiveSampleSize: s * s / s2,
      kl: Swift.min(Swift.max(0, kl), logK))
  }
}
