import RealModule

/// The one solver for "the β at which the KL equals a budget", shared by the calibrated-space analysis, the optimal
/// transform and the tilted policy: KL decreases in β, so `log KL(log β) − log budget` (or the plain difference) is
/// root-found by Brent in `log β`, expanding from a starting bracket inside a search domain.
///
/// It tells two failures apart, both typed:
/// - the budget is **out of reach**: outside the KL range the domain's ends reach (or a sign change cannot be
///   bracketed). ``InfAlignError/klBudgetOutOfReach(budget:lowest:highest:context:)`` gives that range.
/// - the root finder **did not converge** to the acceptance tolerance although the budget is inside the range:
///   ``InfAlignError/math(_:)`` with ``MathError/noConvergence(method:iterations:estimate:tolerance:)``.
/// An error thrown by the KL evaluation itself (a density that is not normalizable) is rethrown unchanged.
///
/// Every evaluation is kept, so none is repeated (the acceptance check, the classification at the domain's ends).
/// Two options serve solvers whose `KL(β)` is not smooth (the optimal transform):
/// - ``answer`` `.closest` returns the evaluated `log β` whose KL is closest to the budget instead of Brent's last
///   point (where the KL at a given β is resolved only to ~1e-7, nearby β scatter at that level);
/// - ``jumpError`` stops the search with the error it makes when `KL(β)` jumps over the budget (``jump(in:)``).
package struct KLBudget {
  /// How the residual compares a KL with the budget.
  package enum Residual {
    /// `log KL − log budget` (relative accuracy at every scale).
    case logRatio
    /// `KL − budget`.
    case difference
  }

  /// Which `log β` ``solve(_:)`` returns.
  package enum Answer {
    /// Brent's root.
    case root
    /// The evaluation whose KL is closest to the budget.
    case closest
  }

  /// One evaluation: `KL` at `log β`.
  package typealias Evaluation = (logBeta: Double, kl: Double)

  /// The KL budget, positive and finite.
  package var budget: Double
  /// The first bracket in `log β`.
  package var start: (Double, Double)
  /// Where `log β` may go.
  package var domain: ClosedRange<Double>
  /// Brent's absolute tolerance in `log β`.
  package var tolerance: Double
  /// `|KL − budget| ≤ acceptance` is required of the result.
  package var acceptance: Double
  package var residual: Residual = .logRatio
  package var answer: Answer = .root
  /// When set, an evaluation that forms a jump over the budget with an earlier one (``jump(in:)``) stops the search
  /// with the error this makes of the pair (higher KL first).
  package var jumpError: ((_ high: Evaluation, _ low: Evaluation) -> InfAlignError)? = nil
  /// When set, consulted first when the search fails (before the evaluation's own error and the classification), with
  /// the evaluations made; a non-nil error is thrown as is (the optimal transform names a saturated win rate).
  package var diagnose: ((_ evaluations: [Evaluation]) -> InfAlignError?)? = nil
  /// What is being solved for, printed in messages (e.g. "transform exp:5").
  package var context: String

  package init(
    budget: Double, start: (Double, Double), domain: ClosedRange<Double>, tolerance: Double, acceptance: Double,
    residual: Residual = .logRatio, context: String
  ) {
    (self.budget, self.start, self.domain, self.tolerance) = (budget, start, domain, tolerance)
    (self.acceptance, self.residual, self.context) = (acceptance, residual, context)
  }

  /// Validates a budget: positive and finite.
  package static func validate(_ budget: Double) throws(InfAlignError) {
    guard budget > 0 && budget.isFinite else {
      throw .invalidParameter(name: "KL budget", value: budget, reason: "must be positive and finite")
    }
  }

  /// A jump of `KL(β)` over the budget at the newest evaluation: an earlier one less than 0.05 apart in `log β` whose
  /// KL with the newest brackets the budget, the two differing by a factor above 2 (higher KL first). Where `KL(β)`
  /// is smooth (`|d log KL / d log β|` of order 1) no such pair exists, so it means the solution switched branch in
  /// between (mixtures and other non-concave optimal transforms): no β gives the budget.
  package func jump(in evaluations: [Evaluation]) -> (high: Evaluation, low: Evaluation)? {
    guard let point = evaluations.last else { return nil }
    for other in evaluations.dropLast() where abs(other.logBeta - point.logBeta) <= 0.05 {
      let (low, high) = other.kl < point.kl ? (other, point) : (point, other)
      if low.kl < budget && budget < high.kl && high.kl > 2 * low.kl { return (high, low) }
    }
    return nil
  }

  /// The `log β` meeting the budget, given `kl(log β)`.
  /// - Throws: as described on the type.
  /// - Complexity: typically 10–40 evaluations of `kl`, at most about 260.
  package func solve(_ kl: (Double) throws(InfAlignError) -> Double) throws(InfAlignError) -> Double {
    try Self.validate(budget)
    var failure: InfAlignError? = nil, jumped: InfAlignError? = nil
    var evaluations: [Evaluation] = []
    func evaluate(_ logBeta: Double) throws(InfAlignError) -> Double {
      if let seen = evaluations.first(where: { $0.logBeta == logBeta }) { return seen.kl }
      let value = try kl(logBeta)
      evaluations.append((logBeta, value))
      if let jumpError, let pair = jump(in: evaluations) {
        jumped = jumpError(pair.high, pair.low)
        throw jumped!
      }
      return value
    }
    let target = residual == .logRatio ? Double.log(budget) : budget
    func f(_ logBeta: Double) -> Double {
      do {
        let value = try evaluate(logBeta)
        if value.isNaN { return .nan }
        switch residual {
        case .logRatio: return value > 0 ? Double.log(value) - target : -.infinity
        case .difference: return value - target
        }
      } catch {
        failure = failure ?? error
        return .nan
      }
    }
    var reached = Double.nan, rootFailed = false
    do {
      let x = try BrentRoot.solve(
        f, expandingFrom: start.0, start.1, domain: .bounded(lower: domain.lowerBound, upper: domain.upperBound),
        absoluteTolerance: tolerance)
      var chosen: Evaluation = (x, try evaluate(x))
      if answer == .closest, let closest = evaluations.min(by: { abs($0.kl - budget) < abs($1.kl - budget) }) {
        chosen = closest
      }
      reached = chosen.kl
      if abs(reached - budget) <= acceptance { return chosen.logBeta }
    } catch {
      rootFailed = true
    }
    if let jumped { throw jumped }
    if let diagnose, let error = diagnose(evaluations) { throw error }
    if rootFailed, let failure { throw failure }
    // Classify: the KL range the domain reaches (KL decreases in β).
    let highest = (try? evaluate(domain.lowerBound)) ?? .nan
    let lowest = (try? evaluate(domain.upperBound)) ?? .nan
    if !(budget >= lowest && budget <= highest) {
      throw .klBudgetOutOfReach(budget: budget, lowest: lowest, highest: highest, context: context)
    }
    throw .math(.noConvergence(method: "β for a KL budget (\(context))", iterations: 0, estimate: reached,
                               tolerance: acceptance))
  }
}
