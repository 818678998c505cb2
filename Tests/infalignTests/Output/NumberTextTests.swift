import Testing
@testable import infalign

private func formatted(_ x: Double) -> String {
  var buffer = ByteBuffer(capacity: 8)
  buffer.append(number: x)
  return String(decoding: buffer.bytes, as: UTF8.self)
}

@Test func numbersPrintWhatDescriptionPrints() {
  var special: [Double] = [0, -0.0, 1, -1, 0.5, 1e16, 1e15, 9007199254740992, 1e-4, 1e-5, 123456, .leastNonzeroMagnitude,
                           .leastNormalMagnitude, .greatestFiniteMagnitude, .pi, 0.1, 1.0 / 3, 2.5e-308]
  for e in -30...30 { special.append(Double("1e\(e)")!) }
  for i in 0..<1000 { special.append(Double(i)) }
  for x in special {
    #expect(formatted(x) == "\(x)")
    #expect(formatted(-x) == "\(-x)")
  }
  var rng = SystemRandomNumberGenerator()
  var mismatches = 0
  for _ in 0..<200_000 {
    let x = Double(bitPattern: rng.next())
    guard x.isFinite else { continue }
    if formatted(x) != "\(x)" { mismatches += 1 }
    let y = Double.random(in: 0...1, using: &rng)
    if formatted(y) != "\(y)" { mismatches += 1 }
  }
  #expect(mismatches == 0)
}

@Test func integersAndIdsAppendAsBytes() {
  var buffer = ByteBuffer(capacity: 1)
  for i in [0, 7, 10, 99, 12345, -3, Int.max, Int.min + 1] {
    buffer.removeAll()
    buffer.append(integer: i)
    #expect(String(decoding: buffer.bytes, as: UTF8.self) == String(i))
  }
  buffer.removeAll()
  #expect(NumberText.appendJSONString(Array("a\"b\u{1}é".utf8)[...], to: &buffer))
  #expect(String(decoding: buffer.bytes, as: UTF8.self) == Field.jsonString("a\"b\u{1}é"))
  #expect(!NumberText.appendJSONString([0x70, 0xE9][...], to: &buffer))
}
