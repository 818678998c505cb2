import Glibc

// Two builds of one target. `make fuzz` builds it with `-sanitize=fuzzer` (and AddressSanitizer) and
// `-D INFALIGN_LIBFUZZER`: libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput` with each input, for the
// target named by INFALIGN_FUZZ_TARGET. The ordinary build (`swift build`) has a `main` that replays files
// through a target instead: `InfAlignFuzz TARGET FILE...`, to rerun a crash libFuzzer saved without its
// instrumentation.

/// The target chosen for this process.
nonisolated(unsafe) private var selected: FuzzTarget? = nil

private func target(named name: String?) -> FuzzTarget {
  guard let name, let target = FuzzTarget(rawValue: name) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    complain("InfAlignFuzz: name a target (\(names)), got \(name ?? "none")")
    exit(2)
  }
  return target
}

/// One line on standard error.
private func complain(_ message: String) {
  var line = message + "\n"
  line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

#if INFALIGN_LIBFUZZER
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
  selected = target(named: getenv("INFALIGN_FUZZ_TARGET").map { String(cString: $0) })
  return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  selected!.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}
#else
@main
enum Replay {
  static func main() {
    let arguments = CommandLine.arguments.dropFirst()
    let chosen = target(named: arguments.first)
    for path in arguments.dropFirst() {
      guard let file = fopen(path, "rb") else {
        complain("InfAlignFuzz: cannot open \(path)")
        exit(1)
      }
      var bytes: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 1 << 16)
      while case let n = fread(&chunk, 1, chunk.count, file), n > 0 { bytes += chunk[..<n] }
      fclose(file)
      bytes.withUnsafeBytes { chosen.run($0) }
      print("\(path): ok")
    }
  }
}
#endif
