import Foundation
import Testing
@testable import infalign

private func numbersAreFinite(_ svg: String) -> Bool {
  !svg.contains("nan") && !svg.contains("inf")
}

@Test func chartsOfDegenerateRangesFinishWithFiniteCoordinates() {
  let one = 1.0, next = 1.0.nextUp
  let cases: [[(x: Double, y: Double)]] = [
    [(one, 0.5), (next, 0.5)],  // one ulp wide: used to loop in the tick code
    [(0.25, 1), (4, 1)],  // saturated: every win rate 1
    [(0.5, .nan), (1, .infinity), (2, 0.9)],
    [(-1e308, 0), (1e308, 1)],  // a span Double cannot hold
    [(.nan, .nan)],
    [],
  ]
  for points in cases {
    let svg = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: points)]).render()
    #expect(numbersAreFinite(svg), "\(points)")
    #expect(svg.hasSuffix("</svg>\n"))
  }
  #expect(SVGChart.ticks(one, next).count <= 20)
  #expect(SVGChart.ticks(0, 0).isEmpty && SVGChart.ticks(.nan, 1).isEmpty)
}
