/// A percentile bootstrap confidence interval for a mean over prompts.
public struct BootstrapInterval: Sendable, Equatable {
  /// The mean of the values.
  public var estimate: Double
  /// Percentile bounds of the resampled means.
  public var lower: Double
  public var upper: Double
  /// Standard deviation of the resampled means.
  public var standardError: Double
  public var level: Double
  public var resamples: Int
}

/// Seeded, reproducible bootstrap over prompts (resampling prompts with replacement).
public enum Bootstrap {
  /// The percentile interval of the mean of `values` at `level`, from `resamples` resamples drawn with
  /// `Xoshiro256StarStar(seed:)`.
  ///
  /// Values of any finite magnitude give finite bounds: when they exceed 1e150 the resampling runs on the values
  /// divided by the largest magnitude (so no sum or square overflows) and the results are scaled back.
  ///
  /// - Throws: ``InfAlignError/invalidParameter(name:value:reason:)`` for no values, fewer than 2 resamples or a
  ///   level outside (0, 1); ``InfAlignError/nonFinite(field:prompt:index:value:)`` naming the first value (its
  ///   prompt) that is NaN or ±∞.
  /// - Complexity: O(resamples × values.count).
  public static func meanInterval(
    _ values: [Double], resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0
  ) throws(InfAlignError) -> BootstrapInterval {
    if values.isEmpty { throw .invalidParameter(name: "values", value: 0, reason: "need at least one value") }
    if resamples < 2 { throw .invalidParameter(name: "resamples", value: Double(resamples), reason: "need at least 2") }
    if !(level > 0 && level < 1) { throw .invalidParameter(name: "level", value: level, reason: "must be in (0, 1)") }
    var largest = 0.0
    for (i, v) in values.enumerated() {
      guard v.isFinite else { throw .nonFinite(field: "bootstrap value", prompt: i, index: 0, value: v) }
      largest = Swift.max(largest, abs(v))
    }
    if largest > 1e150 {
      let r = try meanInterval(values.map { $0 / largest }, resamples: resamples, level: level, seed: seed)
      return BootstrapInterval(
        estimate: r.estimate * largest, lower: r.lower * largest, upper: r.upper * largest,
        standardError: r.standardError * largest, level: level, resamples: resamples)
    }
    var g = Xoshiro256StarStar(seed: seed)
    let n = values.count
    var means = [Double](repeating: 0, count: resamples)
    for r in 0..<resamples {
      var sum = 0.0
      for _ in 0..<n { sum += values[Int.random(in: 0..<n, using: &g)] }
      means[r] = sum / Double(n)
    }
    means.sort()
    let alpha = (1 - level) / 2
    func quantile(_ q: Double) -> Double {
      let position = q * Double(resamples - 1)
      let lo = Int(position.rounded(.down)), hi = Swift.min(lo + 1, resamples - 1)
      return means[lo] + (means[hi] - means[lo]) * (position - Double(lo))
    }
    let mean = means.reduce(0, +) / Double(resamples)
    let se = (means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(resamples - 1)).squareRoot()
    return BootstrapInterval(
      estimate: values.reduce(0, +) / Double(n), lower: quantile(alpha), upper: quantile(1 - alpha), standardError: se,
      level: level, resamples: resamples)
  }
}
