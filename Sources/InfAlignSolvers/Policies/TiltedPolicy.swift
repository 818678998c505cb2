import RealModule

/// The exact KL-RL optimum over finite candidate sets (MATH.md §6): for B prompts × K candidates with reference
/// log-probs `ℓ_ref` and transformed calibrated rewards `R̃`,
/// `log π = ℓ_ref + R̃/β − logsumexp_row(ℓ_ref + R̃/β)`.
///
/// `ℓ_ref` is normalized per row first (log-softmax), so unnormalized reference scores are accepted; candidates with
/// `ℓ_ref = −∞` keep zero mass. One row kernel pass per call.
public enum TiltedPolicy {
  /// `log π` for one β per prompt (`betas.count == B`) or one for the batch (`betas.count == 1`).
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for β ≤ 0;
  ///   ``InfAlignError/shapeMismatch(_:)`` for mismatched shapes; ``InfAlignError/math(_:)`` for a row with no
  ///   reference mass or NaN.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func logPolicy<T: BLASScalar>(
    referenceLogProbs: Matrix<T>, rewards: Matrix<T>, betas: [T]
  ) throws(InfAlignError) -> Matrix<T> {
    let (b, k) = (referenceLogProbs.rows, referenceLogProbs.columns)
    if rewards.rows != b || rewards.columns != k {
      throw .shapeMismatch("rewards are \(rewards.rows)×\(rewards.columns), reference log-probs \(b)×\(k)")
    }
    if betas.count != 1 && betas.count != b {
      throw .shapeMismatch("give one β or one per prompt (\(b)), got \(betas.count)")
    }
    for (i, beta) in betas.enumerated() where !(beta > 0 && beta.isFinite) {
      throw .invalidParameter(name: "beta", value: Double(beta), reason: "β of prompt \(i) must be positive and finite")
    }
    let reference = try normalized(referenceLogProbs)
    var logits = reference
    logits.withUnsafeMutableBufferPointer { l in
      rewards.withUnsafeBufferPointer { r in
        for row in 0..<b {
          let inverse = 1 / betas[betas.count == 1 ? 0 : row]
          for j in (row * k)..<((row + 1) * k) where l[j] > -.infinity { l[j] += r[j] * inverse }
        }
      }
    }
    do { return try RowReductions.logSoftmax(logits) } catch { throw .math(error) }
  }

  /// `ℓ_ref` normalized per row.
  public static func normalized<T: BLASScalar>(_ referenceLogProbs: Matrix<T>) throws(InfAlignError) -> Matrix<T> {
    do { return try RowReductions.logSoftmax(referenceLogProbs) } catch { throw .math(error) }
  }

  /// Per-prompt `KL(π ‖ π_ref) = Σ_k π_k (log π_k − ℓ_ref,k)` (with normalized `ℓ_ref`); terms with `π_k = 0` are 0.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func kl<T: BLASScalar>(logPolicy: Matrix<T>, referenceLogProbs: Matrix<T>) throws(InfAlignError) -> [T] {
    let reference = try normalized(referenceLogProbs)
    var out = [T](repeating: 0, count: logPolicy.rows)
    for row in 0..<logPolicy.rows {
      var s: T = 0
      for j in 0..<logPolicy.columns {
        let lp = logPolicy[row, j]
        if lp > -.infinity { s += T.exp(lp) * (lp - reference[row, j]) }
      }
      out[row] = Swift.max(0, s)
    }
    return out
  }

  /// Per-prompt expected reward `Σ_k π_k R̃_k`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func expectedReward<T: BLASScalar>(logPolicy: Matrix<T>, rewards: Matrix<T>) -> [T] {
    (0..<logPolicy.rows).map { row in
      (0..<logPolicy.columns).reduce(T(0)) { $0 + T.exp(logPolicy[row, $1]) * rewards[row, $1] }
    }
  }

  /// The β per prompt at which that prompt's KL equals `kl` (KL decreases in β; Brent in log β).
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` naming the prompt and the largest KL it can
  ///   reach (`−log π_ref` of its best candidates' total reference mass, as β → 0).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  public static func betaPerPrompt<T: BLASScalar>(
    forKL kl: Double, referenceLogProbs: Matrix<T>, rewards: Matrix<T>
  ) throws(InfAlignError) -> [T] {
    var out: [T] = []
    for row in 0..<rewards.rows {
      let refRow = Matrix(rows: 1, columns: rewards.columns, storage: Array(referenceLogProbs.row(row)))
      let rewardRow = Matrix(rows: 1, columns: rewards.columns, storage: Array(rewards.row(row)))
      do {
        out.append(T(try betaForMeanKL(kl, refRow, rewardRow)))
      } catch {
        let reference = try normalized(refRow)
        let top = rewardRow.storage.max() ?? 0
        var mass = 0.0
        for j in 0..<rewards.columns where rewardRow.storage[j] == top { mass += Double(T.exp(reference.storage[j])) }
        throw .invalidParameter(
          name: "KL budget", value: kl,
          reason: "out of reach for prompt \(row): its largest KL (β → 0) is \(-Double.log(mass))")
      }
    }
    return out
  }

  /// The single β at which the KL averaged over prompts equals `kl`.
  public static func betaForBatch<T: BLASScalar>(
    forMeanKL kl: Double, referenceLogProbs: Matrix<T>, rewards: Matrix<T>
  ) throws(InfAlignError) -> T {
    T(try betaForMeanKL(kl, referenceLogProbs, rewards))
  }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  static func betaForMeanKL<T: BLASScalar>(
    _ kl: Double, _ referenceLogProbs: Matrix<T>, _ rewards: Matrix<T>
  ) throws(InfAlignError) -> Double {
    guard kl > 0 && kl.isFinite else {
      throw .invalidParameter(name: "KL budget", value: kl, reason: "must be positive and finite")
    }
    let spread = Double((rewards.storage.max() ?? 1) - (rewards.storage.min() ?? 0))
    let centre = Double.log(spread > 0 ? spread : 1)
    func residual(_ logBeta: Double) -> Double {
      guard let p = try? logPolicy(referenceLogProbs: referenceLogProbs, rewards: rewards, betas: [T(Double.exp(logBeta))]),
        let kls = try? TiltedPolicy.kl(logPolicy: p, referenceLogProbs: referenceLogProbs)
      else { return .nan }
      return kls.reduce(0.0) { $0 + Double($1) } / Double(kls.count) - kl
    }
    do {
      let x = try BrentRoot.solve(
        residual, expandingFrom: centre - 1, centre + 1, domain: .bounded(lower: centre - 60, upper: centre + 60),
        absoluteTolerance: 1e-12)
      if abs(residual(x)) <= 1e-6 * kl + (T.self == Float.self ? 1e-4 : 1e-12) { return Double.exp(x) }
      throw MathError.noConvergence(method: "β for KL", iterations: 0, estimate: residual(x), tolerance: 1e-9)
    } catch {
      throw .invalidParameter(
        name: "KL budget", value: kl, reason: "cannot be met by tilting the reference policy over the candidates")
    }
  }
}
