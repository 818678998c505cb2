import InfAlignMath
import RealModule

/// Exact inference-time win rates of a discrete policy over each prompt's candidate set (MATH.md §1), for
/// evaluation: no sampling. The policy and the reference are distributions over the same `K` candidates with known
/// rewards; a procedure serves from each (best-of-N draws N candidates i.i.d. and keeps the best reward), and the
/// win rate is `P(served policy reward > served reference reward) + ½·P(equal)`.
///
/// With the candidates sorted by reward into levels of equal reward, the served CDF at a level is `g(F)` (`F` the
/// CDF of the distribution at that level), so the win rate is `Σ_levels Δg(F_π) · (g_ref(F_ref⁻) + ½·Δg_ref(F_ref))`:
/// exact, ties included, O(K log K) per prompt.
public enum DiscreteWinRate {
  /// Per-prompt inference-time and standard win rates of `exp(logPolicy)` against `exp(referenceLogProbs)`.
  ///
  /// - Parameters:
  ///   - logPolicy: `B × K` normalized log-probabilities of the policy (each row's `exp` sums to 1; rows are not
  ///     renormalized, and CDFs are clamped to 1 against rounding).
  ///   - referenceLogProbs: `B × K` normalized log-probabilities of the reference, likewise.
  ///   - rewards: `B × K` candidate rewards; only their order within a row matters.
  ///   - procedure: the policy side's procedure.
  ///   - reference: the reference side's procedure (default: the same).
  /// - Returns: `winRate[b]` under the procedures and `standard[b]` (one draw each).
  /// - Throws: ``InfAlignError/shapeMismatch(_:)`` for shapes that differ; ``InfAlignError/nonFinite(field:prompt:index:value:)``
  ///   for a NaN/±∞ reward or a NaN/+∞ log-probability (−∞ is a candidate with probability 0).
  /// - Complexity: O(B·K log K); one index buffer for the whole call.
  public static func perPrompt(
    logPolicy: Matrix<Double>, referenceLogProbs: Matrix<Double>, rewards: Matrix<Double>, procedure: Procedure,
    reference: Procedure? = nil
  ) throws(InfAlignError) -> (winRate: [Double], standard: [Double]) {
    let reference = reference ?? procedure
    let k = rewards.columns
    for (name, m) in [("log_policy", logPolicy), ("reference_logprobs", referenceLogProbs)]
    where m.rows != rewards.rows || m.columns != k {
      throw .shapeMismatch("\(name) is \(m.rows)×\(m.columns), the rewards \(rewards.rows)×\(k)")
    }
    for b in 0..<rewards.rows {
      for j in 0..<k {
        let r = rewards[b, j], lp = logPolicy[b, j], lr = referenceLogProbs[b, j]
        if !r.isFinite { throw .nonFinite(field: "reward", prompt: b, index: j, value: r) }
        if lp.isNaN || lp == .infinity { throw .nonFinite(field: "log_policy", prompt: b, index: j, value: lp) }
        if lr.isNaN || lr == .infinity { throw .nonFinite(field: "reference_logprobs", prompt: b, index: j, value: lr) }
      }
    }
    var order = [Int](repeating: 0, count: k)
    var winRates = [Double](repeating: 0, count: rewards.rows), standards = winRates
    for b in 0..<rewards.rows {
      let base = b * k
      for j in 0..<k { order[j] = j }
      rewards.withUnsafeBufferPointer { r in order.sort { r[base + $0] < r[base + $1] } }
      var fP = 0.0, fR = 0.0, w = 0.0, s = 0.0
      var j = 0
      while j < k {
        // One reward level: all candidates tied with order[j].
        var pMass = 0.0, rMass = 0.0
        let level = rewards[b, order[j]]
        while j < k && rewards[b, order[j]] == level {
          pMass += Double.exp(logPolicy[b, order[j]])
          rMass += Double.exp(referenceLogProbs[b, order[j]])
          j += 1
        }
        let fP1 = Swift.min(1, fP + pMass), fR1 = Swift.min(1, fR + rMass)
        let servedP = procedure.value(fP1) - procedure.value(fP)
        let servedR0 = reference.value(fR), servedR1 = reference.value(fR1)
        w += servedP * (servedR0 + 0.5 * (servedR1 - servedR0))
        s += pMass * (fR + 0.5 * rMass)
        (fP, fR) = (fP1, fR1)
      }
      winRates[b] = w
      standards[b] = s
    }
    return (winRates, standards)
  }

  /// The prompt-averaged inference-time and standard win rates (see ``perPrompt(logPolicy:referenceLogProbs:rewards:procedure:reference:)``).
  public static func mean(
    logPolicy: Matrix<Double>, referenceLogProbs: Matrix<Double>, rewards: Matrix<Double>, procedure: Procedure,
    reference: Procedure? = nil
  ) throws(InfAlignError) -> (winRate: Double, standard: Double) {
    let r = try perPrompt(logPolicy: logPolicy, referenceLogProbs: referenceLogProbs, rewards: rewards,
                          procedure: procedure, reference: reference)
    let b = Double(Swift.max(1, rewards.rows))
    return (r.winRate.reduce(0, +) / b, r.standard.reduce(0, +) / b)
  }
}
