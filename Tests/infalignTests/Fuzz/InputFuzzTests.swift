import Foundation
import InfAlignSolvers
import Testing
import InfAlignInput
@testable import infalign

/// A seeded random-mutation fuzzer (libFuzzer's `-sanitize=fuzzer` needs a separate instrumented build of every
/// module; this runs inside `swift test` on a fixed budget instead). Inputs are valid seeds mutated by bit flips,
/// deletions, duplications and insertions of the tokens the parsers care about. A crash, trap or hang fails the
/// run; every accepted input must satisfy the readers' invariants, every rejected one is a one-line error.
/// `INFALIGN_FUZZ_ITERATIONS` scales the budget (CI: the defaults, a few seconds).
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
  let jsonSeeds = [
    "{\"id\": \"a\", \"reference_rewards\": [1, 2, 3, 4], \"rewards\": [2.5, 5, 0], \"policy_logprobs\": [-1, -2, -3], \"reference_logprobs\": [-1, -1, -1]}\n{\"id\": 7, \"reference_rewards\": [0.1, 0.2], \"rewards\": [0.2]}\n",
    "{\"id\": 1.5, \"reference_rewards\": [1e-300, -2], \"rewards\": [], \"extra\": {\"x\": [1]}}\r\n\r\n",
  ]
  let csvSeeds = [
    "id,source,reward\np1,reference,1\np1,reference,2\np1,policy,1.5\np2,reference,3\np2,policy,9\n",
    "\u{FEFF}reward,id,source,note\r0.5,\"a,b\",Reference,x\r0.25,\"a,b\",POLICY,\"y\"\"z\"\r",
  ]
  var mutator = Mutator(state: 20_261_130)
  for i in 0..<budget(2000) {
    let json = i % 2 == 0
    let seeds = json ? jsonSeeds : csvSeeds
    var input = Array(seeds[mutator.below(seeds.count)].utf8)
    for _ in 0...mutator.below(3) { input = mutator.mutate(input) }
    readAll(input, path: dir + (json ? "/f.jsonl" : "/f.csv"), requireRewards: mutator.below(2) == 0)
  }
}

@Test func fuzzTheProcedureAndTransformSpecs() {
  let procedures = ["standard", "bon:4", "won:16", "order:2:8", "mix:0.5*bon:32+0.5*won:32", "bon:1000000"]
  let transforms = ["identity", "exp:5", "negexp:3", "log", "logit", "log:none", "logit:none", "power:0.5", "exp:5000"]
  var mutator = Mutator(state: 7)
  for _ in 0..<budget(10_000) {
    let p = String(decoding: mutator.mutate(Array(procedures[mutator.below(procedures.count)].utf8)), as: UTF8.self)
    if let parsed = try? Procedure(parsing: p) {
      // What parses prints a form that parses back to the same procedure.
      #expect((try? Procedure(parsing: parsed.description)) == parsed, "\(p) -> \(parsed)")
    }
    let t = String(decoding: mutator.mutate(Array(transforms[mutator.below(transforms.count)].utf8)), as: UTF8.self)
    if let parsed = try? Transform(parsing: t) {
      #expect((try? Transform(parsing: parsed.description))?.description == parsed.description, "\(t) -> \(parsed)")
    }
  }
}
