import Foundation
import Testing
@testable import InfAlignFuzz

/// Every seed of every libFuzzer target, the inputs libFuzzer found (`found-*`: `mix`, ids and specs with
/// newlines) among them, runs through the target in every `swift test`, with the target's own checks: a seed that
/// breaks a promise, or a regression of a fixed find, stops the run here without the instrumented build.
@Test(arguments: FuzzTarget.allCases)
func fuzzSeedsHoldTheTargetsPromises(_ target: FuzzTarget) throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let dir = root.appendingPathComponent("Fuzz/seeds/\(target.rawValue)")
  let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
  #expect(!names.isEmpty, "no seeds for \(target.rawValue)")
  for name in names {
    let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
    bytes.withUnsafeBytes { target.run($0) }
  }
}
