import Foundation

/// Progress on stderr, only when stderr is a terminal (so logs and pipes stay clean).
struct Progress {
  let label: String
  let enabled = isatty(2) != 0

  func report(_ message: String) {
    if enabled { FileHandle.standardError.write(Data("\r\(label): \(message)\u{1B}[K".utf8)) }
  }

  func finish() {
    if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
