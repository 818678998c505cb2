/// How calibrated rewards are computed from mid-rank counts (MATH.md §2).
public struct CalibrationOptions: Sendable, Hashable {
  /// The queries are the references themselves (same prompt, same values): each query's own occurrence is
  /// removed, giving `(#less + ½·(#equal − 1)) / (M − 1)`. Needs `M ≥ 2` for every prompt.
  public var leaveOneOut: Bool
  /// Keep values off 0 and 1 (before a `log`/`logit` or an unbounded transform): `(count + ½) / (M + 1)`, or
  /// `(count + ½) / M` with leave-one-out.
  public var smoothing: Bool

  public init(leaveOneOut: Bool = false, smoothing: Bool = false) {
    self.leaveOneOut = leaveOneOut
    self.smoothing = smoothing
  }
}

/// The one formula from a mid-rank count to a calibrated reward (MATH.md §2), shared by every calibration path
/// (``CalibrationTable``, ``OneShotCalibration``, ``CTRLStep``): `(count + offset) / denominator` with
///
/// | options | value |
/// |---|---|
/// | plain | `count / M` |
/// | smoothing | `(count + ½) / (M + 1)` |
/// | leave-one-out | `(count − ½) / (M − 1)` (the query's own occurrence adds ½ to its count) |
/// | leave-one-out + smoothing | `count / M` |
///
/// where `count = #less + ½·#equal` against the prompt's `M` references. It divides (rather than multiplying by a
/// rounded reciprocal) so that e.g. 4.5/5 is exactly the nearest value to 0.9. Leave-one-out needs `M ≥ 2` (the
/// callers check it and name the prompt); with `M = 1` the plain formula still divides by `M − 1 = 0`.
@usableFromInline
struct MidRankScale<T: BLASScalar> {
  @usableFromInline let offset: T
  @usableFromInline let denominator: T

  /// The scale for `m` references of one prompt under `options`.
  @inlinable
  init(_ options: CalibrationOptions, references m: Int) {
    let loo = options.leaveOneOut
    let effective = loo ? m - 1 : m
    offset = (options.smoothing ? 0.5 : 0) - (loo ? 0.5 : 0)
    denominator = T(options.smoothing ? effective + 1 : effective)
  }

  /// The calibrated value of a mid-rank `count`.
  @inlinable @inline(__always)
  func callAsFunction(_ count: T) -> T { (count + offset) / denominator }
}
