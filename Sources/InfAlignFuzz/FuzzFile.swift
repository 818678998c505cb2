import Glibc
import InfAlignInput

/// The readers take a path, as the command line gives them: each input is written to a file in a private
/// directory (under `/dev/shm` when it exists, so no disk is touched) and read from there with the production
/// code, block size included. The block size and batch limit are derived from the input's length, so one input
/// always runs the same way (libFuzzer needs that) while the corpus covers lines straddling blocks of 1, 2, 3, 7,
/// 64 bytes and the default 4 MiB, and batches of 1 to 4 prompts.
final class FuzzFile {
  nonisolated(unsafe) static let shared = FuzzFile()
  static let blockSizes = [1, 2, 3, 7, 64, ByteLineReader.blockSize]
  let directory: String
  private var batch = PromptBatch()

  private init() {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array("\(base)/infalign-fuzz-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      fatalError("cannot create a directory under \(base)")
    }
    directory = String(cString: made)
  }

  /// Writes `bytes` to `NAME` + `suffix` in the private directory and returns the path.
  func write(_ bytes: UnsafeRawBufferPointer, suffix: String) -> String {
    let path = directory + "/input" + suffix
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    if fd < 0 { fatalError("cannot create \(path)") }
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n <= 0 { fatalError("cannot write \(path)") }
      done += n
    }
    close(fd)
    return path
  }

  /// Reads the bytes as a reward file; every accepted batch must hold the reader's invariants.
  func readPrompts(_ bytes: UnsafeRawBufferPointer, suffix: String) {
    let path = write(bytes, suffix: suffix)
    let blockSize = Self.blockSizes[bytes.count % Self.blockSizes.count]
    let limit = 1 + bytes.count % 4, requireRewards = bytes.count % 3 != 0
    do {
      let reader = try PromptReader(path: path, requireRewards: requireRewards, blockSize: blockSize)
      while try reader.read(into: &batch, limit: limit) {
        guard batch.count <= limit else { fatalError("a batch of \(batch.count) prompts over the limit \(limit)") }
        for b in 0..<batch.count { check(prompt: b, requireRewards: requireRewards) }
      }
    } catch {
      FuzzTarget.checkOneLine(error.description, "reader")
    }
  }

  /// Reads the bytes as `infalign ctrl`'s batch; what is accepted must be `groups × G` finite samples in every
  /// array (old log-probs on all groups or none) and, when asked for, non-empty references.
  func readCTRL(_ bytes: UnsafeRawBufferPointer) {
    let path = write(bytes, suffix: ".jsonl")
    let needsReferences = bytes.count % 2 == 0
    do {
      let input = try CTRLInput(
        path: path, needsReferences: needsReferences, blockSize: Self.blockSizes[bytes.count % Self.blockSizes.count])
      let b = input.batch, n = input.groups * input.groupSize
      guard input.groups > 0, input.groupSize > 0, b.rewards.count == n, b.policyLogProbs.count == n,
        b.referenceLogProbs.count == n, b.oldLogProbs.count == (input.hasOld ? n : 0)
      else { fatalError("ctrl input accepted with inconsistent sizes: \(input.groups) × \(input.groupSize)") }
      for array in [b.rewards, b.policyLogProbs, b.referenceLogProbs, b.oldLogProbs, b.references]
      where !array.allSatisfy(\.isFinite) {
        fatalError("ctrl input accepted with a non-finite number")
      }
      if needsReferences && (0..<input.groups).contains(where: { b.referenceRange($0).isEmpty }) {
        fatalError("ctrl input accepted without the reference rewards it needs")
      }
    } catch {
      FuzzTarget.checkOneLine(error.description, "ctrl reader")
    }
  }

  /// Non-empty finite references, finite rewards, log-probs as many as the rewards and finite, increasing lines.
  private func check(prompt b: Int, requireRewards: Bool) {
    let references = batch.references[batch.referenceRange(b)], rewards = batch.rewards[batch.rewardRange(b)]
    if references.isEmpty { fatalError("prompt \(batch.idText(b)) accepted with no references") }
    if !references.allSatisfy(\.isFinite) || !rewards.allSatisfy(\.isFinite) {
      fatalError("prompt \(batch.idText(b)) accepted with a non-finite reward")
    }
    if let lp = batch.logProbRange(b) {
      if lp.count != rewards.count { fatalError("prompt \(batch.idText(b)): \(lp.count) log-probs, \(rewards.count) rewards") }
      if !batch.policyLogProbs[lp].allSatisfy(\.isFinite) || !batch.referenceLogProbs[lp].allSatisfy(\.isFinite) {
        fatalError("prompt \(batch.idText(b)) accepted with a non-finite log-prob")
      }
    }
    if b > 0 && batch.lines[b] <= batch.lines[b - 1] { fatalError("prompt lines not increasing: \(batch.lines)") }
  }
}
