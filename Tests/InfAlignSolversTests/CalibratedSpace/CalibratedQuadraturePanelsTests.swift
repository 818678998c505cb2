@testable import InfAlignSolvers
import Testing

/// Panel edges on one half: 0 and ½, halvings of ¼ down to the finest width `10⁻²/slope` (clamped to
/// [1e-300, 1e-2]; 1e-16 for an infinite slope, 1e-300 for a singular end), and the kinks; sorted, no repeats.
@Test func panelEdgesHalveDownToTheFinestWidth() {
  for (slope, singular, finest) in [(1.0, false, 1e-2), (1e4, false, 1e-6), (.infinity, false, 1e-16), (1.0, true, 1e-300),
                                    (1e305, false, 1e-300)] {
    let edges = CalibratedQuadrature.edges(slope: slope, singular: singular, kinks: [0.3, 0.125])
    #expect(edges.first == 0 && edges.last == 0.5)
    #expect(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "sorted and distinct")
    #expect(edges.contains(0.3) && edges.contains(0.125) && edges.contains(0.25))
    // Every power-of-two edge from ¼ down, the smallest at or just below the finest width.
    let halvings = edges.filter { $0 > 0 && $0 != 0.3 && $0 != 0.5 }
    #expect(halvings.allSatisfy { $0.significand == 1 }, "powers of two")
    let smallest = halvings.min()!
    #expect(smallest <= finest && smallest > finest / 2, "slope \(slope): smallest edge \(smallest), finest \(finest)")
    #expect(halvings.count == Int((-smallest.exponent).magnitude) - 1, "one edge per halving")
  }
}

/// A panel's extent against its definition, for finite values, a cliff into −∞, and a vanished panel.
@Test func panelExtentIsMaxAndSpread() {
  let values: [Double] = [1.0, -3, 2.5, 0,  /* cliff: */ -1, -.infinity, 4, 0,  /* vanished: */ -.infinity, -.infinity, -.infinity, -.infinity]
  let finite = CalibratedQuadrature.extent(values, 0, 4)
  #expect(finite.hi == 2.5 && finite.spread == 5.5)
  let cliff = CalibratedQuadrature.extent(values, 4, 4)
  #expect(cliff.hi == 4 && cliff.spread == Double.infinity)
  let vanished = CalibratedQuadrature.extent(values, 8, 4)
  #expect(vanished.hi == -.infinity && vanished.spread == 0)
}
