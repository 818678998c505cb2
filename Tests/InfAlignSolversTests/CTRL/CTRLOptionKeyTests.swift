import Foundation
import InfAlignSolvers
import Testing

/// ``CTRLOptionKey`` is the one registry of the CTRL option names: the header's table documents exactly its keys
/// and the presets, and every key parses its documented values.

/// The option table of `include/infalign.h`: the comment between "Options by name" and the first options function.
private func headerOptionTable() throws -> String {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let header = try String(contentsOf: root.appendingPathComponent("include/infalign.h"), encoding: .utf8)
  let start = try #require(header.range(of: "Options by name"))
  let end = try #require(header.range(of: "int32_t infalign_ctrl_options_create"))
  return String(header[start.upperBound..<end.lowerBound])
}

@Test func headerDocumentsEveryOptionKey() throws {
  let table = try headerOptionTable()
  // Keys may hold digits (k3_report_clamp).
  let words = Set(table.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
  for key in CTRLOptionKey.allCases {
    #expect(words.contains(key.rawValue), "include/infalign.h does not document the option \(key.rawValue)")
  }
  // Every snake_case name in the table is a key (a renamed or removed option leaves none behind).
  let keys = Set(CTRLOptionKey.allCases.map(\.rawValue))
  for word in words where word.contains("_") && word.first!.isLowercase && !word.hasPrefix("infalign_") {
    #expect(keys.contains(word), "include/infalign.h documents \(word), which is not a CTRLOptionKey")
  }
  let presets = CTRLPreset.allCases.map(\.rawValue).joined(separator: " | ")
  let flat = table.replacingOccurrences(of: "\n *", with: "").split(separator: " ", omittingEmptySubsequences: true)
    .joined(separator: " ")
  #expect(flat.contains(presets), "the header's preset list is not \(presets)")
}

@Test func everyKeyParsesADocumentedValue() throws {
  // One value per key, in the header's forms, other than the default; the registry's switch is exhaustive, so a new key must get one here.
  let values: [CTRLOptionKey: String] = [
    .preset: "verl-grpo", .calibration: "none", .transform: "exp:2", .smoothing: "true",
    .estimator: "max@k:2:marginal", .baseline: "group-mean", .advantage: "none", .scale: "batch-whiten",
    .normalizeByStd: "true", .besselStd: "true", .stdEpsilon: "1e-6", .stdFloor: "0", .singleSample: "raw",
    .distillationEpsilon: "0.01", .klReward: "0.1:k3:10", .klCoefficient: "0.05", .klRewardSource: "old-policy",
    .klRewardPlacement: "after-baseline", .klLoss: "0.001:k2:none:straight-through", .klLossRatioWeight: "true",
    .clipEpsilon: "0.3", .clipLow: "0.1", .clipHigh: "0.28", .dualClip: "3", .ratioCap: "10", .logRatioClamp: "none",
    .ratioLevel: "sequence-mean", .policyLoss: "cispo", .rolloutCorrection: "token:0.5:2", .k3ReportClamp: "10", .aggregation: "seq-mean-token-mean:1e-8:floor-one", .nonFinite: "mask",
  ]
  for key in CTRLOptionKey.allCases {
    var options = CTRLOptions(), calibration = CTRLPreset.Calibration.group
    let value = try #require(values[key], "no sample value for \(key.rawValue)")
    try key.apply(value, to: &options, calibration: &calibration)
    if key != .preset && key != .calibration {
      #expect("\(options)" != "\(CTRLOptions())", "\(key.rawValue)=\(value) changed nothing")
    }
    #expect(throws: InfAlignError.self, "\(key.rawValue) accepted junk") {
      try key.apply("junk!", to: &options, calibration: &calibration)
    }
  }
  #expect(throws: InfAlignError.self) { try CTRLOptionKey(named: "kl_penalty") }
}
