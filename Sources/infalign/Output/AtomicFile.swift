import Foundation

/// Writes a file through a temporary sibling and a rename, so a failure never leaves a half-written output.
final class AtomicFile {
  let path: String
  let temporaryPath: String
  private let handle: FileHandle
  private var buffer = Data()
  private var finished = false

  init(path: String) throws {
    self.path = path
    let url = URL(fileURLWithPath: path)
    temporaryPath = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)").path
    guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
      throw CLIError("cannot create output file \(path) (directory missing or not writable)")
    }
    handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporaryPath))
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: Array(text.utf8))
    if buffer.count >= 1 << 16 { try flush() }
  }

  private func flush() throws {
    try handle.write(contentsOf: buffer)
    buffer.removeAll(keepingCapacity: true)
  }

  /// Moves the finished file into place.
  func commit() throws {
    try flush()
    try handle.close()
    if rename(temporaryPath, path) != 0 {
      throw CLIError("cannot move the finished output into place at \(path)")
    }
    finished = true
  }

  deinit {
    if !finished {
      try? handle.close()
      try? FileManager.default.removeItem(atPath: temporaryPath)
    }
  }
}
