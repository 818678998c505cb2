import RealModule

// Mixtures: the constructor and the one rule every evaluation of a mixture uses (value, derivative, log-derivative,
// and their CDF-and-survival forms).
extension Procedure {
  /// The mixture `Σ wᵢ gᵢ`: with probability `wᵢ` the procedure `gᵢ` is used. Components that are mixtures are
  /// flattened (their weights multiplied in); order is kept.
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for no components, a weight that is not
  ///   finite and positive (`weight[i]`), or weights whose sum is not 1 within ``weightSumTolerance``.
  public static func mixture(_ components: [(weight: Double, procedure: Procedure)]) throws(InfAlignError)
    -> Procedure
  {
    guard !components.isEmpty else {
      throw .invalidParameter(name: "mixture component count", value: 0, reason: "a mixture needs components")
    }
    var flat: [Component] = []
    var sum = 0.0
    for (i, c) in components.enumerated() {
      guard c.weight.isFinite, c.weight > 0 else {
        throw .invalidParameter(name: "weight[\(i)]", value: c.weight, reason: "must be finite and > 0")
      }
      sum += c.weight
      if case let .mixture(inner) = c.procedure.kind {
        for d in inner { flat.append(Component(weight: c.weight * d.weight, procedure: d.procedure)) }
      } else {
        flat.append(Component(weight: c.weight, procedure: c.procedure))
      }
    }
    guard abs(sum - 1) <= weightSumTolerance else {
      throw .invalidParameter(
        name: "mixture weight sum", value: sum, reason: "weights must sum to 1 (within \(weightSumTolerance))")
    }
    return Procedure(kind: .mixture(flat))
  }

  /// `Σ wᵢ·f(gᵢ) / Σ wᵢ` over a mixture's components, summed in their order: the mixture's value of any quantity
  /// that is linear in the CDF map (`g`, `g'`). Dividing by the sum keeps the result exact for weights that sum to
  /// 1 only within ``weightSumTolerance``.
  /// - Complexity: one call of `f` per component.
  static func mixtureMean(_ components: [Component], _ f: (Procedure) -> Double) -> Double {
    var total = 0.0, weights = 0.0
    for c in components {
      total += c.weight * f(c.procedure)
      weights += c.weight
    }
    return total / weights
  }

  /// `log(Σ wᵢ·exp(logf(gᵢ)) / Σ wᵢ)`, the log-space form of ``mixtureMean(_:_:)``, by a max-shifted
  /// log-sum-exp (no underflow when every `logf` is very negative); `−∞` when every term is `−∞`.
  /// - Complexity: two calls of `logf` per component (no allocation).
  static func mixtureLogMean(_ components: [Component], _ logf: (Procedure) -> Double) -> Double {
    var shift = -Double.infinity, weights = 0.0
    for c in components {
      shift = Swift.max(shift, Double.log(c.weight) + logf(c.procedure))
      weights += c.weight
    }
    if shift == -.infinity { return shift }
    var total = 0.0
    for c in components { total += Double.exp(Double.log(c.weight) + logf(c.procedure) - shift) }
    return shift + Double.log(total / weights)
  }
}
