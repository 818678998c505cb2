import ArgumentParser
import Foundation

/// How results are printed: an aligned table, JSON (one object per row, one per line), or CSV with a header.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, csv
}

/// A value in an output row.
enum Field {
  case string(String)
  case number(Double)
  case integer(Int)
  case array([Double])

  var text: String {
    switch self {
    case let .string(s): return s
    case let .number(x): return Field.format(x)
    case let .integer(i): return String(i)
    case let .array(xs): return "[" + xs.map(Field.format).joined(separator: ", ") + "]"
    }
  }

  /// For aligned text tables: numbers to 8 significant digits (JSON and CSV keep full precision).
  var display: String {
    if case let .number(x) = self { return String(format: "%.8g", x) }
    return text
  }

  var json: String {
    switch self {
    case let .string(s): return Field.jsonString(s)
    case let .number(x): return Field.jsonNumber(x)
    case let .integer(i): return String(i)
    case let .array(xs): return "[" + xs.map(Field.jsonNumber).joined(separator: ",") + "]"
    }
  }

  /// Shortest round-tripping decimal; integers without ".0".
  static func format(_ x: Double) -> String { "\(x)" }

  static func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
      }
    }
    return out + "\""
  }
}

/// One output row: ordered (key, value) pairs with snake_case keys.
typealias Row = [(key: String, value: Field)]

enum Render {
  /// Renders rows in `format`. JSON prints one object per line.
  static func rows(_ rows: [Row], as format: OutputFormat) -> String {
    guard let first = rows.first else { return "" }
    switch format {
    case .json:
      return rows.map { row in "{" + row.map { "\(Field.jsonString($0.key)):\($0.value.json)" }.joined(separator: ",") + "}" }
        .joined(separator: "\n") + "\n"
    case .csv:
      let header = first.map(\.key).joined(separator: ",")
      let lines = rows.map { row in row.map { csvEscape($0.value.text) }.joined(separator: ",") }
      return ([header] + lines).joined(separator: "\n") + "\n"
    case .text:
      let keys = first.map(\.key)
      let cells = rows.map { $0.map(\.value.display) }
      var widths = keys.map(\.count)
      for row in cells { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
      func line(_ items: [String]) -> String {
        items.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
          .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
      }
      return ([line(keys)] + cells.map(line)).joined(separator: "\n") + "\n"
    }
  }

  static func csvEscape(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }
}
