import Foundation

/// Reads a file line by line in 64 KiB chunks, so memory stays bounded by the longest line.
struct LineReader {
  private let handle: FileHandle
  private var buffer = Data()
  private var atEnd = false
  /// 1-based number of the line last returned.
  private(set) var lineNumber = 0

  init(path: String) throws {
    var info = stat()
    if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw CLIError("cannot read \(path): it is a directory") }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot open input file \(path)") }
    self.handle = handle
  }

  /// The next line without its newline, or nil at the end of the file.
  mutating func next() -> String? {
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = buffer[buffer.startIndex..<newline]
        buffer.removeSubrange(buffer.startIndex...newline)
        lineNumber += 1
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
      }
      if atEnd {
        if buffer.isEmpty { return nil }
        let line = buffer
        buffer.removeAll()
        lineNumber += 1
        return String(decoding: line, as: UTF8.self)
      }
      let chunk = handle.readData(ofLength: 1 << 16)
      if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
    }
  }
}
