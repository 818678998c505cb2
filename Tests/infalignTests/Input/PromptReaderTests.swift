import Foundation
import Testing
import InfAlignInput
@testable import infalign

/// Calibrates `content` (written to a file named `name`) to CSV and returns the output, or the error message.
private func calibrateToCSV(_ name: String, _ content: [UInt8]) throws -> Result<[UInt8], InputError> {
  let dir = temporaryDirectory()
  let input = dir + "/" + name, output = dir + "/out.csv"
  try Data(content).write(to: URL(fileURLWithPath: input))
  do {
    _ = try run(["calibrate", "--input", input, "--output", output])
  } catch let error as InputError {
    return .failure(error)
  }
  return .success(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
}

private let expectedCSV = Array("id,index,reward,calibrated,transformed\np1,0,1.5,0.5,0.5\n".utf8)

@Test(arguments: ["\n", "\r\n", "\r"])
func readersAcceptEveryLineEndingAndAByteOrderMark(_ newline: String) throws {
  let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
  let csv = ["id,source,reward", "p1,reference,1", "p1,reference,2", "p1,policy,1.5"].joined(separator: newline) + newline
  #expect(try calibrateToCSV("in.csv", bom + Array(csv.utf8)).get() == expectedCSV)
  let jsonl = "{\"id\": \"p1\", \"reference_rewards\": [1, 2], \"rewards\": [1.5]}" + newline + newline
  #expect(try calibrateToCSV("in.jsonl", bom + Array(jsonl.utf8)).get() == expectedCSV)
}

@Test func csvIdsAreBytesNeverMergedThroughReplacementCharacters() throws {
  var content = Array("id,source,reward\n".utf8)
  for id in [[0x70, 0xE9], [0x70, 0xE8]] as [[UInt8]] {
    content += id + Array(",reference,1\n".utf8) + id + Array(",policy,1\n".utf8)
  }
  let out = try calibrateToCSV("in.csv", content).get()
  let expected = Array("id,index,reward,calibrated,transformed\n".utf8)
    + [0x70, 0xE9] + Array(",0,1.0,0.5,0.5\n".utf8) + [0x70, 0xE8] + Array(",0,1.0,0.5,0.5\n".utf8)
  #expect(out == expected)
  // JSON cannot carry such an id: an error naming the prompt's line, not a silent U+FFFD.
  let dir = temporaryDirectory()
  try Data(content).write(to: URL(fileURLWithPath: dir + "/in.csv"))
  let message = failure(["calibrate", "--input", dir + "/in.csv", "--output", dir + "/out.jsonl"])
  #expect(message?.contains("in.csv:2") == true && message?.contains("not valid UTF-8") == true)
}

@Test func csvCellsAreCheckedAgainstTheHeader() throws {
  let extra = try calibrateToCSV("in.csv", Array("id,source,reward\np1,reference,1,5\n".utf8))
  #expect(throws: InputError.self) { try extra.get() }
  if case let .failure(error) = extra {
    #expect(error.description.contains("in.csv:2: cell 4 (\"5\")"))
  }
  let short = try calibrateToCSV("in.csv", Array("id,source,reward\np1,reference\n".utf8))
  if case let .failure(error) = short { #expect(error.description.contains("in.csv:2: 2 cells")) } else {
    Issue.record("a short row was accepted")
  }
  // Quoted cells: commas and quotes inside ids survive the round trip.
  let quoted = try calibrateToCSV("in.csv", Array("id,source,reward\n\"a,\"\"b\"\"\",reference,1\n\"a,\"\"b\"\"\",policy,1.5\n".utf8))
  #expect(try quoted.get() == Array("id,index,reward,calibrated,transformed\n\"a,\"\"b\"\"\",0,1.5,1.0,1.0\n".utf8))
}

@Test func jsonlRejectsDuplicateFieldsAndNamesTheLine() throws {
  for (line, message) in [
    ("{\"id\": 1, \"id\": 2, \"reference_rewards\": [1]}", "duplicate field \"id\""),
    ("{\"id\": 1, \"reference_rewards\": [1], \"reference_rewards\": [2], \"rewards\": []}", "duplicate field"),
    ("{\"id\": 1, \"reference_rewards\": [1, 1e400], \"rewards\": []}", "in.jsonl:1"),
    ("{\"id\": [1], \"reference_rewards\": [1], \"rewards\": []}", "must be a string or a number"),
    ("[1, 2]", "not a JSON object"),
    ("{\"id\": \"\u{1}\", \"reference_rewards\": [1], \"rewards\": []}", "in.jsonl:1"),
  ] {
    let result = try calibrateToCSV("in.jsonl", Array((line + "\n").utf8))
    if case let .failure(error) = result { #expect(error.description.contains(message), "\(error)") } else {
      Issue.record("accepted: \(line)")
    }
  }
}

@Test func csvPromptsSpanBatchesAndNonContiguousRowsAreCaught() throws {
  let dir = temporaryDirectory()
  var csv = "id,source,reward\n"
  for p in 0..<7 { for r in 0..<3 { csv += "p\(p),\(r == 2 ? "policy" : "reference"),\(r)\n" } }
  try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
  for batch in ["1", "2", "3", "512"] {
    _ = try run(["calibrate", "--input", dir + "/in.csv", "--output", dir + "/out-\(batch).csv", "--batch-size", batch])
  }
  let reference = try String(contentsOfFile: dir + "/out-512.csv", encoding: .utf8)
  #expect(reference.split(separator: "\n").count == 8)
  for batch in ["1", "2", "3"] { #expect(try String(contentsOfFile: dir + "/out-\(batch).csv", encoding: .utf8) == reference) }
  try "id,source,reward\np1,reference,1\np2,reference,1\np1,policy,1\n".write(toFile: dir + "/split.csv", atomically: true, encoding: .utf8)
  #expect(failure(["calibrate", "--input", dir + "/split.csv", "--output", dir + "/o.csv"])?.contains("split.csv:4: rows of prompt p1 are not contiguous (it first appears at line 2)") == true)
  // Across batches too (the earlier rows found by rereading the file), whatever the batch size.
  let later = csv + "p3,policy,5\n"
  try later.write(toFile: dir + "/later.csv", atomically: true, encoding: .utf8)
  for batch in ["1", "2", "3", "512"] {
    let message = failure(["calibrate", "--input", dir + "/later.csv", "--output", dir + "/o.csv", "--batch-size", batch])
    #expect(message?.contains("later.csv:23: rows of prompt p3 are not contiguous (it first appears at line 11)") == true,
            "\(batch): \(message ?? "no error")")
  }
}

/// The reappearance check keeps 64-bit hashes, not ids: a hash hit is confirmed on the bytes, so ids that merely
/// collide are read on (every id hashed to one value here), and true reappearances are still named with both lines,
/// in the batch or by rereading the file.
@Test func csvIdHashCollisionsAreConfirmedOnTheBytes() throws {
  let dir = temporaryDirectory()
  var csv = "id,source,reward\n"
  for p in 0..<50 { csv += "p\(p),reference,1\np\(p),policy,\(p)\n" }
  try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
  for limit in [1, 7, 512] {
    let reader = try PromptReader(path: dir + "/in.csv", idHash: { _ in 42 })
    var batch = PromptBatch(), prompts = 0
    while try reader.read(into: &batch, limit: limit) { prompts += batch.count }
    #expect(prompts == 50)
  }
  try (csv + "p3,policy,1\n").write(toFile: dir + "/again.csv", atomically: true, encoding: .utf8)
  for limit in [1, 7, 512] {
    do {
      let reader = try PromptReader(path: dir + "/again.csv", idHash: { _ in 42 })
      var batch = PromptBatch()
      while try reader.read(into: &batch, limit: limit) {}
      Issue.record("expected the reappearance of p3 to be an error")
    } catch {
      #expect(error.description.contains("again.csv:102: rows of prompt p3 are not contiguous (it first appears at line 8)"), "\(error)")
    }
  }
}

/// Input that cannot be reread (a pipe) still reports a reappearance from an earlier batch, without its line.
@Test func csvReappearanceOnAPipeIsReportedWithoutTheEarlierLine() throws {
  let dir = temporaryDirectory()
  let fifo = dir + "/in.csv"
  #expect(mkfifo(fifo, 0o600) == 0)
  let content = "id,source,reward\np1,reference,1\np2,reference,1\np1,policy,1\n"
  let writer = Thread { try? content.write(toFile: fifo, atomically: false, encoding: .utf8) }
  writer.start()
  do {
    let reader = try PromptReader(path: fifo)
    var batch = PromptBatch()
    while try reader.read(into: &batch, limit: 1) {}
    Issue.record("expected an error")
  } catch {
    #expect(error.description.contains("in.csv:4: rows of prompt p1 are not contiguous (it appeared in an earlier batch; this input cannot be reread to name the line)"), "\(error)")
  }
}

@Test func aLineLongerThanTheReadBlockIsReadWhole() throws {
  let dir = temporaryDirectory()
  let count = 700_000  // ~6 MB of references: longer than the 4 MiB read block
  var line = "{\"id\": \"long\", \"rewards\": [0.5], \"reference_rewards\": ["
  line += (0..<count).map { String(Double($0) / Double(count)) }.joined(separator: ",")
  line += "]}\n{\"id\": \"short\", \"reference_rewards\": [0, 1], \"rewards\": [0.5]}\n"
  try line.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
  _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/out.jsonl"])
  let rows = jsonLines(try String(contentsOfFile: dir + "/out.jsonl", encoding: .utf8))
  #expect(rows.count == 2)
  // 0.5 is reference 350,000 of 700,000: mid-rank (350,000 + 1/2) / 700,000.
  #expect((rows.first?["calibrated"] as? [Double])?.first == 350_000.5 / 700_000)
}

/// An id with a newline (or any control character) cannot split an error over two lines: libFuzzer's first find
/// on the JSONL reader. The id is escaped in the message, never changed in the data.
@Test func errorsQuoteIdsOnOneLine() throws {
  let dir = temporaryDirectory()
  for (name, content, quoted) in [
    ("in.jsonl", #"{"id": "a\nb", "rewards": [1]}"#, "prompt a\\nb"),
    ("in.jsonl", #"{"id": "\u2028x", "reference_rewards": []}"#, "prompt \\u{2028}x"),
    ("in.csv", "id,source,reward\n\"a\u{0B}b\",policy,1\n", "prompt a\\u{B}b"),
  ] {
    try content.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    let message = failure(["calibrate", "--input", dir + "/" + name, "--output", dir + "/out.csv"]) ?? ""
    #expect(message.contains(quoted) && !message.contains(where: \.isNewline), "\(message)")
  }
}
