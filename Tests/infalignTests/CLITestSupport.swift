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
