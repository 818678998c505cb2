import RealModule

/// Panels of the calibrated-space quadrature: their edges, when one may be halved, and the masses tabulated on them.
extension CalibratedQuadrature {
  /// Panel edges on [0, ½] in one half's coordinate: halving from ½ down to `10⁻²/slope` (at least one panel
  /// below 1e-2, at most down to 1e-300; 1e-16 for an infinite slope, 1e-300 for a singular end), plus kinks.
  static func edges(slope: Double, singular: Bool = false, kinks: [Double]) -> [Double] {
    let finest: Double
    if singular {
      finest = 1e-300
    } else if slope.isNaN || slope == .infinity {
      finest = 1e-16
    } else {
      finest = Swift.min(1e-2, Swift.max(1e-300, 1e-2 / Swift.max(slope, 1e-300)))
    }
    var edges: [Double] = [0.5]
    var w = 0.25
    while w > finest {
      edges.append(w)
      w /= 2
    }
    edges.append(w)
    edges.append(0)
    edges.append(contentsOf: kinks)
    edges.sort()
    var unique: [Double] = []
    for x in edges where unique.last.map({ x > $0 }) ?? true { unique.append(x) }
    return unique
  }

  /// Whether halving `panel` still gives distinct, normal node positions (widths above 4e-300 and 1e-12 of the
  /// panel's distance from its end).
  @inline(__always)
  static func canSplit(_ panel: Panel) -> Bool {
    panel.b - panel.a > 1e-300 * 4 && (panel.b - panel.a) > panel.a * 1e-12
  }

  /// The largest of `values[offset ..< offset + n]` (one panel's nodes, in log scale) and their spread, largest
  /// minus smallest: `+∞` when some but not all are −∞ (a cliff into a vanishing density), 0 when all are.
  @inline(__always)
  static func extent(_ values: [Double], _ offset: Int, _ n: Int) -> (hi: Double, spread: Double) {
    var hi = -Double.infinity, lo = Double.infinity, vanishes = false
    for i in 0..<n {
      let h = values[offset + i]
      hi = Swift.max(hi, h)
      if h == -.infinity { vanishes = true } else { lo = Swift.min(lo, h) }
    }
    return (hi, vanishes && hi > -.infinity ? Double.infinity : (lo.isFinite ? hi - lo : 0))
  }

  /// Masses on sorted panels (lower half by increasing `u`, then upper half by increasing `s`), relative to
  /// `exp(shift)` (default: the largest log density): per node `e = exp(h − shift)`, the cumulative mass from its
  /// half's end up to the node, each half's total, and `∫ e·(h − shift)`.
  /// - Complexity: O(nodes · order).
  static func accumulate(panels: [Panel], hs: [Double], gl: CumulativeGaussLegendre, shift given: Double? = nil)
    -> (shift: Double, e: [Double], cumulative: [Double], lowerTotal: Double, upperTotal: Double, firstMoment: Double)
  {
    let n = order
    var shift = -Double.infinity
    if let given {
      shift = given
    } else {
      for panel in panels { for i in 0..<n { shift = Swift.max(shift, hs[panel.offset + i]) } }
    }
    let count = panels.count * n
    var e = [Double](repeating: 0, count: count)
    var cumulative = [Double](repeating: 0, count: count)
    var lowerTotal = 0.0, upperTotal = 0.0, firstMoment = 0.0
    guard shift > -.infinity else { return (shift, e, cumulative, 0, 0, 0) }
    var node = 0
    var running = 0.0
    for (index, panel) in panels.enumerated() {
      if index > 0 && panel.upper != panels[index - 1].upper {
        lowerTotal = running
        running = 0
      }
      let half = (panel.b - panel.a) / 2
      let start = node
      for i in 0..<n {
        let h = hs[panel.offset + i]
        let v = Double.exp(h - shift)
        e[start + i] = v
        if v > 0 { firstMoment += half * gl.rule.weights[i] * v * (h - shift) }
      }
      var panelMass = 0.0
      for i in 0..<n {
        var c = 0.0
        for j in 0..<n { c += gl.matrix[i * n + j] * e[start + j] }
        cumulative[start + i] = running + half * c
        panelMass += half * gl.rule.weights[i] * e[start + i]
      }
      running += panelMass
      node += n
    }
    if panels.last?.upper == true { upperTotal = running } else { lowerTotal = running }
    return (shift, e, cumulative, lowerTotal, upperTotal, firstMoment)
  }
}
