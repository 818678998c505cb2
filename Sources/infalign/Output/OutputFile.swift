import CInfAlignIO
import Glibc

/// An output file that appears only when everything succeeded, without ever harming what the path names.
///
/// - A regular file (or a new path) is written through a hidden temporary sibling (`.NAME.tmp-PID-N`) that is
///   renamed over the target on ``commit()``; the temporary is removed on failure, on `deinit` and on SIGINT,
///   SIGTERM or SIGHUP. A symbolic link is followed: its target is replaced, the link stays.
/// - Anything else that exists (a device such as `/dev/null` or `/dev/full`, a FIFO, `/dev/stdout`) is written
///   directly: never renamed over, never replaced by a regular file. `/dev/stdout`, `/dev/stderr` and `/dev/fd/N`
///   write to the process's own descriptor (keeping its offset and append mode).
/// - The output may not be one of `inputs` (same device and inode, so hard links and symlinks count too).
///
/// Every failure is a ``CLIError`` of one line naming the file and the system's reason.
final class OutputFile {
  let path: String
  /// The hidden temporary file, or nil when writing directly.
  private(set) var temporaryPath: String?
  private let target: String
  private var fd: Int32
  private var cleanupSlot: Int32 = -1
  private var buffer = ByteBuffer(capacity: OutputFile.blockSize + (64 << 10))
  private var finished = false
  static let blockSize = 1 << 20

  /// Opens `path` for writing, refusing it if it is the same file as one of `inputs`.
  init(path: String, inputs: [String] = []) throws(CLIError) {
    self.path = path
    let resolved = try OutputTarget.resolve(path)
    target = resolved.path
    for input in inputs where OutputTarget.sameFile(resolved.path, input) {
      throw CLIError("--output \(path) is the input file \(input); refusing to overwrite it")
    }
    switch resolved.kind {
    case let .descriptor(n):
      fd = dup(n)
      if fd < 0 { throw CLIError("cannot write \(path): \(OutputFile.reason())") }
    case .special:
      fd = open(resolved.path, O_WRONLY | O_CLOEXEC)
      if fd < 0 { throw CLIError("cannot open \(path) for writing: \(OutputFile.reason())") }
    case let .regular(mode):
      let directory = OutputTarget.directory(of: resolved.path)
      let name = OutputTarget.lastComponent(of: resolved.path)
      var opened: (Int32, String)? = nil
      for attempt in 0..<100 {
        let candidate = directory + "/." + name + ".tmp-\(getpid())-\(attempt)"
        // Registered before it exists, so a signal arriving right after the creation still removes it.
        let slot = infalign_cleanup_register(candidate)
        let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if descriptor >= 0 {
          opened = (descriptor, candidate)
          cleanupSlot = slot
          break
        }
        let failure = errno
        infalign_cleanup_unregister(slot)
        errno = failure
        if errno != EEXIST {
          throw CLIError("cannot create output file \(path) (in \(directory)): \(OutputFile.reason())")
        }
      }
      guard let (descriptor, temporary) = opened else {
        throw CLIError("cannot create a temporary file for \(path) in \(directory)")
      }
      fd = descriptor
      temporaryPath = temporary
      // Replacing an existing file keeps its permission bits.
      if let mode { _ = fchmod(descriptor, mode) }
    }
  }

  /// Appends UTF-8 text; written in blocks of ``blockSize`` bytes.
  func write(_ text: String) throws(CLIError) {
    buffer.append(text)
    if buffer.count >= Self.blockSize { try flush() }
  }

  /// Lets `body` append bytes to the block being filled (then writes it out once it is full).
  func append(_ body: (inout ByteBuffer) throws(CLIError) -> Void) throws(CLIError) {
    try body(&buffer)
    if buffer.count >= Self.blockSize { try flush() }
  }

  private func flush() throws(CLIError) {
    let result = OutputFile.writeAll(fd, buffer.bytes)
    buffer.removeAll()
    if let failure = result { throw CLIError("cannot write \(path): \(failure)") }
  }

  /// Writes what is buffered and moves a temporary file into place.
  func commit() throws(CLIError) {
    try flush()
    let descriptor = fd
    fd = -1
    if close(descriptor) != 0 { throw CLIError("cannot write \(path): \(OutputFile.reason())") }
    if let temporaryPath {
      if rename(temporaryPath, target) != 0 {
        throw CLIError("cannot move the finished output into place at \(path): \(OutputFile.reason())")
      }
      infalign_cleanup_unregister(cleanupSlot)
    }
    finished = true
  }

  deinit {
    if fd >= 0 { close(fd) }
    if !finished, let temporaryPath {
      unlink(temporaryPath)
      infalign_cleanup_unregister(cleanupSlot)
    }
  }

  /// Writes all of `bytes`, retrying short writes and interruptions; the failure's reason, or nil.
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        return reason()
      }
      offset += n
    }
    return nil
  }

  /// The text of `errno`.
  static func reason() -> String { String(cString: strerror(errno)) }
}
