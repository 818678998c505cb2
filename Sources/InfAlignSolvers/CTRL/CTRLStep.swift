import RealModule

/// Options of one CTRL training step (calibrate, transform, then KL-regularized policy-gradient quantities).
public struct CTRLOptions: Sendable {
  /// How advantages are baselined within a group.
  public enum Advantage: Sendable, Hashable {
    /// RLOO: `A_i = R_i − mean_{j≠i} R_j` (0 for a group with a single valid sample).
    case leaveOneOut
    /// `A_i = R_i − mean_j R_j`.
    case groupMean
  }

  /// What to do with a sample whose inputs contain NaN or ±∞.
  public enum NonFinitePolicy: Sendable, Hashable {
    /// Throw ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the array, group and sample.
    case throwError
    /// Exclude the sample from group statistics and the loss; its outputs are 0; the count is reported.
    case mask
  }

  /// Transform Φ applied to calibrated rewards (MATH.md §4).
  public var transform: Transform
  /// Calibration variant (smoothing; leave-one-out applies to ``CTRLCalibration/group``, which always uses it).
  public var smoothing: Bool
  /// Baseline for advantages.
  public var advantage: Advantage
  /// Divide advantages by the group's standard deviation of rewards, floored at ``stdFloor`` so that zero-variance
  /// groups give 0 advantages, never ∞ or NaN.
  public var normalizeByStd: Bool
  /// Floor of the standard deviation when ``normalizeByStd`` is set.
  public var stdFloor: Double
  /// KL coefficient β folded into the reward before baselining: `R_i = Φ(C_i) − β·ρ_i`, with
  /// `ρ_i = log π − log π_ref`. 0 (the default) leaves the KL to the caller's loss.
  public var klCoefficient: Double
  /// PPO clip range ε: ratios are clipped to `[1 − ε, 1 + ε]`.
  public var clipEpsilon: Double
  /// Log-ratios are clamped to `[−c, c]` before any `exp` (k3 and the PPO ratio).
  public var logRatioClamp: Double
  /// NaN/∞ handling.
  public var nonFinite: NonFinitePolicy

  public init(
    transform: Transform = .identity, smoothing: Bool = false, advantage: Advantage = .leaveOneOut,
    normalizeByStd: Bool = false, stdFloor: Double = 1e-6, klCoefficient: Double = 0, clipEpsilon: Double = 0.2,
    logRatioClamp: Double = 20, nonFinite: NonFinitePolicy = .throwError
  ) {
    self.transform = transform
    self.smoothing = smoothing
    self.advantage = advantage
    self.normalizeByStd = normalizeByStd
    self.stdFloor = stdFloor
    self.klCoefficient = klCoefficient
    self.clipEpsilon = clipEpsilon
    self.logRatioClamp = logRatioClamp
    self.nonFinite = nonFinite
  }
}

/// Where calibration references come from.
public enum CTRLCalibration<T: BLASScalar>: Sendable {
  /// Reference rewards for each group (one table row per group), e.g. sampled from π_ref.
  case table(CalibrationTable<T>)
  /// Each sample is calibrated against the other samples of its own group (leave-one-out).
  case group
}

/// Caller-owned output buffers of a CTRL step, each `groups × groupSize`, row-major. Pass `nil` for outputs you
/// do not need (except `advantages` and `lossGradient`, which are always written).
public struct CTRLOutputs<T: BLASScalar> {
  public var calibrated: UnsafeMutableBufferPointer<T>?
  public var transformed: UnsafeMutableBufferPointer<T>?
  public var advantages: UnsafeMutableBufferPointer<T>
  public var k1: UnsafeMutableBufferPointer<T>?
  public var k2: UnsafeMutableBufferPointer<T>?
  public var k3: UnsafeMutableBufferPointer<T>?
  /// `∂L/∂log π` per sample for the PPO clipped surrogate loss `L`.
  public var lossGradient: UnsafeMutableBufferPointer<T>
  /// Set to `false` for masked samples (with ``CTRLOptions/NonFinitePolicy/mask``).
  public var valid: UnsafeMutableBufferPointer<Bool>?

  public init(
    advantages: UnsafeMutableBufferPointer<T>, lossGradient: UnsafeMutableBufferPointer<T>,
    calibrated: UnsafeMutableBufferPointer<T>? = nil, transformed: UnsafeMutableBufferPointer<T>? = nil,
    k1: UnsafeMutableBufferPointer<T>? = nil, k2: UnsafeMutableBufferPointer<T>? = nil,
    k3: UnsafeMutableBufferPointer<T>? = nil, valid: UnsafeMutableBufferPointer<Bool>? = nil
  ) {
    self.advantages = advantages
    self.lossGradient = lossGradient
    self.calibrated = calibrated
    self.transformed = transformed
    self.k1 = k1
    self.k2 = k2
    self.k3 = k3
    self.valid = valid
  }
}

/// Batch-level results of a CTRL step.
public struct CTRLSummary: Sendable, Equatable {
  /// PPO clipped surrogate loss `L = −mean over valid samples of min(r·A, clip(r, 1−ε, 1+ε)·A)`.
  public var loss: Double
  /// Means over valid samples of the KL estimators k1 = ρ, k2 = ρ²/2, k3 = e^{−ρ} − 1 + ρ.
  public var meanK1: Double
  public var meanK2: Double
  public var meanK3: Double
  /// Fraction of valid samples whose clipped branch was active (zero gradient).
  public var clippedFraction: Double
  /// Samples excluded because an input was NaN or ±∞ (always 0 with ``CTRLOptions/NonFinitePolicy/throwError``).
  public var maskedCount: Int

  public init(
    loss: Double, meanK1: Double, meanK2: Double, meanK3: Double, clippedFraction: Double, maskedCount: Int
  ) {
    self.loss = loss
    self.meanK1 = meanK1
    self.meanK2 = meanK2
    self.meanK3 = meanK3
    self.clippedFraction = clippedFraction
    self.maskedCount = maskedCount
  }
}

/// One CTRL step for external training code (MATH.md §2, §4, §6): calibrated and transformed rewards, advantages,
/// per-sample KL estimates and the PPO clipped surrogate loss with its gradient w.r.t. the policy log-probs.
///
/// Inputs and outputs are caller-owned contiguous `groups × groupSize` buffers (one row per prompt group); nothing
/// is copied. Scratch for one group is allocated once per call.
public enum CTRLStep {
  /// Runs the step.
  ///
  /// - Parameters:
  ///   - rewards: raw rewards of each sample.
  ///   - policyLogProbs: `log π` of each sample (the quantity the gradient is taken with respect to).
  ///   - referenceLogProbs: `log π_ref` of each sample.
  ///   - oldPolicyLogProbs: `log π_old` for the PPO ratio; `nil` means ratio 1 (on-policy, `log π_old = log π`).
  /// - Throws: ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the array, group and sample (with
  ///   `.throwError`); ``InfAlignError/emptyReferences(prompt:count:)`` when group calibration has fewer than two
  ///   valid samples in a group (with `.throwError`; masked otherwise); ``InfAlignError/shapeMismatch(_:)`` when
  ///   a table has a different number of groups; ``InfAlignError/nonFinite(field:prompt:index:value:)`` when the
  ///   transform overflows `T` (e.g. `exp:100` in `Float`).
  /// - Complexity: O(groups × G log G) with group calibration, O(groups × G log M) with a table.
  @inlinable
  public static func run<T: BLASScalar>(
    groups: Int, groupSize g: Int, rewards: UnsafeBufferPointer<T>, policyLogProbs: UnsafeBufferPointer<T>,
    referenceLogProbs: UnsafeBufferPointer<T>, oldPolicyLogProbs: UnsafeBufferPointer<T>? = nil,
    calibration: CTRLCalibration<T>, options: CTRLOptions = .init(), outputs: CTRLOutputs<T>
  ) throws(InfAlignError) -> CTRLSummary {
    let n = groups * g
    precondition(groups >= 0 && g >= 0, "negative shape \(groups)×\(g)")
    precondition(
      rewards.count == n && policyLogProbs.count == n && referenceLogProbs.count == n
        && (oldPolicyLogProbs?.count ?? n) == n,
      "CTRL inputs must each hold groups × groupSize = \(n) elements")
    precondition(
      outputs.advantages.count == n && outputs.lossGradient.count == n && (outputs.calibrated?.count ?? n) == n
        && (outputs.transformed?.count ?? n) == n && (outputs.k1?.count ?? n) == n && (outputs.k2?.count ?? n) == n
        && (outputs.k3?.count ?? n) == n && (outputs.valid?.count ?? n) == n,
      "CTRL outputs must each hold groups × groupSize = \(n) elements")
    if case .table(let table) = calibration, table.promptCount != groups {
      throw .shapeMismatch("the calibration table has \(table.promptCount) prompts, the batch has \(groups) groups")
    }
    let mask = options.nonFinite == .mask
    let clampC = T(options.logRatioClamp)
    let eps = T(options.clipEpsilon)
    let beta = T(options.klCoefficient)

    // Per-group scratch rows (allocated once per call): the valid rewards in order, a sorted copy (large groups),
    // the calibrated-then-transformed values and e^{−ρ} of the valid samples, and the KL-folded reward per sample.
    let scratch = UnsafeMutableBufferPointer<T>.allocate(capacity: 6 * Swift.max(g, 1))
    let validRow = UnsafeMutableBufferPointer<Bool>.allocate(capacity: Swift.max(g, 1))
    let histogram = UnsafeMutablePointer<Int32>.allocate(capacity: RadixSort.histogramCapacity(T.self))
    defer {
      scratch.deallocate()
      validRow.deallocate()
      histogram.deallocate()
    }
    let validRewards = scratch.baseAddress!, sorted = validRewards + g, sortScratch = validRewards + 2 * g
    let phi = validRewards + 3 * g, expRho = validRewards + 4 * g, reward = validRewards + 5 * g
    // Φ = ±exp(t·u) is evaluated by the vectorized exp (within 2 ulp of `Transform.apply`); other kinds per sample.
    var exponentialRate: T? = nil, negate = false
    switch options.transform.kind {
    case let .exponential(t): exponentialRate = T(t)
    case let .negativeExponential(t): (exponentialRate, negate) = (-T(t), true)
    default: break
    }

    var masked = 0, validTotal = 0, clipped = 0
    var lossSum = 0.0, k1Sum = 0.0, k2Sum = 0.0, k3Sum = 0.0

    for b in 0..<groups {
      let base = b * g
      // 1. Validity.
      var nValid = 0
      for i in 0..<g {
        let j = base + i
        var bad: (field: StaticString, value: T)? = nil
        if !rewards[j].isFinite {
          bad = ("reward", rewards[j])
        } else if !policyLogProbs[j].isFinite {
          bad = ("policy log-prob", policyLogProbs[j])
        } else if !referenceLogProbs[j].isFinite {
          bad = ("reference log-prob", referenceLogProbs[j])
        } else if let old = oldPolicyLogProbs, !old[j].isFinite {
          bad = ("old policy log-prob", old[j])
        }
        if let bad, !mask {
          throw .nonFinite(field: "\(bad.field)", prompt: b, index: i, value: Double(bad.value))
        }
        let ok = bad == nil
        validRow[i] = ok
        if ok { nValid += 1 }
      }
      if case .group = calibration, nValid < 2 {
        if !mask { throw .emptyReferences(prompt: b, count: nValid) }
        for i in 0..<g { validRow[i] = false }
        nValid = 0
      }
      // 2. Calibrate the valid samples (compacted into phi[0..<m]), and −ρ clamped into expRho.
      let m = nValid
      var k = 0
      for i in 0..<g where validRow[i] {
        let j = base + i
        validRewards[k] = rewards[j]
        let rho = policyLogProbs[j] - referenceLogProbs[j]
        expRho[k] = -Swift.min(Swift.max(rho, -clampC), clampC)
        k += 1
      }
      switch calibration {
      case .group:
        // Mid-rank among the group, itself included (it adds ½), so leave-one-out subtracts ½.
        if m <= OneShotCalibration.directQueryLimit {
          T.midRankCountsUnsorted(validRewards, m, validRewards, m, phi)
        } else {
          sorted.update(from: validRewards, count: m)
          do {
            try RadixSort.sort(UnsafeMutableBufferPointer(start: sorted, count: m),
                               scratch: UnsafeMutableBufferPointer(start: sortScratch, count: m), histogram: histogram,
                               row: b)
          } catch {
            throw .math(error)  // unreachable: NaN rewards were rejected or masked above
          }
          for k in 0..<m { phi[k] = MidRank.count(UnsafePointer(sorted), m, validRewards[k]) }
        }
        for k in 0..<m {
          let count = phi[k] - T(0.5)
          phi[k] = options.smoothing ? (count + T(0.5)) / T(m) : count / T(m - 1)
        }
      case .table(let table):
        let refs = table.offsets[b + 1] - table.offsets[b]
        table.sorted.withUnsafeBufferPointer { row in
          for k in 0..<m {
            let count = MidRank.count(row.baseAddress! + table.offsets[b], refs, validRewards[k])
            phi[k] = options.smoothing ? (count + T(0.5)) / T(refs + 1) : count / T(refs)
          }
        }
      }
      if let calibratedOut = outputs.calibrated {
        k = 0
        for i in 0..<g where validRow[i] {
          calibratedOut[base + i] = phi[k]
          k += 1
        }
      }
      // 3. Transform (and e^{−ρ} for k3), vectorized where the kind allows.
      if let rate = exponentialRate {
        for k in 0..<m { phi[k] = rate * Transform.clampUnit(phi[k]) }
        _ = T.expShiftedSum(phi, m, shift: 0, store: phi)
        if negate { for k in 0..<m { phi[k] = -phi[k] } }
      } else {
        for k in 0..<m { phi[k] = options.transform.apply(phi[k]) }
      }
      _ = T.expShiftedSum(expRho, m, shift: 0, store: expRho)
      var sum = 0.0
      k = 0
      for i in 0..<g {
        let j = base + i
        guard validRow[i] else {
          reward[i] = 0
          continue
        }
        let value = phi[k]
        k += 1
        if !value.isFinite {
          // e.g. exp(t·u) with t > 88 overflows Float: never pass an ∞/NaN reward on silently.
          throw .nonFinite(field: "transformed reward (Φ overflows; use Double or a smaller parameter)", prompt: b,
                           index: i, value: Double(value))
        }
        outputs.transformed?[j] = value
        let r = beta == 0 ? value : value - beta * (policyLogProbs[j] - referenceLogProbs[j])
        reward[i] = r
        sum += Double(r)
      }
      // 4. Advantages, KL estimators, PPO.
      let mean = nValid > 0 ? sum / Double(nValid) : 0
      var centred = 0.0
      for i in 0..<g where validRow[i] { centred += (Double(reward[i]) - mean) * (Double(reward[i]) - mean) }
      let std = nValid > 0 ? (centred / Double(nValid)).squareRoot() : 0
      let scale = options.normalizeByStd ? 1 / Swift.max(std, options.stdFloor) : 1
      k = 0
      for i in 0..<g {
        let j = base + i
        guard validRow[i] else {
          outputs.advantages[j] = 0
          outputs.lossGradient[j] = 0
          outputs.calibrated?[j] = 0
          outputs.transformed?[j] = 0
          outputs.k1?[j] = 0
          outputs.k2?[j] = 0
          outputs.k3?[j] = 0
          outputs.valid?[j] = false
          continue
        }
        outputs.valid?[j] = true
        let ri = Double(reward[i])
        let a: Double
        switch options.advantage {
        case .leaveOneOut: a = nValid > 1 ? (ri - (sum - ri) / Double(nValid - 1)) : 0
        case .groupMean: a = ri - mean
        }
        outputs.advantages[j] = T(a * scale)
        // KL estimators; k3 = e^{−ρ} − 1 + ρ (ρ clamped), by its series where that difference cancels.
        let rho = policyLogProbs[j] - referenceLogProbs[j]
        let k3 = Self.k3(Swift.min(Swift.max(rho, -clampC), clampC), expMinusRho: expRho[k])
        k += 1
        outputs.k1?[j] = rho
        outputs.k2?[j] = rho * rho / 2
        outputs.k3?[j] = k3
        k1Sum += Double(rho)
        k2Sum += Double(rho) * Double(rho) / 2
        k3Sum += Double(k3)
        // PPO clipped surrogate term; the gradient is scaled by 1/(valid count) in the last pass.
        let logRatio = oldPolicyLogProbs.map { policyLogProbs[j] - $0[j] } ?? 0
        let logRatioC = Swift.min(Swift.max(logRatio, -clampC), clampC)
        let ratio = oldPolicyLogProbs == nil ? 1 : T.exp(logRatioC)  // on-policy: the ratio is exactly 1
        let advantage = outputs.advantages[j]
        let unclipped = ratio * advantage
        let clippedTerm = Swift.min(Swift.max(ratio, 1 - eps), 1 + eps) * advantage
        let useUnclipped = unclipped <= clippedTerm
        lossSum -= Double(useUnclipped ? unclipped : clippedTerm)
        if !useUnclipped { clipped += 1 }
        // ∂(−r·A)/∂log π = −r·A on the unclipped branch (0 where the clamp of the log-ratio is active).
        outputs.lossGradient[j] = useUnclipped && logRatioC == logRatio ? -unclipped : 0
      }
      validTotal += nValid
      masked += g - nValid
    }
    let inverseCount = validTotal > 0 ? 1 / Double(validTotal) : 0
    let gradientScale = T(inverseCount)
    for j in 0..<n { outputs.lossGradient[j] *= gradientScale }
    return CTRLSummary(
      loss: lossSum * inverseCount, meanK1: k1Sum * inverseCount, meanK2: k2Sum * inverseCount,
      meanK3: k3Sum * inverseCount, clippedFraction: Double(clipped) * inverseCount, maskedCount: masked)
  }


  /// `k3 = e^{−ρ} − 1 + ρ` from `ρ` (already clamped) and `e^{−ρ}`. For `|ρ| < ¼` the difference cancels, so the
  /// series `ρ²·Σ_{n≥0} (−ρ)^n/(n+2)!` (12 terms, truncation below 1e-18 relative) is used: exact to a few ulp
  /// for every `ρ`, including tiny ones where `expm1(−ρ) + ρ` keeps only ~7 digits (5e-19 at ρ = 1e-9).
  @inlinable @inline(__always)
  static func k3<T: BLASScalar>(_ rho: T, expMinusRho e: T) -> T {
    if abs(rho) >= T(0.25) { return (e - 1) + rho }
    let y = -rho
    var p = T(1.0 / 6_227_020_800)  // 1/13!
    p = p * y + T(1.0 / 479_001_600)
    p = p * y + T(1.0 / 39_916_800)
    p = p * y + T(1.0 / 3_628_800)
    p = p * y + T(1.0 / 362_880)
    p = p * y + T(1.0 / 40_320)
    p = p * y + T(1.0 / 5_040)
    p = p * y + T(1.0 / 720)
    p = p * y + T(1.0 / 120)
    p = p * y + T(1.0 / 24)
    p = p * y + T(1.0 / 6)
    p = p * y + T(0.5)
    return rho * rho * p
  }
}
