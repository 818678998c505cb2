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

  /// The β per prompt at which that prompt's KL equals `kl` (KL decreases in β; the shared `KLBudget` solver,
  /// Brent in log β).
  ///
  /// - Throws: ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` naming the prompt, with the
  ///   largest KL it can reach (`−log` of its best candidates' total reference mass, as β → 0); otherwise as
  ///   ``betaForBatch(forMeanKL:referenceLogProbs:rewards:)``.
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
        out.append(T(try betaForMeanKL(kl, refRow, rewardRow, context: "prompt \(row)")))
      } catch {
        guard case .klBudgetOutOfReach = error else { throw error }
        let reference = try normalized(refRow)
        let top = rewardRow.storage.max() ?? 0
        var mass = 0.0
        for j in 0..<rewards.columns where rewardRow.storage[j] == top { mass += Double(T.exp(reference.storage[j])) }
        throw .klBudgetOutOfReach(budget: kl, lowest: 0, highest: -Double.log(mass), context: "prompt \(row)")
      }
    }
    return out
  }

  /// The single β at which the KL averaged over prompts equals `kl`.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for a budget that is not positive and finite;
  ///   ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` with the range β reaches;
  ///   ``InfAlignError/math(_:)`` when the budget is inside that range but the solve does not converge.
  public static func betaForBatch<T: BLASScalar>(
    forMeanKL kl: Double, referenceLogProbs: Matrix<T>, rewards: Matrix<T>
  ) throws(InfAlignError) -> T {
    T(try betaForMeanKL(kl, referenceLogProbs, rewards, context: "the tilted reference policy"))
  }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  static func betaForMeanKL<T: BLASScalar>(
    _ kl: Double, _ referenceLogProbs: Matrix<T>, _ rewards: Matrix<T>, context: String
  ) throws(InfAlignError) -> Double {
    try KLBudget.validate(kl)
    let spread = Double((rewards.storage.max() ?? 1) - (rewards.storage.min() ?? 0))
    let centre = Double.log(spread > 0 ? spread : 1)
    let solver = KLBudget(
      budget: kl, start: (centre - 1, centre + 1), domain: (centre - 60)...(centre + 60), tolerance: 1e-12,
      acceptance: 1e-6 * kl + (T.self == Float.self ? 1e-4 : 1e-12), residual: .difference,
      context: "\(context) over its candidates")
    let x = try solver.solve { (logBeta: Double) throws(InfAlignError) -> Double in
      let p = try logPolicy(referenceLogProbs: referenceLogProbs, rewards: rewards, betas: [T(Double.exp(logBeta))])
      let kls = try TiltedPolicy.kl(logPolicy: p, referenceLogProbs: referenceLogProbs)
      return kls.reduce(0.0) { $0 + Double($1) } / Double(kls.count)
    }
    return Double.exp(x)
  }
}
