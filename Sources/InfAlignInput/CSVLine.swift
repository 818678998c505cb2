/// Splits one CSV line into cells (RFC 4180 quoting within the line: `"a,b"`, `"say ""hi"""`), trimming spaces
/// and tabs around unquoted cells. Cell contents are bytes: nothing is decoded, so ids that are not UTF-8 stay
/// distinct. Storage is reused from line to line.
///
/// - Complexity: O(line length).
struct CSVLine {
  private(set) var bytes: [UInt8] = []
  private(set) var ends: [Int] = []

  var count: Int { ends.count }

  /// Cell `i`'s bytes.
  func cell(_ i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]] }

  /// Cell `i` as text for one-line messages (``InputError/printable(_:)``).
  func text(_ i: Int) -> String { InputError.printable(cell(i)) }

  /// Splits `line`; the error names what is wrong (the caller adds the file and line).
  mutating func split(_ line: UnsafeBufferPointer<UInt8>) throws(InputError) {
    bytes.removeAll(keepingCapacity: true)
    ends.removeAll(keepingCapacity: true)
    let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    var i = 0
    let n = line.count
    while true {
      while i < n && (line[i] == space || line[i] == tab) { i += 1 }
      if i < n && line[i] == quote {
        i += 1
        while true {
          guard i < n else { throw InputError("cell \(ends.count + 1): unterminated quoted cell") }
          if line[i] == quote {
            if i + 1 < n && line[i + 1] == quote {
              bytes.append(quote)
              i += 2
              continue
            }
            i += 1
            break
          }
          bytes.append(line[i])
          i += 1
        }
        while i < n && (line[i] == space || line[i] == tab) { i += 1 }
        if i < n && line[i] != comma {
          throw InputError("cell \(ends.count + 1): text after the closing quote")
        }
      } else {
        let cellStart = i
        while i < n && line[i] != comma {
          if line[i] == quote { throw InputError("cell \(ends.count + 1): a quote inside an unquoted cell") }
          i += 1
        }
        var cellEnd = i
        while cellEnd > cellStart && (line[cellEnd - 1] == space || line[cellEnd - 1] == tab) { cellEnd -= 1 }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[cellStart..<cellEnd]))
      }
      ends.append(bytes.count)
      if i >= n { return }
      i += 1  // the comma
    }
  }
}
