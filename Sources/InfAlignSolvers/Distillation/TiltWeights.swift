import RealModule

/// Self-normalized weights toward the exact KL-RL optimum in calibrated space (MATH.md §8): for a batch of prompts
/// with `K` samples each (drawn from π_ref), `w_i ∝ exp(Φ(u_i)/β)` with `u_i` the sample's calibrated reward, so
/// that the reweighted sample approximates `π* ∝ π_ref·exp(Φ(u)/β)`: the data of weighted maximum likelihood
/// (distillation of the tilt).
///
/// The calibrated reward comes from reference rewards per prompt (one-shot, or a ``CalibrationTable``) or from the
/// rest of the sample's own group (leave-one-out). β is given, given in the transform's scaled form, or solved from a
/// KL budget by the exact calibrated-space solve, so the weights target the same policy that
/// ``CalibratedSpace/analyze(transform:kl:procedure:reference:)`` analyzes; its KL and win rates come with them.
///
/// ```swift
/// let options = TiltOptions(transform: try Transform(parsing: "exp:12.6"), strength: .kl(1),
///                           procedures: [try Procedure(parsing: "bon:4")])
/// let tilted = try TiltWeights.compute(rewards: groups, references: nil, options: options)   // leave-one-out
/// tilted.weights, tilted.effectiveSampleSize, tilted.predictions[0].winRate
/// ```
///
/// Numerics: the exponent is formed as `Φ(u)/β − Φ(1)/β` (`Transform.tilt(beta:logBeta:)`, the scaled-β form for
/// `exp:t`, ``Transform/logScale``), and each prompt is normalized by log-sum-exp in `Double`, so no step overflows for any `t` or β.
public enum TiltWeights {
  /// Ragged samples against ragged references: prompt `b`'s rewards are
  /// `rewards[rewardOffsets[b] ..< rewardOffsets[b+1]]` and its references likewise; `references == nil` means
  /// leave-one-out within the group (each reward calibrated against the other rewards of its prompt;
  /// `referenceOffsets` is then ignored).
  ///
  /// - Throws: the calibration's errors (``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the prompt
  ///   and sample of a NaN/±∞ reward or reference, ``InfAlignError/emptyReferences(prompt:count:)`` for a prompt
  ///   without references or, leave-one-out, with a single sample, ``InfAlignError/shapeMismatch(_:)`` for offsets
  ///   that do not describe the buffers); ``InfAlignError/shapeMismatch(_:)`` naming a prompt with no samples;
  ///   the option errors of ``TiltOptions/resolveBeta()`` and of the analysis (a procedure's exact win rate);
  ///   ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the sample whose `Φ(u)/β` is `+∞` or NaN
  ///   (`logit` without smoothing at `u = 1`, a custom Φ), or a prompt whose every `Φ(u)/β` is `−∞`.
  /// - Complexity: the calibration's O(Σ min(K·M, M log M + K log M)) plus O(total samples) transform evaluations,
  ///   divided among the threads, plus one KL solve for a budget and one analysis per procedure (about a
  ///   millisecond each).
  @_specialize(where T == Double)
  @_specialize(where T == Float)
  public static func compute<T: BLASScalar>(
    rewards: Span<T>, rewardOffsets: Span<Int>, references: Span<T>?, referenceOffsets: Span<Int>?,
    options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try rewardOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
        try withOptionalBuffer(references) { (f) throws(InfAlignError) in
          try withOptionalBuffer(referenceOffsets) { (fo) throws(InfAlignError) in
            try compute(rewards: r, rewardOffsets: ro, references: f, referenceOffsets: fo, options: options)
          }
        }
      }
    }
  }

  /// Ragged samples calibrated against a table of references (one per prompt, ``CalibrationTable``).
  ///
  /// - Throws: as ``compute(rewards:rewardOffsets:references:referenceOffsets:options:)``, with the table's
  ///   calibration errors.
  @_specialize(where T == Double)
  @_specialize(where T == Float)
  public static func compute<T: BLASScalar>(
    rewards: Span<T>, rewardOffsets: Span<Int>, table: CalibrationTable<T>, options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    try rewards.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try rewardOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
        try compute(rewards: r, rewardOffsets: ro, table: table, options: options)
      }
    }
  }

  /// The buffer form of ``compute(rewards:rewardOffsets:references:referenceOffsets:options:)``, for this
  /// package's modules (the C ABI): the caller keeps the memory valid.
  @_specialize(where T == Double)
  @_specialize(where T == Float)
  package static func compute<T: BLASScalar>(
    rewards: UnsafeBufferPointer<T>, rewardOffsets: UnsafeBufferPointer<Int>, references: UnsafeBufferPointer<T>?,
    referenceOffsets: UnsafeBufferPointer<Int>?, options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    let (beta, logBeta) = try options.resolveBeta()
    try checkSamples(rewardOffsets, count: rewards.count)
    var calibration = options.calibration
    var u = [T](repeating: 0, count: rewards.count)
    try u.withUnsafeMutableBufferPointer { (out) throws(InfAlignError) in
      if let references {
        guard let referenceOffsets else {
          throw .shapeMismatch("reference rewards were given without their offsets")
        }
        try OneShotCalibration.calibrate(
          references: references, referenceOffsets: referenceOffsets, queries: rewards, queryOffsets: rewardOffsets,
          into: out, options: calibration, threads: options.threads)
      } else {
        calibration.leaveOneOut = true
        do throws(InfAlignError) {
          try OneShotCalibration.calibrate(
            references: rewards, referenceOffsets: rewardOffsets, queries: rewards, queryOffsets: rewardOffsets,
            into: out, options: calibration, threads: options.threads)
        } catch {
          // The rewards are their own references here: name them as rewards.
          if case .nonFinite(_, let prompt, let index, let value) = error {
            throw .nonFinite(field: "reward", prompt: prompt, index: index, value: value)
          }
          throw error
        }
      }
    }
    return try weigh(calibrated: u, offsets: Array(rewardOffsets), beta: beta, logBeta: logBeta, options: options)
  }

  /// The buffer form of ``compute(rewards:rewardOffsets:table:options:)``, for this package's modules.
  @_specialize(where T == Double)
  @_specialize(where T == Float)
  package static func compute<T: BLASScalar>(
    rewards: UnsafeBufferPointer<T>, rewardOffsets: UnsafeBufferPointer<Int>, table: CalibrationTable<T>,
    options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    let (beta, logBeta) = try options.resolveBeta()
    if rewardOffsets.count != table.promptCount + 1 {
      throw .shapeMismatch(
        "reward offsets describe \(rewardOffsets.count - 1) prompts, the table has \(table.promptCount)")
    }
    try checkSamples(rewardOffsets, count: rewards.count)
    var u = [T](repeating: 0, count: rewards.count)
    try u.withUnsafeMutableBufferPointer { (out) throws(InfAlignError) in
      try table.calibrate(
        queries: rewards, queryOffsets: rewardOffsets, into: out, options: options.calibration,
        threads: options.threads)
    }
    return try weigh(calibrated: u, offsets: Array(rewardOffsets), beta: beta, logBeta: logBeta, options: options)
  }

  /// One array of rewards per prompt, and one of references per prompt or `nil` (leave-one-out within the group).
  ///
  /// - Throws: as ``compute(rewards:rewardOffsets:references:referenceOffsets:options:)``;
  ///   ``InfAlignError/shapeMismatch(_:)`` when the references cover another number of prompts.
  public static func compute<T: BLASScalar>(
    rewards: [[T]], references: [[T]]?, options: TiltOptions
  ) throws(InfAlignError) -> TiltedSample<T> {
    if let references, references.count != rewards.count {
      throw .shapeMismatch("rewards cover \(rewards.count) prompts, the references \(references.count)")
    }
    let flat = rewards.flatMap { $0 }, offsets = Self.offsets(rewards.map(\.count))
    let flatReferences = references?.flatMap { $0 } ?? []
    let referenceOffsets = Self.offsets(references?.map(\.count) ?? [])
    return try flat.withUnsafeBufferPointer { (r) throws(InfAlignError) in
      try offsets.withUnsafeBufferPointer { (o) throws(InfAlignError) in
        try flatReferences.withUnsafeBufferPointer { (fr) throws(InfAlignError) in
          try referenceOffsets.withUnsafeBufferPointer { (ro) throws(InfAlignError) in
            try compute(rewards: r, rewardOffsets: o, references: references == nil ? nil : fr,
                        referenceOffsets: references == nil ? nil : ro, options: options)
          }
        }
      }
    }
  }

  static func offsets(_ counts: [Int]) -> [Int] {
    var o = [0]
    o.reserveCapacity(counts.count + 1)
    for c in counts { o.append(o[o.count - 1] + c) }
    return o
  }

  /// Offsets from 0 to `count` that never decrease, and no prompt without samples.
  static func checkSamples(_ offsets: UnsafeBufferPointer<Int>, count: Int) throws(InfAlignError) {
    guard let first = offsets.first, first == 0, offsets.last == count else {
      throw .shapeMismatch(
        "reward offsets do not run from 0 to the \(count) rewards given (\(offsets.count) offsets)")
    }
    for b in 0..<(offsets.count - 1) {
      if offsets[b + 1] < offsets[b] { throw .shapeMismatch("reward offsets decrease at prompt \(b)") }
      if offsets[b + 1] == offsets[b] {
        throw .shapeMismatch("prompt \(b) has no samples: tilt weights need at least one per prompt")
      }
    }
  }
}
