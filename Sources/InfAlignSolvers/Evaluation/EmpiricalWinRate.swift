import RealModule

/// Unbiased estimators of inference-time win rates from samples (MATH.md §7).
///
/// For one prompt with `n` policy rewards and `m` reference rewards, the best-of-N estimate is the probability that
/// the maximum of a uniformly random `N`-subset of the policy samples beats the maximum of a uniformly random
/// `N`-subset of the reference samples, ties counting ½ — an unbiased estimator of the BoN-vs-BoN win rate (like
/// pass@k). With `A(v) = P(max ≤ v) = C(#{x ≤ v}, N)/C(n, N)` for the policy and `B(v)` likewise for the reference,
/// `W = Σ_levels v (A(v) − A(v⁻))·(B(v) + B(v⁻))/2`, computed after sorting each side once: O((n + m) log(n + m)).
/// Worst-of-N mirrors it (`W_won(x, y) = 1 − W_bon(−x, −y)`); `standard` is N = 1 (the Mann–Whitney statistic
/// `U/(nm)` with ties ½).
///
/// Binomial ratios use the recurrence `C(k−1, N)/C(k, N) = (k − N)/k` from `C(n, N)/C(n, N) = 1` downward: no
/// overflow, relative error ~`n` ulps.
public enum EmpiricalWinRate {
  /// The estimate for one prompt.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for a procedure other than standard, `bon:N`,
  ///   `won:N`, or `N` larger than either sample; ``InfAlignError/nonFinite(field:prompt:index:value:)`` for a
  ///   NaN/±∞ reward; ``InfAlignError/emptyReferences(prompt:count:)`` when a side is empty.
  public static func estimate<T: BLASScalar>(
    policy: [T], reference: [T], procedure: Procedure, prompt: Int = 0
  ) throws(InfAlignError) -> Double {
    var out = [0.0]
    let offsetsP = [0, policy.count], offsetsR = [0, reference.count]
    try policy.withUnsafeBufferPointer { (p) throws(InfAlignError) in
      try reference.withUnsafeBufferPointer { (r) throws(InfAlignError) in
        try offsetsP.withUnsafeBufferPointer { (op) throws(InfAlignError) in
          try offsetsR.withUnsafeBufferPointer { (or) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try estimate(policy: p, policyOffsets: op, reference: r, referenceOffsets: or, procedure: procedure,
                           into: o, firstPrompt: prompt)
            }
          }
        }
      }
    }
    return out[0]
  }

  /// Per-prompt estimates for one array of rewards per prompt on each side.
  public static func estimate<T: BLASScalar>(
    policy: [[T]], reference: [[T]], procedure: Procedure
  ) throws(InfAlignError) -> [Double] {
    if policy.count != reference.count {
      throw .shapeMismatch("policy samples cover \(policy.count) prompts, reference samples \(reference.count)")
    }
    var out: [Double] = []
    out.reserveCapacity(policy.count)
    for b in policy.indices {
      out.append(try estimate(policy: policy[b], reference: reference[b], procedure: procedure, prompt: b))
    }
    return out
  }

  /// Ragged batch: prompt `b`'s policy rewards are `policy[policyOffsets[b] ..< policyOffsets[b+1]]`, likewise for
  /// the reference; one estimate per prompt into `out`, written in place (no copy of the rewards, no allocation
  /// of results).
  ///
  /// - Parameters:
  ///   - policy: every prompt's policy rewards, prompt after prompt.
  ///   - policyOffsets: `prompts + 1` nondecreasing offsets into `policy`, from 0 to `policy.count`.
  ///   - reference: every prompt's reference rewards, prompt after prompt.
  ///   - referenceOffsets: `prompts + 1` nondecreasing offsets into `reference`, from 0 to `reference.count`.
  ///   - procedure: the inference-time procedure of both sides.
  ///   - out: receives one estimate per prompt.
  ///   - firstPrompt: the index of the first prompt in error messages (for a batch cut from a larger one).
  ///   - threads: threads to split the prompts over (`nil`: `Threads.count`); results are bit-identical for
  ///     every count, and the error thrown is the first in prompt order.
  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` when the offsets do not describe `out.count` prompts over the
  ///   policy and reference rewards; otherwise as ``estimate(policy:reference:procedure:prompt:)``.
  /// - Complexity: O(Σ (n_b + m_b) log(n_b + m_b)), divided among the threads; scratch allocated once per call
  ///   (per worker).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func estimate<T: BLASScalar>(
    policy: Span<T>, policyOffsets: Span<Int>, reference: Span<T>, referenceOffsets: Span<Int>,
    procedure: Procedure, into out: inout MutableSpan<Double>, firstPrompt: Int = 0, threads: Int? = nil
  ) throws(InfAlignError) {
    try policy.withUnsafeBufferPointer { (p) throws(InfAlignError) in
      try policyOffsets.withUnsafeBufferPointer { (op) throws(InfAlignError) in
        try reference.withUnsafeBufferPointer { (r) throws(InfAlignError) in
          try referenceOffsets.withUnsafeBufferPointer { (or) throws(InfAlignError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(InfAlignError) in
              try estimate(
                policy: p, policyOffsets: op, reference: r, referenceOffsets: or, procedure: procedure, into: o,
                firstPrompt: firstPrompt, threads: threads)
            }
          }
        }
      }
    }
  }

  /// The buffer form of ``estimate(policy:policyOffsets:reference:referenceOffsets:procedure:into:firstPrompt:threads:)``,
  /// for this package's modules (the C ABI, the command line): the caller keeps the memory valid.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  package static func estimate<T: BLASScalar>(
    policy: UnsafeBufferPointer<T>, policyOffsets: UnsafeBufferPointer<Int>, reference: UnsafeBufferPointer<T>,
    referenceOffsets: UnsafeBufferPointer<Int>, procedure: Procedure, into out: UnsafeMutableBufferPointer<Double>,
    firstPrompt: Int = 0, threads: Int? = nil
  ) throws(InfAlignError) {
    let prompts = policyOffsets.count - 1
    guard prompts >= 0, referenceOffsets.count == policyOffsets.count, out.count == prompts,
      policyOffsets.first == 0, policyOffsets.last == policy.count, referenceOffsets.first == 0,
      referenceOffsets.last == reference.count
    else {
      throw .shapeMismatch("offsets do not describe \(out.count) prompts over the policy and reference rewards")
    }
    let (n, mirrored) = try subsetSize(procedure)
    var longest = 1
    for b in 0..<prompts {
      longest = Swift.max(longest, policyOffsets[b + 1] - policyOffsets[b], referenceOffsets[b + 1] - referenceOffsets[b])
    }
    // Prompts split over threads in blocks of at least ~16K samples; each worker sorts into its own scratch.
    let minimumRows = Swift.max(1, 16_384 * Swift.max(1, prompts) / Swift.max(1, policy.count + reference.count))
    let workers = ParallelRows.workers(rows: prompts, threads: threads, minimumRows: minimumRows)
    let histogramCapacity = RadixSort.histogramCapacity(Double.self)
    let buffers = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers * 3 * longest)
    let histograms = UnsafeMutablePointer<Int32>.allocate(capacity: workers * histogramCapacity)
    defer {
      buffers.deallocate()
      histograms.deallocate()
    }
    try ParallelRows.forEach(rows: prompts, threads: threads, minimumRows: minimumRows) {
      (block, worker) throws(InfAlignError) in
      let base = worker * 3 * longest
      let xs = UnsafeMutableBufferPointer(rebasing: buffers[base..<(base + longest)])
      let ys = UnsafeMutableBufferPointer(rebasing: buffers[(base + longest)..<(base + 2 * longest)])
      let scratch = UnsafeMutableBufferPointer(rebasing: buffers[(base + 2 * longest)..<(base + 3 * longest)])
      let histogram = histograms + worker * histogramCapacity
      for b in block {
        let prompt = firstPrompt + b
        let np = policyOffsets[b + 1] - policyOffsets[b], nr = referenceOffsets[b + 1] - referenceOffsets[b]
        if np == 0 || nr == 0 { throw .emptyReferences(prompt: prompt, count: 0) }
        if n > np || n > nr {
          throw .invalidParameter(
            name: "N", value: Double(n),
            reason: "prompt \(prompt) has \(np) policy and \(nr) reference samples; the estimator needs N ≤ both")
        }
        func load(
          _ count: Int, _ source: UnsafeBufferPointer<T>, _ offset: Int, _ target: UnsafeMutableBufferPointer<Double>,
          _ field: String
        ) throws(InfAlignError) {
          for i in 0..<count {
            let v = source[offset + i]
            if !v.isFinite { throw .nonFinite(field: field, prompt: prompt, index: i, value: Double(v)) }
            target[i] = mirrored ? -Double(v) : Double(v)
          }
          do {
            try RadixSort.sort(UnsafeMutableBufferPointer(rebasing: target[0..<count]),
                               scratch: UnsafeMutableBufferPointer(rebasing: scratch[0..<count]), histogram: histogram,
                               row: prompt)
          } catch {
            throw .math(error)  // unreachable: non-finite values were rejected
          }
        }
        try load(np, policy, policyOffsets[b], xs, "policy reward")
        try load(nr, reference, referenceOffsets[b], ys, "reference reward")
        let w = bestOfN(xs.baseAddress!, np, ys.baseAddress!, nr, n)
        out[b] = mirrored ? 1 - w : w
      }
    }
  }

  /// `(N, mirrored)` for standard / best-of-N / worst-of-N.
  static func subsetSize(_ procedure: Procedure) throws(InfAlignError) -> (Int, Bool) {
    switch procedure.kind {
    case .standard: return (1, false)
    case let .bestOf(n): return (n, false)
    case let .worstOf(n): return (n, true)
    case .orderStatistic, .mixture:
      throw .invalidParameter(
        name: "procedure", value: .nan,
        reason: "the empirical estimator supports standard, bon:N and won:N, not \(procedure)")
    }
  }

  /// The BoN estimate for ascending `x[0..<n]` (policy) and `y[0..<m]` (reference).
  @usableFromInline
  static func bestOfN(_ x: UnsafePointer<Double>, _ n: Int, _ y: UnsafePointer<Double>, _ m: Int, _ N: Int) -> Double {
    // A(k) = C(k, N)/C(n, N) for k samples ≤ v, via the downward recurrence; evaluated lazily per level.
    // Walk levels from the top so the ratios start at 1 and decrease.
    var i = n, j = m  // counts of policy / reference samples ≤ current level (we go downward)
    var a = 1.0, b = 1.0  // A(i), B(j)
    var w = 0.0
    func step(_ ratio: inout Double, _ k: Int) { ratio = k - 1 < N ? 0 : ratio * Double(k - N) / Double(k) }
    while i > 0 {
      let level = x[i - 1]
      // Reference samples above the level do not count for B(level).
      while j > 0 && y[j - 1] > level {
        step(&b, j)
        j -= 1
      }
      let bAt = b  // B(v)
      var bBelow = b  // B(v⁻): drop the reference samples equal to the level
      var jj = j
      while jj > 0 && y[jj - 1] == level {
        step(&bBelow, jj)
        jj -= 1
      }
      let aAt = a
      while i > 0 && x[i - 1] == level {
        step(&a, i)
        i -= 1
      }
      w += (aAt - a) * (bAt + bBelow) / 2
      // Leave the reference equal block in place; the next (lower) level removes it in the loop above.
    }
    return w
  }
}
