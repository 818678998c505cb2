import Testing

@testable import InfAlignC

/// `Buffers.text`: the C ABI's text arguments are validated UTF-8 (docs/RELIABILITY.md, "Text at the boundary").
@Suite struct TextTests {
  private func decode(_ bytes: [UInt8], _ name: String = "text") -> Result<String, BoundaryError> {
    (bytes + [0]).withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        Result { () throws(BoundaryError) in try Buffers.text(chars.baseAddress, name) }
      }
    }
  }

  @Test func validTextIsReturnedUnchanged() throws {
    for text in ["", "exp:2", "power:0.5é", "mix:0.5*bon:4+0.5*standard", "€", "😀:1"] {
      #expect(try decode(Array(text.utf8)).get() == text)
    }
    #expect(throws: BoundaryError.self) { try Buffers.text(nil, "text") }
  }

  @Test func invalidBytesNameTheArgumentAndTheFirstBadByte() {
    let cases: [([UInt8], String)] = [
      (Array("exp:".utf8) + [0xFF], "transform is not valid UTF-8 at byte 4 (0xFF)"),
      ([0x80], "transform is not valid UTF-8 at byte 0 (0x80)"),
      (Array("ab".utf8) + [0xC3], "at byte 2 (0xC3)"),  // cut short by the end
      ([0xC0, 0xAF], "at byte 0 (0xC0)"),  // overlong '/'
      ([0xED, 0xA0, 0x80], "at byte 0 (0xED)"),  // surrogate U+D800
      ([0xF4, 0x90, 0x80, 0x80], "at byte 0 (0xF4)"),  // above U+10FFFF
      ([0xC3, 0xA9, 0xE2, 0x82, 0x41], "at byte 2 (0xE2)"),  // é, then a cut-short €, then 'A'
      ([0x41, 0x0A], ""),  // valid
    ]
    for (bytes, fragment) in cases {
      switch decode(bytes, "transform") {
      case .success: #expect(fragment.isEmpty, "\(bytes) was accepted")
      case .failure(let error): #expect(!fragment.isEmpty && error.message.hasSuffix(fragment), "\(error.message)")
      }
    }
  }

  /// Against the standard library's validation on seeded random bytes biased to UTF-8's structure: the same
  /// verdict, and the bytes before the reported offset are valid.
  @Test func agreesWithTheStandardLibrary() {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xC0, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x9F]
    for _ in 0..<20_000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let length = Int(state >> 60)
      let bytes = (0..<length).map { i in alphabet[Int((state >> (4 * UInt64(i % 15))) & 15)] }
      let offset = bytes.withUnsafeBytes { Buffers.firstInvalidUTF8($0) }
      #expect((offset == nil) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
      if let offset { #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "\(bytes)") }
    }
  }
}
