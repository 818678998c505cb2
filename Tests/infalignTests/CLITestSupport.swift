import ArgumentParser
import Foundation
@testable import infalign

/// Runs a subcommand in-process and returns what it printed.
func run(_ arguments: [String]) throws -> String {
  var command = try InfAlignCommand.parseAsRoot(arguments)
  guard let rendering = command as? any RenderingCommand else {
    try command.run()
    return ""
  }
  var output = ""
  try rendering.execute(into: &output)
  return output
}

/// A fresh temporary directory for one test.
func temporaryDirectory() -> String {
  let path = NSTemporaryDirectory() + "infalign-tests-\(UUID().uuidString)"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Parses JSON lines into dictionaries.
func jsonLines(_ text: String) -> [[String: Any]] {
  text.split(separator: "\n").compactMap {
    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
  }
}

/// The number printed for `key` in a one-line JSON object, parsed with `Double(String)` (exact round trip; the
/// corelibs JSON parser can be off in the last bit).
func rawNumber(_ json: String, _ key: String) -> Double? {
  guard let range = json.range(of: "\"\(key)\":") else { return nil }
  let rest = json[range.upperBound...]
  let token = rest.prefix { !",}\n".contains($0) }
  return Double(token.trimmingCharacters(in: .whitespaces))
}

/// The `infalign` executable built beside the test bundle.
func infalignExecutable() -> String {
  URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("infalign").path
}

/// What a finished subprocess left: its exit status (or the signal that ended it), stdout and stderr.
struct Finished {
  var status: Int32
  var signaled: Bool
  var stdout: String
  var stderr: String
}

/// Runs the built `infalign` with `arguments`; stdout goes to `stdoutPath` when given (else a pipe).
/// `whileRunning` is called after the launch (e.g. to feed a FIFO or send a signal).
func runExecutable(_ arguments: [String], stdoutPath: String? = nil,
                   whileRunning: (Process) throws -> Void = { _ in }) throws -> Finished {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: infalignExecutable())
  process.arguments = arguments
  let out = Pipe(), err = Pipe()
  if let stdoutPath {
    process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
  } else {
    process.standardOutput = out
  }
  process.standardError = err
  try process.run()
  try whileRunning(process)
  let stdoutData = stdoutPath == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
  let stderrData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return Finished(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                  stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Files in `dir` whose names mark them as temporary outputs.
func temporaryLeftovers(in dir: String) -> [String] {
  ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".tmp-") }
}

/// The one-line message `infalign` prints for `arguments`, or nil when the command succeeds.
func failure(_ arguments: [String]) -> String? {
  do {
    _ = try run(arguments)
    return nil
  } catch {
    return InfAlignCommand.message(for: error)
  }
}
