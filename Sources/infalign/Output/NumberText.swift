import InfAlignInput

/// Arrays, ids and cells appended to output blocks without going through `String` (what dominated writing large
/// files).
enum NumberText {
  /// Appends `[x0,x1,...]` (JSON; the values must be finite).
  static func appendJSONArray(_ xs: some Collection<Double>, to buffer: inout ByteBuffer) {
    buffer.append(UInt8(ascii: "["))
    var first = true
    for x in xs {
      if !first { buffer.append(UInt8(ascii: ",")) }
      first = false
      buffer.append(number: x)
    }
    buffer.append(UInt8(ascii: "]"))
  }

  /// Appends prompt `b`'s id as JSON: a number as written, a string quoted and escaped; false when the string is not
  /// valid UTF-8 (JSON cannot carry it).
  static func appendJSONID(_ batch: PromptBatch, _ b: Int, to buffer: inout ByteBuffer) -> Bool {
    if batch.idKinds[b] == .number {
      buffer.append(batch.id(b))
      return true
    }
    return appendJSONString(batch.id(b), to: &buffer)
  }

  /// Appends `bytes` as a JSON string; false when they are not valid UTF-8 (JSON cannot carry them).
  static func appendJSONString(_ bytes: ArraySlice<UInt8>, to buffer: inout ByteBuffer) -> Bool {
    // Printable ASCII without quotes or backslashes (nearly every id) is copied as it is.
    if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
      buffer.append(UInt8(ascii: "\""))
      buffer.append(bytes)
      buffer.append(UInt8(ascii: "\""))
      return true
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { return false }
    buffer.append(Field.jsonString(text))
    return true
  }

  /// Appends `bytes` as a CSV cell, quoted when it holds a comma, quote or line break; bytes are kept as they are.
  static func appendCSVCell(_ bytes: ArraySlice<UInt8>, to buffer: inout ByteBuffer) {
    let special = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
    if !special {
      buffer.append(bytes)
      return
    }
    buffer.append(UInt8(ascii: "\""))
    for b in bytes {
      if b == UInt8(ascii: "\"") { buffer.append(b) }
      buffer.append(b)
    }
    buffer.append(UInt8(ascii: "\""))
  }
}
