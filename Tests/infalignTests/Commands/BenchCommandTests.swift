import Foundation
import InfAlignSolvers
import Testing
@testable import infalign

/// Every kernel runs on a small shape in both dtypes and prints one JSON object with the documented keys.
@Test(arguments: [
  ["calibrate", "--prompts", "3", "--references", "5", "--queries", "2"],
  ["logsumexp", "--rows", "2", "--cols", "19"],
  ["softmax", "--rows", "3", "--cols", "17"],
  ["gemm", "--m", "2", "--n", "3", "--k", "4"],
  ["ctrl-step", "--groups", "4", "--group-size", "3"],
  ["analyze", "--transform", "exp:2", "--beta", "0.5", "--procedure", "bon:4"],
  ["optimal", "--grid", "128", "--beta", "0.5", "--procedure", "bon:2"],
  ["calibrate-table", "--prompts", "3", "--references", "5", "--queries", "2"],
  ["winrate", "--prompts", "4", "--samples", "9", "--procedure", "bon:2"],
])
func benchPrintsOneJSONObject(arguments: [String]) throws {
  for dtype in ["double", "float"] {
    let text = try run(["bench"] + arguments + ["--dtype", dtype, "--repeats", "3", "--seed", "7", "--warmup", "0"])
    let objects = jsonLines(text)
    try #require(objects.count == 1, "\(text)")
    let json = objects[0]
    #expect(json["kernel"] as? String == arguments[0])
    #expect(json["dtype"] as? String == dtype)
    #expect((json["repeats"] as? NSNumber)?.intValue == 3)
    #expect((json["warmup_s"] as? NSNumber)?.doubleValue == 0)
    #expect(json["isa"] as? String == VectorISA.active.description)
    #expect(json["unit"] is String)
    let median = try #require(rawNumber(text, "median_s")), minimum = try #require(rawNumber(text, "min_s"))
    #expect(minimum > 0 && minimum <= median)
    #expect(try #require(rawNumber(text, "throughput")) > 0)
    // The shape echoes the options (snake_case), e.g. "--group-size 3" as "group_size": 3.
    let shape = try #require(json["shape"] as? [String: Any])
    var i = 1
    while i + 1 < arguments.count {
      let key = arguments[i].dropFirst(2).replacingOccurrences(of: "-", with: "_")
      if let value = Int(arguments[i + 1]) { #expect((shape[key] as? NSNumber)?.intValue == value, "\(key)") }
      i += 2
    }
  }
}

@Test func benchRejectsBadOptions() {
  #expect(throws: (any Error).self) { try run(["bench", "logsumexp", "--repeats", "0"]) }
  #expect(throws: (any Error).self) { try run(["bench", "logsumexp", "--rows", "0"]) }
  #expect(throws: (any Error).self) { try run(["bench", "fft"]) }
  for warmup in ["-1", "nan", "inf", "1e9"] {
    #expect(throws: (any Error).self, "--warmup \(warmup)") { try run(["bench", "logsumexp", "--warmup", warmup]) }
  }
  #expect(throws: (any Error).self) { try run(["bench", "analyze", "--transform", "exp:"]) }
}

/// `--threads` sets the row kernels' thread count for the run and is echoed; out-of-range counts are rejected.
@Test func benchThreadsOption() throws {
  let text = try run(["bench", "logsumexp", "--rows", "64", "--cols", "9", "--repeats", "2", "--threads", "2", "--warmup", "0.01"])
  let json = try #require(jsonLines(text).first)
  #expect((json["threads"] as? NSNumber)?.intValue == 2)
  #expect(throws: (any Error).self) { try run(["bench", "logsumexp", "--threads", "0"]) }
}
