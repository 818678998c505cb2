import Foundation

/// A small SVG line chart: one `<path>` per series, labelled axes with ticks, and a legend. Readable in any
/// browser; no dependencies.
struct SVGChart {
  struct Series {
    var name: String
    var points: [(x: Double, y: Double)]
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var series: [Series]
  var width = 720.0
  var height = 460.0

  private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

  func render() -> String {
    let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
    // Every coordinate written is finite: points outside what the axes can hold are left out.
    let (x0, x1) = Self.range(all.map(\.x))
    let (y0, y1) = Self.range(all.map(\.y))
    let left = 70.0, right = 190.0, top = 40.0, bottom = 55.0
    let plotW = width - left - right, plotH = height - top - bottom
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
    func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
    var svg = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="white"/>
      <text x="\(left + plotW / 2)" y="22" text-anchor="middle" font-size="15">\(Self.escape(title))</text>

      """
    // Axes, ticks and grid.
    svg += "<g stroke=\"#444\" stroke-width=\"1\">"
    svg += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\"/>"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\"/></g>\n"
    for t in Self.ticks(x0, x1) {
      svg += "<line x1=\"\(px(t))\" y1=\"\(top)\" x2=\"\(px(t))\" y2=\"\(top + plotH)\" stroke=\"#ddd\"/>"
      svg += "<text x=\"\(px(t))\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
    }
    for t in Self.ticks(y0, y1) {
      svg += "<line x1=\"\(left)\" y1=\"\(py(t))\" x2=\"\(left + plotW)\" y2=\"\(py(t))\" stroke=\"#ddd\"/>"
      svg += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(Self.label(t))</text>\n"
    }
    svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 14)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
    svg += "<text transform=\"translate(18 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">"
      + "\(Self.escape(yLabel))</text>\n"
    // Series and legend.
    for (i, s) in series.enumerated() {
      let color = Self.palette[i % Self.palette.count]
      let points = s.points.filter { px($0.x).isFinite && py($0.y).isFinite }
      let d = points.enumerated().map { j, p in "\(j == 0 ? "M" : "L")\(Self.round(px(p.x))),\(Self.round(py(p.y)))" }
        .joined(separator: " ")
      svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"><title>\(Self.escape(s.name))</title></path>\n"
      let ly = top + 10 + Double(i) * 20
      svg += "<line x1=\"\(left + plotW + 15)\" y1=\"\(ly)\" x2=\"\(left + plotW + 40)\" y2=\"\(ly)\" stroke=\"\(color)\" "
        + "stroke-width=\"2\"/><text x=\"\(left + plotW + 46)\" y=\"\(ly + 4)\">\(Self.escape(s.name))</text>\n"
    }
    return svg + "</svg>\n"
  }

  /// The axis range of `values` with a 4% margin, never narrower than ~1e-9 of their magnitude (so a range one
  /// ulp wide still has distinct ticks) and never wider than Double can subtract.
  static func range(_ values: [Double]) -> (Double, Double) {
    let finite = values.filter { $0.isFinite && abs($0) <= 1e300 }
    guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
    let minimumSpan = Swift.max(Swift.max(abs(lo), abs(hi)) * 1e-9, 1e-300)
    if hi - lo < minimumSpan {
      let mid = lo / 2 + hi / 2
      return (mid - minimumSpan / 2 - minimumSpan * 0.04, mid + minimumSpan / 2 + minimumSpan * 0.04)
    }
    let pad = (hi - lo) * 0.04
    return (lo - pad, hi + pad)
  }

  /// About six "nice" ticks (1, 2, 5 × 10^k steps) inside [lo, hi]; at most 20, whatever the range.
  static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
    let raw = (hi - lo) / 6
    guard raw.isFinite, raw > 0 else { return [] }
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    guard step.isFinite, step > 0 else { return [] }
    let first = ceil(lo / step)
    var out: [Double] = []
    for k in 0..<20 {
      let t = (first + Double(k)) * step
      if !(t <= hi + step * 1e-9) { break }
      out.append(abs(t) < step * 1e-9 ? 0 : t)
    }
    return out
  }

  static func label(_ x: Double) -> String {
    let s = String(format: "%.4g", x)
    return s
  }

  static func round(_ x: Double) -> String { String(format: "%.2f", x) }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// Writes the chart atomically, refusing to overwrite one of `inputs`.
  func write(to path: String, inputs: [String] = []) throws {
    let file = try OutputFile(path: path, inputs: inputs)
    try file.write(render())
    try file.commit()
  }
}
