import Foundation
import Testing
import InfAlignInput
@testable import infalign

/// Lines as read with a tiny read block, so every terminator lands on a block boundary somewhere.
private func readLines(_ bytes: [UInt8], blockSize: Int) throws -> [[UInt8]] {
  let path = temporaryDirectory() + "/lines"
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  var reader = try ByteLineReader(path: path, blockSize: blockSize)
  var lines: [[UInt8]] = []
  while let line = try reader.next() { lines.append(Array(line)) }
  return lines
}

@Test func lineReaderSplitsOnLFCRLFAndCRAtEveryBlockBoundary() throws {
  var rng = SystemRandomNumberGenerator()
  for _ in 0..<200 {
    var expected: [[UInt8]] = [], bytes: [UInt8] = []
    for _ in 0..<Int.random(in: 0...12, using: &rng) {
      let line = (0..<Int.random(in: 0...9, using: &rng)).map { _ in UInt8.random(in: 0x61...0x7A, using: &rng) }
      expected.append(line)
      // A lone CR followed by an empty line ended by LF would read as one CRLF: that pair is never written.
      let afterLoneCR = line.isEmpty && bytes.last == 13
      bytes += line + [[10], [13, 10], [13]][Int.random(in: afterLoneCR ? 1...2 : 0...2, using: &rng)]
    }
    let unterminated = Bool.random(using: &rng) && !(expected.last?.isEmpty ?? true)
    if unterminated { while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() } }
    for block in [1, 2, 3, 7, 64] {
      let got = try readLines(bytes, blockSize: block)
      #expect(got == expected, "\(bytes) block \(block) got \(got) expected \(expected)")
    }
  }
  #expect(try readLines([0xEF, 0xBB, 0xBF, 0x61, 10, 0x62], blockSize: 1) == [[0x61], [0x62]])
}
