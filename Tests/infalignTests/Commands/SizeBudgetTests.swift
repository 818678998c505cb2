import Foundation
import Testing
@testable import infalign

/// Issue 18: every size the command line takes is checked against memory (or, where memory is small but time
/// unbounded, against a limit on time) before anything is allocated. An absurd value is one line on stderr naming
/// the option and its value, with a non-zero exit from the real executable (never a signal: no trap, no
/// allocation of hundreds of GB); a sane value of the same option still runs.
@Suite struct SizeBudgetTests {
  static let huge = "100000000000"  // 10¹¹: 800 GB as doubles
  static let max = "\(Int.max)"

  /// (arguments, text the one-line error must contain). `winrate` validates before it opens its input.
  static let absurd: [([String], String)] = [
    (["frontier", "--procedure", "bon:4", "--transforms", "identity", "--kl", "1:1.0000000000000002:\(huge)"],
     "--kl 1:1.0000000000000002:100000000000: 100000000000 points need 800 GB, more than half of this machine's"),
    (["frontier", "--kl", "0.5:1:\(max)"], "--kl 0.5:1:\(max): \(max) points need more than 9.2 EB"),
    (["frontier", "--transforms", "identity,exp:1", "--kl", "0.5:1:60000"], "more than 100000 points would run for hours"),
    (["frontier", "--grid", huge], "--grid 100000000000: 100000000000 grid points need 205 TB"),
    (["frontier", "--grid", max], "--grid \(max): \(max) grid points need more than"),
    (["optimal", "--kl", "1", "--grid", max], "--grid \(max): \(max) grid points need more than"),
    (["optimal", "--kl", "1", "--grid", "2000000"], "--grid 2000000: more than 1048576 grid points would run for hours"),
    (["tuning-table", "--grid", huge], "--grid 100000000000: 100000000000 grid points need"),
    (["tuning-table", "--n", huge], "--n: bad value 100000000000 (N is 1 ... 1000000)"),
    (["tuning-table", "--n", "2", "--kl", Array(repeating: "1", count: 5001).joined(separator: ",")],
     "--n × --kl 1 × 5001 values: more than 10000 cases would run for hours"),
    (["winrate", "--input", "/nonexistent.jsonl", "--bootstrap", huge], "--bootstrap 100000000000: 100000000000 resamples need 800 GB"),
    (["winrate", "--input", "/nonexistent.jsonl", "--bootstrap", "100000000"], "--bootstrap 100000000: more than 10000000 resamples would run for hours"),
    (["demo", "--prompts", "100000000", "--candidates", "100000"], "--prompts 100000000 × --candidates 100000: 10000000000000 candidates need 1.3 PB"),
    (["demo", "--prompts", max, "--candidates", "4"], "candidates need more than"),
    (["demo", "--candidates", max], "--candidates \(max): more than"),
    (["demo", "--n", huge], "--n: cannot parse procedure \"bon:100000000000\""),
    (["bench", "calibrate", "--prompts", huge], "--prompts 100000000000 × --references 1024: 102400000000000 values need"),
    (["bench", "calibrate", "--references", huge], "--prompts 1024 × --references 100000000000"),
    (["bench", "calibrate-table", "--queries", huge], "--prompts 1024 × --queries 100000000000"),
    (["bench", "winrate", "--samples", huge], "--prompts 1024 × --samples 100000000000"),
    (["bench", "logsumexp", "--rows", huge], "--rows 100000000000 × --cols 1024"),
    (["bench", "softmax", "--cols", max], "--rows 4096 × --cols \(max): more than"),
    (["bench", "gemm", "--m", huge], "--m 100000000000 × --k 1024"),
    (["bench", "gemm", "--k", huge], "--m 1024 × --k 100000000000"),
    (["bench", "gemm", "--n", huge], "--k 1024 × --n 100000000000"),
    (["bench", "ctrl-step", "--groups", huge], "--groups 100000000000 × --group-size 16"),
    (["bench", "ctrl-step", "--group-size", max], "--groups 65536 × --group-size \(max)"),
    (["bench", "analyze", "--grid", huge], "--grid 100000000000: 100000000000 grid points need"),
    (["bench", "optimal", "--grid", "2000000"], "--grid 2000000: more than 1048576 grid points would run for hours"),
    (["bench", "softmax", "--repeats", huge], "--repeats 100000000000: more than 1000000 repetitions would run for hours"),
    (["bench", "softmax", "--threads", huge], "--threads must be between 1 and 1024, got 100000000000"),
  ]

  @Test(arguments: absurd)
  func absurdSizeIsOneLineAndNonZeroExit(_ arguments: [String], _ expected: String) throws {
    let finished = try runExecutable(arguments)
    #expect(!finished.signaled, "\(arguments): killed by signal \(finished.status)")
    #expect(finished.status != 0, "\(arguments): exit 0")
    let first = finished.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.contains(expected), "\(arguments): \(finished.stderr)")
    // ArgumentParser adds a usage hint after a ValidationError; the error itself is one line.
    #expect(finished.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(finished.stderr)")
  }

  /// `ctrl --k`/`--n` and `calibrate --batch-size` allocate nothing by their size: a huge k is the library's
  /// one-line error against the group size, a huge batch size reads the (small) file in one batch.
  @Test func sizesBoundedByTheDataAreNotRefused() throws {
    let dir = temporaryDirectory()
    let ctrlInput = dir + "/ctrl.jsonl", calibrateInput = dir + "/cal.jsonl"
    try #"{"id": "a", "rewards": [1, 2, 3], "policy_logprobs": [-1, -1, -2], "reference_logprobs": [-1, -1.5, -2]}"#
      .write(toFile: ctrlInput, atomically: true, encoding: .utf8)
    try #"{"id": 1, "reference_rewards": [0, 1, 2, 3], "rewards": [1.5, 2.5]}"#
      .write(toFile: calibrateInput, atomically: true, encoding: .utf8)
    let k = try runExecutable(["ctrl", "--input", ctrlInput, "--output", dir + "/o.jsonl", "--estimator", "max@k", "--k", Self.huge])
    #expect(!k.signaled && k.status == 1 && k.stderr.contains("needs 100000000000 samples per group; the groups have 3"), "\(k.stderr)")
    _ = try run(["ctrl", "--input", ctrlInput, "--output", dir + "/o.jsonl", "--estimator", "bon-distill", "--n", Self.max])
    let out = try run(["calibrate", "--input", calibrateInput, "--output", dir + "/c.jsonl", "--batch-size", Self.max, "--format", "json"])
    #expect(out.contains("\"prompts\":1"), "\(out)")
  }

  /// The same options at sane values still run (in-process).
  @Test(arguments: [
    ["frontier", "--transforms", "identity", "--kl", "0.5:1:3", "--grid", "64", "--format", "csv"],
    ["optimal", "--kl", "1", "--grid", "64", "--format", "csv"],
    ["tuning-table", "--n", "2", "--kl", "1", "--grid", "64", "--format", "csv"],
    ["demo", "--prompts", "4", "--candidates", "32", "--n", "2", "--kl", "0.5", "--format", "csv"],
    ["bench", "calibrate", "--prompts", "4", "--references", "8", "--queries", "2", "--repeats", "1", "--warmup", "0", "--threads", "1"],
    ["bench", "ctrl-step", "--groups", "4", "--group-size", "4", "--repeats", "1", "--warmup", "0"],
    ["bench", "gemm", "--m", "4", "--n", "4", "--k", "4", "--repeats", "1", "--warmup", "0"],
    ["bench", "analyze", "--grid", "64", "--repeats", "1", "--warmup", "0"],
  ])
  func saneSizeRuns(_ arguments: [String]) throws {
    let out = try run(arguments)
    #expect(!out.isEmpty, "\(arguments)")
  }

  @Test func winrateBootstrapAtASaneSizeRuns() throws {
    let dir = temporaryDirectory(), input = dir + "/in.jsonl"
    try #"{"id": 1, "reference_rewards": [0, 1, 2, 3], "rewards": [1.5, 2.5]}"#.write(toFile: input, atomically: true, encoding: .utf8)
    let out = try run(["winrate", "--input", input, "--bootstrap", "100", "--format", "json"])
    #expect(out.contains("\"ci_low\""), "\(out)")
  }

  /// The checker itself: overflow of the count and of the bytes, decimal units.
  @Test func checkerCountsWithOverflowChecks() throws {
    #expect(MemoryBudget.format(800_000_000_000) == "800 GB")
    #expect(MemoryBudget.format(1_500_000) == "1.5 MB")
    #expect(throws: CLIError.self) { try MemoryBudget.memory("--x 1", [Int.max, 2], unit: "values", bytesEach: 1) }
    #expect(throws: CLIError.self) { try MemoryBudget.memory("--x 1", [Int.max / 4], unit: "values", bytesEach: 8) }
    try MemoryBudget.memory("--x 1", [1024, 1024], unit: "values", bytesEach: 8)
    try MemoryBudget.memory("--x 0", [0, Int.max], unit: "values", bytesEach: 8)
  }
}
