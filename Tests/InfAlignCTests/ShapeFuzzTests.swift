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

  /// 4000 seeded cases, 800 per entry kind on average, empty shapes (zero groups, group size or tokens) included:
  /// since ``CTRLBatch`` validates every shape, none traps.
  @Test func seededShapesReturnStatusesNeverTrap() {
    var ran: [ShapeFuzz.Entry: (ok: Int, failed: Int)] = [:]
    for seed in 0..<UInt64(4000) {
      let input = Self.bytes(seed: seed, count: 64 + Int(seed % 512))
      let result = input.withUnsafeBytes { ShapeFuzz.run($0) }
      switch result {
      case let .failure(failure):
        Issue.record("seed \(seed): \(failure)")
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
  }
}
