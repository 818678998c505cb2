import CInfAlignIO
import Testing
@testable import infalign

private func parse(_ text: String) -> Double? {
  var value = 0.0
  var text = text
  let ok = text.withUTF8 { bytes in
    bytes.withMemoryRebound(to: CChar.self) { infalign_parse_double($0.baseAddress, $0.count, &value) }
  }
  return ok != 0 ? value : nil
}

@Test func cellNumbersParseExactlyAsStrtod() {
  var rng = SystemRandomNumberGenerator()
  for _ in 0..<100_000 {
    // Decimals of every length around the fast path's 15-digit and 1e22 limits, with exponents and signs.
    let digits = (0..<Int.random(in: 1...20, using: &rng)).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
    let point = Int.random(in: 0...digits.count, using: &rng)
    var text = String(digits.prefix(point)) + (Bool.random(using: &rng) ? "." : "") + String(digits.dropFirst(point))
    if Bool.random(using: &rng) { text += "e\(Int.random(in: -30...30, using: &rng))" }
    if Bool.random(using: &rng) { text = "-" + text }
    let expected = Double(text)
    let got = parse(text)
    #expect(got?.bitPattern == expected?.bitPattern, "\(text)")
  }
  for text in ["", ".", "-", "e5", "1e", "1,5", " 1", "1 ", "0x10", "nan", "inf"] {
    #expect(parse(text)?.bitPattern == Double(text)?.bitPattern || parse(text) == nil, "\(text)")
  }
  #expect(parse("1,5") == nil && parse(" 1") == nil && parse("") == nil)
}
