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
package struct KLBudget {
  /// How the residual compares a KL with the budget.
  package enum Residual {
    /// `log KL − log budget` (relative accuracy at every scale).
    case logRatio
    /// `KL − budget`.
    case difference
  }

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

  /// The `log β` meeting the budget, given `kl(log β)`.
  /// - Throws: as described on the type.
  /// - Complexity: typically 10–40 evaluations of `kl`, at most about 260.
  package func solve(_ kl: (Double) throws(InfAlignError) -> Double) throws(InfAlignError) -> Double {
    try Self.validate(budget)
    var failure: InfAlignError? = nil
    let target = residual == .logRatio ? Double.log(budget) : budget
    func f(_ logBeta: Double) -> Double {
      do {
        let value = try kl(logBeta)
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
    var reached = Double.nan
    do {
      let x = try BrentRoot.solve(
        f, expandingFrom: start.0, start.1, domain: .bounded(lower: domain.lowerBound, upper: domain.upperBound),
        absoluteTolerance: tolerance)
      reached = try kl(x)
      if abs(reached - budget) <= acceptance { return x }
    } catch {
      if let failure { throw failure }
    }
    // Classify: the KL range the domain reaches (KL decreases in β).
    let highest = (try? kl(domain.lowerBound)) ?? .nan
    let lowest = (try? kl(domain.upperBound)) ?? .nan
    if !(budget >= lowest && budget <= highest) {
      throw .klBudgetOutOfReach(budget: budget, lowest: lowest, highest: highest, context: context)
    }
    throw .math(.noConvergence(method: "β for a KL budget (\(context))", iterations: 0, estimate: reached,
                               tolerance: acceptance))
  }
}
