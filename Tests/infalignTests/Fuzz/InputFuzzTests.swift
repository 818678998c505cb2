import Foundation
import InfAlignSolvers
import Testing
import InfAlignInput
@testable import infalign

/// A seeded random-mutation fuzzer that runs inside `swift test` on a fixed budget, over the same seeds as the
/// libFuzzer target (`make fuzz`, Sources/InfAlignFuzz, seeds in Fuzz/seeds/TARGET): valid seeds mutated by bit
/// flips, deletions, duplications and insertions of the tokens the parsers care about. A crash, trap or hang fails
/// the run; every accepted input must satisfy the readers' invariants, every rejected one is a one-line error.
/// `INFALIGN_FUZZ_ITERATIONS` scales the budget (CI: the defaults, a few seconds). libFuzzer, guided by coverage,
/// goes much further (docs/RELIABILITY.md); this keeps a cheap check in every test run.
struct Mutator {
  var state: UInt64

  mutating func next() -> UInt64 {  // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

  static let tokens: [[UInt8]] = [
    "\"", ",", "\r", "\n", "\r\n", "[", "]", "{", "}", ":", "1e400", "-", "-0", "nan", "true", "null", "0.5",
    "\"id\"", "\"rewards\"", "\"reference_rewards\"", "\"policy_logprobs\"", "reference", "policy", "\\u0000", "\\",
    "1e-400", "18446744073709551616", "\t", " ", "bon:", "won:", "mix:", "*", "+", "order:", "exp:", "table:",
  ].map { Array($0.utf8) } + [[0xEF, 0xBB, 0xBF], [0xFF], [0xE9], [0x00], [0xC3]]

  mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    for _ in 0...below(4) {
      switch below(5) {
      case 0 where !bytes.isEmpty:
        bytes[below(bytes.count)] ^= UInt8(1 << below(8))
      case 1 where !bytes.isEmpty:
        let at = below(bytes.count)
        bytes.removeSubrange(at..<min(bytes.count, at + 1 + below(8)))
      case 2 where !bytes.isEmpty:
        let at = below(bytes.count), end = min(bytes.count, at + 1 + below(32))
        bytes.insert(contentsOf: bytes[at..<end], at: below(bytes.count + 1))
      default:
        bytes.insert(contentsOf: Self.tokens[below(Self.tokens.count)], at: below(bytes.count + 1))
      }
    }
    return bytes
  }
}

/// The seed files of libFuzzer target `target` (Fuzz/seeds/TARGET in the repository), in name order.
private func fuzzSeeds(_ target: String) -> [[UInt8]] {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  let dir = root.appendingPathComponent("Fuzz/seeds/\(target)")
  let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.sorted() ?? []
  return names.compactMap { try? Array(Data(contentsOf: dir.appendingPathComponent($0))) }
}

private func budget(_ base: Int) -> Int {
  let scale = ProcessInfo.processInfo.environment["INFALIGN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 0
  return scale > 0 ? scale : base
}

/// Reads `bytes` as a file named `name`; checks the batch invariants of what was accepted.
private func readAll(_ bytes: [UInt8], path: String, requireRewards: Bool) {
  #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
  do {
    let reader = try PromptReader(path: path, requireRewards: requireRewards)
    var batch = PromptBatch()
    while try reader.read(into: &batch, limit: 3) {
      for b in 0..<batch.count {
        #expect(!batch.referenceRange(b).isEmpty)
        #expect(batch.references[batch.referenceRange(b)].allSatisfy { $0.isFinite })
        #expect(batch.rewards[batch.rewardRange(b)].allSatisfy { $0.isFinite })
        if let lp = batch.logProbRange(b) { #expect(lp.count == batch.rewardRange(b).count) }
      }
    }
  } catch {
    #expect(!error.description.contains("\n"), "a multi-line error: \(error)")
  }
}

@Test func fuzzTheJSONLAndCSVReaders() {
  let dir = temporaryDirectory()
  let jsonSeeds = fuzzSeeds("jsonl"), csvSeeds = fuzzSeeds("csv")
  #expect(jsonSeeds.count >= 2 && csvSeeds.count >= 2)
  var mutator = Mutator(state: 20_261_130)
  for i in 0..<budget(2000) {
    let json = i % 2 == 0
    let seeds = json ? jsonSeeds : csvSeeds
    var input = seeds[mutator.below(seeds.count)]
    for _ in 0...mutator.below(3) { input = mutator.mutate(input) }
    readAll(input, path: dir + (json ? "/f.jsonl" : "/f.csv"), requireRewards: mutator.below(2) == 0)
  }
}

@Test func fuzzTheProcedureAndTransformSpecs() {
  let procedures = fuzzSeeds("procedure"), transforms = fuzzSeeds("transform")
  #expect(!procedures.isEmpty && !transforms.isEmpty)
  var mutator = Mutator(state: 7)
  for _ in 0..<budget(10_000) {
    let p = String(decoding: mutator.mutate(procedures[mutator.below(procedures.count)]), as: UTF8.self)
    if let parsed = try? Procedure(parsing: p) {
      // What parses prints a form that parses back to the same procedure.
      #expect((try? Procedure(parsing: parsed.description)) == parsed, "\(p) -> \(parsed)")
    }
    let t = String(decoding: mutator.mutate(transforms[mutator.below(transforms.count)]), as: UTF8.self)
    if let parsed = try? Transform(parsing: t) {
      #expect((try? Transform(parsing: parsed.description))?.description == parsed.description, "\(t) -> \(parsed)")
    }
  }
}
