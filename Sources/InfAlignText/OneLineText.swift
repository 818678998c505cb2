/// Text from a user (a spec, an id, a cell of a file) as it may appear inside a one-line message: every control
/// character and line separator is escaped (`\n`, `\r`, `\t`, else `\u{XX}`), so `"bon:4\nx"` cannot break an
/// error over two lines. Text without such characters is returned unchanged. Shared by `InfAlignError`'s
/// descriptions (InfAlignSolvers), the C ABI's error messages (InfAlignC) and the input layer's errors
/// (InfAlignInput), which is why it lives in this dependency-free module rather than in any of them.
///
/// - Complexity: O(text length).
package func oneLineText(_ text: String) -> String {
  /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
  func needsEscape(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
  }
  if !text.unicodeScalars.contains(where: needsEscape) { return text }
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case _ where needsEscape(scalar): out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}
