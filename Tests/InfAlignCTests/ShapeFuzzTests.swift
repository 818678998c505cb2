import Testing

@testable import InfAlignFuzz

/// The `ctrl-shapes` fuzz target (Sources/InfAlignFuzz/ShapeFuzz.swift) without libFuzzer: seeded random bytes
/// through the same decoder and checks, so `swift test` / `make test` cover the C ABI's CTRL step and calibration
/// over random shapes, offsets, options and values. Every call must return a status with a one-line message (never
/// trap) and finite outputs on success.
@Suite struct ShapeFuzzTests {
  /// SplitMix64: the bytes of case `seed`, the same on every machine.
  static func bytes(seed: UInt64, count: Int) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
  }

  /// 4000 seeded cases, 800 per entry kind on average. The known-trap class (issue 18: the token-level step with
  /// max_tokens = 0) is skipped while `ShapeFuzz.knownTrapZeroTokens` is set: flip it when the CTRL batch
  /// validates shapes and this test runs them too.
  @Test func seededShapesReturnStatusesNeverTrap() {
    var ran: [ShapeFuzz.Entry: (ok: Int, failed: Int)] = [:], skipped = 0
    for seed in 0..<UInt64(4000) {
      let input = Self.bytes(seed: seed, count: 64 + Int(seed % 512))
      let result = input.withUnsafeBytes { ShapeFuzz.run($0, skipKnownTraps: ShapeFuzz.knownTrapZeroTokens) }
      switch result {
      case let .failure(failure):
        Issue.record("seed \(seed): \(failure)")
      case .success(.skipped):
        skipped += 1
      case let .success(.ran(entry, status)):
        var counts = ran[entry, default: (0, 0)]
        if status == 0 { counts.ok += 1 } else { counts.failed += 1 }
        ran[entry] = counts
      }
    }
    // Both outcomes reached for every entry point: the generator is not stuck on errors or on easy cases.
    for entry in ShapeFuzz.Entry.allCases {
      let counts = ran[entry, default: (0, 0)]
      #expect(counts.ok > 20 && counts.failed > 20, "\(entry): \(counts.ok) succeeded, \(counts.failed) failed")
    }
    #expect(skipped < 400, "\(skipped) cases of the known-trap class skipped")
  }

  /// The known-trap predicate names exactly the class the flag guards: max_tokens = 0 at the token level.
  @Test func knownTrapClassIsZeroTokensWithSamples() {
    #expect(ShapeFuzz.knownTrap(entry: .stepTokens, groups: 2, groupSize: 3, maxTokens: 0))
    #expect(ShapeFuzz.knownTrap(entry: .stepTokens, groups: 0, groupSize: 0, maxTokens: 0))
    #expect(!ShapeFuzz.knownTrap(entry: .stepTokens, groups: 0, groupSize: 3, maxTokens: 2))
    #expect(!ShapeFuzz.knownTrap(entry: .stepTokens, groups: 2, groupSize: 3, maxTokens: 1))
    #expect(!ShapeFuzz.knownTrap(entry: .step, groups: 2, groupSize: 3, maxTokens: 1))
  }
}
