import RealModule

/// Transform values relative to the top, `Φ(u) − Φ(1)`, computed without cancellation: the calibrated-space
/// analysis needs `h = Φ/β` to ~1e-16 *relative to its value at u = 1*, where peaked densities keep their mass, even
/// when `Φ(1)/β` is 1e25.
extension Transform {
  /// `Φ(1)`.
  var topValue: Double { value(1) }

  /// `Φ(u) − Φ(1)` for `u ∈ [0, 1]` (the lower half uses this form).
  func differenceFromTop(_ u: Double) -> Double {
    switch kind {
    case .identity:
      return u - 1
    case let .exponential(t):
      return Double.exp(t) * Double.expMinusOne(t * (u - 1))
    case let .negativeExponential(t):
      return -Double.exp(-t) * Double.expMinusOne(t * (1 - u))
    case let .power(p):
      return Double.expMinusOne(p * Double.log(u))
    default:
      return value(u) - topValue
    }
  }

  /// `Φ(1 − s) − Φ(1)` for `s ∈ [0, 1]`, without forming `1 − s` where the kind allows.
  func differenceFromTop(complement s: Double) -> Double {
    switch kind {
    case .identity:
      return -s
    case let .exponential(t):
      return Double.exp(t) * Double.expMinusOne(-t * s)
    case let .negativeExponential(t):
      return -Double.exp(-t) * Double.expMinusOne(t * s)
    case let .power(p):
      return Double.expMinusOne(p * Double.log(onePlus: -s))
    case let .log(epsilon):
      // log(max(1 − s, ε)) − log(1); 1 − s ≥ ε unless s > 1 − ε.
      return 1 - s >= epsilon ? Double.log(onePlus: -s) : Double.log(epsilon)
    case let .logit(epsilon):
      // logit(clamp(1 − s, ε, 1 − ε)) − logit(1 − ε).
      let v = Swift.max(s, epsilon)
      let top = Double.log((1 - epsilon) / epsilon)
      return (v >= 1 - epsilon ? Double.log(epsilon / (1 - epsilon)) : Double.log((1 - v) / v)) - top
    default:
      return value(1 - s) - topValue
    }
  }

  /// `|Φ'|` at `u = 0` and `u = 1` (∞ where it is unbounded), used to grade panels toward the ends.
  var endSlopes: (atZero: Double, atOne: Double) {
    (abs(derivative(0)), abs(derivative(1)))
  }

  /// Interior points where `Φ` has kinks (grid points of a tabulated transform, the clamp points of smoothed
  /// log/logit), to be used as panel edges.
  var kinks: [Double] {
    switch kind {
    case let .tabulated(table): return table.grid.filter { $0 > 0 && $0 < 1 }
    case let .log(epsilon): return epsilon > 0 && epsilon < 1 ? [epsilon] : []
    case let .logit(epsilon): return epsilon > 0 && epsilon < 0.5 ? [epsilon, 1 - epsilon] : []
    default: return []
    }
  }
}
