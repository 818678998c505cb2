import RealModule

/// A one-parameter family of transforms, for tuning at a KL budget.
public enum TransformFamily: String, Sendable, CaseIterable {
  /// `exp(t·u)`, suited to best-of-N.
  case exponential = "exp"
  /// `−exp(−t·u)`, suited to worst-of-N.
  case negativeExponential = "negexp"
  /// `u^p`.
  case power

  /// The member with parameter `x`.
  public func transform(_ x: Double) throws(InfAlignError) -> Transform {
    switch self {
    case .exponential: return try .exponential(rate: x)
    case .negativeExponential: return try .negativeExponential(rate: x)
    case .power: return try .power(x)
    }
  }

  /// The parameter range scanned first by ``ParametricTuning/tune(family:kl:procedure:reference:range:)``.
  public var defaultRange: ClosedRange<Double> {
    switch self {
    case .exponential, .negativeExponential: return 1e-2...500
    case .power: return 0.05...50
    }
  }

  /// How far the default scan may be extended when its best point is its upper end: `t` up to 20,000 for
  /// exp/negexp (the analysis is exact there at the scaled weight, see ``Transform/logScale``); no extension for
  /// power.
  public var extendedUpperBound: Double {
    switch self {
    case .exponential, .negativeExponential: return 20_000
    case .power: return 50
    }
  }
}

/// The best member of a transform family at a KL budget.
public struct TunedTransform: Sendable {
  public let family: TransformFamily
  public let parameter: Double
  public let point: CalibratedPoint
}

/// Tuning a parametric transform: the parameter that maximizes the inference-time win rate when each member is
/// run at its own β meeting the KL budget (MATH.md §4).
public enum ParametricTuning {
  /// A coarse scan over `range` in log scale (25 points), then Brent maximization of the win rate in log-parameter
  /// around the best scanned point (to 1e-8 relative in the parameter). With the default range, a best point at
  /// its upper end extends the scan upward to ``TransformFamily/extendedUpperBound`` while the win rate grows (the
  /// best `exp:t` for best-of-32 at KL 4 is past `t = 500`).
  ///
  /// - Throws: ``InfAlignError`` from the β solves (a budget out of reach for every member).
  public static func tune(
    family: TransformFamily, kl: Double, procedure: Procedure, reference: Procedure? = nil,
    range: ClosedRange<Double>? = nil
  ) throws(InfAlignError) -> TunedTransform {
    let range = range ?? family.defaultRange
    let lo = Double.log(range.lowerBound), hi = Double.log(range.upperBound)
    var cache: [Double: CalibratedPoint] = [:]
    func point(_ logX: Double) throws(InfAlignError) -> CalibratedPoint {
      if let p = cache[logX] { return p }
      let p = try CalibratedSpace.analyze(
        transform: family.transform(Double.exp(logX)), kl: kl, procedure: procedure, reference: reference)
      cache[logX] = p
      return p
    }
    let steps = 24
    var best = -1, bestValue = -Double.infinity
    var firstError: InfAlignError? = nil
    var grid: [Double] = []
    for i in 0...steps {
      let x = lo + (hi - lo) * Double(i) / Double(steps)
      grid.append(x)
      do {
        let w = try point(x).winRate
        if w > bestValue { bestValue = w; best = i }
      } catch {
        firstError = firstError ?? error
      }
    }
    guard best >= 0 else { throw firstError! }
    // The default scan's best at its upper end: keep stepping up (same log step) while the win rate grows.
    var last = steps
    if range == family.defaultRange && best == steps {
      let step = (hi - lo) / Double(steps), limit = Double.log(family.extendedUpperBound)
      while best == last && grid[last] + step <= limit + 1e-9 {
        let x = grid[last] + step
        grid.append(x)
        last += 1
        if let w = try? point(x).winRate, w > bestValue { bestValue = w; best = last }
      }
    }
    let a = grid[Swift.max(best - 1, 0)], b = grid[Swift.min(best + 1, last)]
    var failure: InfAlignError? = nil
    var refinedX = grid[best]
    if a < b {
      do {
        let r = try BrentMinimize.minimize({ (x: Double) -> Double in
          do throws(InfAlignError) { return -(try point(x).winRate) } catch { failure = error; return .infinity }
        }, in: a, b, tolerance: 1e-8)
        if -r.value >= bestValue { refinedX = r.x }
      } catch {
        if let failure { throw failure }
      }
    }
    return TunedTransform(family: family, parameter: Double.exp(refinedX), point: try point(refinedX))
  }
}
