import Glibc

/// What an output path names, decided before anything is written (see ``OutputFile``).
enum OutputTarget {
  enum Kind {
    /// One of the process's own descriptors (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`).
    case descriptor(Int32)
    /// An existing non-regular file (device, FIFO, socket): written in place.
    case special
    /// A regular file, existing (with its permission bits) or new: replaced atomically.
    case regular(mode: mode_t?)
  }

  /// Resolves `path` (following symbolic links, including dangling ones) to the file that will be written.
  static func resolve(_ path: String) throws(CLIError) -> (path: String, kind: Kind) {
    if path.isEmpty { throw CLIError("--output: empty path") }
    if let n = ownDescriptor(path) { return (path, .descriptor(n)) }
    var info = stat()
    if stat(path, &info) == 0 {
      let type = info.st_mode & S_IFMT
      if type == S_IFDIR { throw CLIError("--output \(path) is a directory") }
      if type != S_IFREG { return (path, .special) }
      guard let real = realpath(path, nil) else {
        throw CLIError("cannot resolve output path \(path): \(OutputFile.reason())")
      }
      defer { free(real) }
      return (String(cString: real), .regular(mode: info.st_mode & 0o7777))
    }
    // Absent: a dangling symbolic link is followed to the file it names, which is then created.
    var current = path
    for _ in 0..<40 {
      var link = stat()
      guard lstat(current, &link) == 0, link.st_mode & S_IFMT == S_IFLNK else { return (current, .regular(mode: nil)) }
      var bytes = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let n = readlink(current, &bytes, bytes.count - 1)
      if n < 0 { throw CLIError("cannot read the symbolic link \(current): \(OutputFile.reason())") }
      let destination = String(decoding: bytes[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      current = destination.hasPrefix("/") ? destination : directory(of: current) + "/" + destination
    }
    throw CLIError("--output \(path): too many levels of symbolic links")
  }

  /// Whether `a` and `b` name the same existing file (same device and inode).
  static func sameFile(_ a: String, _ b: String) -> Bool {
    var x = stat(), y = stat()
    guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino
  }

  static func ownDescriptor(_ path: String) -> Int32? {
    switch path {
    case "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default:
      for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
        if let n = Int32(path.dropFirst(prefix.count)), n >= 0 { return n }
      }
      return nil
    }
  }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  static func lastComponent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }
}
