import Foundation
import Glibc
import Testing
@testable import infalign

private let oneLine = "{\"id\": \"a\", \"reference_rewards\": [1, 2, 3], \"rewards\": [2]}\n"
private let expected = "{\"id\":\"a\",\"calibrated\":[0.5],\"transformed\":[0.5]}\n"

/// glibc's `makedev` for small numbers (the macro is not imported).
private func characterDevice(_ major: UInt, _ minor: UInt) -> dev_t { dev_t((major << 8) | minor) }

private func fileType(_ path: String) -> mode_t {
  var info = stat()
  return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
}

@Test func outputFollowsSymlinksAndKeepsTheLink() throws {
  let dir = temporaryDirectory()
  try oneLine.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
  // An existing target and a dangling one: both are written through the link, the links stay links.
  try "old".write(toFile: dir + "/target.jsonl", atomically: true, encoding: .utf8)
  try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: "target.jsonl")
  try FileManager.default.createSymbolicLink(atPath: dir + "/dangling.jsonl", withDestinationPath: "new.jsonl")
  for (link, target) in [("link.jsonl", "target.jsonl"), ("dangling.jsonl", "new.jsonl")] {
    _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/" + link])
    #expect(fileType(dir + "/" + link) == S_IFLNK)
    #expect(try String(contentsOfFile: dir + "/" + target, encoding: .utf8) == expected)
  }
  #expect(temporaryLeftovers(in: dir).isEmpty)
}

@Test func outputKeepsThePermissionsOfTheFileItReplaces() throws {
  let dir = temporaryDirectory()
  try oneLine.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
  try "old".write(toFile: dir + "/out.jsonl", atomically: true, encoding: .utf8)
  chmod(dir + "/out.jsonl", 0o640)
  _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/out.jsonl"])
  var info = stat()
  stat(dir + "/out.jsonl", &info)
  #expect(info.st_mode & 0o777 == 0o640)
}

@Test func outputRefusesToOverwriteTheInput() throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl"
  try oneLine.write(toFile: input, atomically: true, encoding: .utf8)
  link(input, dir + "/hard.jsonl")
  try FileManager.default.createSymbolicLink(atPath: dir + "/soft.jsonl", withDestinationPath: input)
  for output in [input, dir + "/./in.jsonl", dir + "/hard.jsonl", dir + "/soft.jsonl"] {
    #expect(throws: CLIError.self) { try run(["calibrate", "--input", input, "--output", output]) }
  }
  // A table:FILE transform is an input too.
  try "u,R\n0,0\n1,1\n".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
  #expect(throws: CLIError.self) {
    try run(["calibrate", "--input", input, "--output", dir + "/t.csv", "--transform", "table:" + dir + "/t.csv"])
  }
  #expect(try String(contentsOfFile: input, encoding: .utf8) == oneLine)
  #expect(temporaryLeftovers(in: dir).isEmpty)
}

@Test func outputWritesDevicesAndFIFOsInPlace() throws {
  let dir = temporaryDirectory()
  try oneLine.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
  // Device nodes made here (as root) stand in for /dev/null and /dev/full, so a regression cannot replace the
  // machine's own; without the privilege the FIFO case below still runs.
  if mknod(dir + "/null", S_IFCHR | 0o666, characterDevice(1, 3)) == 0 {
    _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/null"])
    #expect(fileType(dir + "/null") == S_IFCHR)
  }
  if mknod(dir + "/full", S_IFCHR | 0o666, characterDevice(1, 7)) == 0 {
    do {
      _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/full"])
      Issue.record("writing to a full device succeeded")
    } catch {
      #expect("\(error)" == "cannot write \(dir)/full: No space left on device")
    }
    #expect(fileType(dir + "/full") == S_IFCHR)
  }
  // A FIFO: the data arrives through it and it stays a FIFO.
  let fifo = dir + "/fifo"
  #expect(mkfifo(fifo, 0o600) == 0)
  let reader = Thread.detachNewThreadWithResult { () -> String in
    let fd = open(fifo, O_RDONLY)
    defer { close(fd) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
    while case let n = read(fd, &chunk, chunk.count), n > 0 { bytes += chunk[0..<n] }
    return String(decoding: bytes, as: UTF8.self)
  }
  _ = try run(["calibrate", "--input", dir + "/in.jsonl", "--output", fifo])
  #expect(reader.wait() == expected)
  #expect(fileType(fifo) == S_IFIFO)
  #expect(temporaryLeftovers(in: dir).isEmpty)
}

@Test func outputToStandardOutputAndFailedWritesExitNonZero() throws {
  let dir = temporaryDirectory()
  try oneLine.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
  let direct = try runExecutable(["calibrate", "--input", dir + "/in.jsonl", "--output", "/dev/stdout", "--format", "json"])
  #expect(direct.status == 0)
  #expect(direct.stdout.hasPrefix(expected))
  // stdout on a full device: one line naming standard output, non-zero exit.
  let full = try runExecutable(["calibrate", "--input", dir + "/in.jsonl", "--output", dir + "/o.jsonl"],
                               stdoutPath: "/dev/full")
  #expect(full.status != 0 && !full.signaled)
  #expect(full.stderr == "Error: cannot write to standard output: No space left on device\n")
}

@Test func inputDirectoryIsACleanError() throws {
  let dir = temporaryDirectory()
  for command in [["calibrate", "--input", dir, "--output", dir + "/o.jsonl"], ["winrate", "--input", dir]] {
    let result = try runExecutable(command)
    #expect(result.status == 1 && !result.signaled)
    #expect(result.stderr == "Error: cannot read \(dir): it is a directory\n")
  }
  #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
}

@Test(arguments: [SIGINT, SIGTERM, SIGHUP])
func signalsRemoveTheTemporaryOutput(_ signal: Int32) throws {
  let dir = temporaryDirectory()
  let input = dir + "/in.jsonl", output = dir + "/out.jsonl"
  // The input is a FIFO: the command opens it, creates its temporary output and then waits for data.
  #expect(mkfifo(input, 0o600) == 0)
  var writer: Int32 = -1
  let result = try runExecutable(["calibrate", "--input", input, "--output", output]) { process in
    writer = open(input, O_WRONLY)
    _ = oneLine.withCString { Glibc.write(writer, $0, strlen($0)) }
    let deadline = Date().addingTimeInterval(20)
    while temporaryLeftovers(in: dir).isEmpty && Date() < deadline { usleep(10_000) }
    #expect(!temporaryLeftovers(in: dir).isEmpty, "no temporary output appeared")
    kill(process.processIdentifier, signal)
  }
  close(writer)
  #expect(result.signaled && result.status == signal)
  #expect(temporaryLeftovers(in: dir).isEmpty)
  #expect(!FileManager.default.fileExists(atPath: output))
}

extension Thread {
  /// Runs `body` on a new thread; `wait()` returns its result.
  static func detachNewThreadWithResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> ThreadResult<T> {
    let result = ThreadResult<T>()
    Thread.detachNewThread { result.set(body()) }
    return result
  }
}

final class ThreadResult<T: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var value: T?

  func set(_ v: T) {
    condition.lock()
    value = v
    condition.signal()
    condition.unlock()
  }

  func wait() -> T {
    condition.lock()
    defer { condition.unlock() }
    while value == nil { condition.wait() }
    return value!
  }
}
