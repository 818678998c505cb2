import Foundation
import Testing
@testable import infalign

/// The file holds exactly the bytes of a one-thread loop, across chunk and part boundaries, at any thread count.
@Test(arguments: [0, 1, 15, 16, 17, ParallelRowWriter.chunkRows - 1, ParallelRowWriter.chunkRows,
                  ParallelRowWriter.chunkRows + 1, 3 * ParallelRowWriter.chunkRows + 5])
func parallelRowWriterKeepsTheOrder(count: Int) throws {
  let dir = temporaryDirectory()
  var expected = ""
  for row in 0..<count { expected += "\(row),\(Double(row) / 7)\n" }
  for threads in [1, 2, 3] {
    let path = dir + "/rows-\(threads).txt"
    let file = try OutputFile(path: path)
    try ParallelRowWriter().write(count: count, to: file, threads: threads) { row, block in
      block.append(integer: row)
      block.append(UInt8(ascii: ","))
      block.append(number: Double(row) / 7)
      block.append(10)
    }
    try file.commit()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == expected, "threads \(threads)")
  }
}

/// A failing row stops the write with the first error in row order, on any thread count.
@Test func parallelRowWriterThrowsTheFirstErrorInRowOrder() throws {
  let dir = temporaryDirectory()
  for threads in [1, 2] {
    let file = try OutputFile(path: dir + "/rows-\(threads).txt")
    let error = try #require(throws: CLIError.self) {
      try ParallelRowWriter().write(count: 3 * ParallelRowWriter.chunkRows, to: file, threads: threads) {
        (row, block) throws(CLIError) in
        if row == 5000 || row == 5001 || row == 9000 { throw CLIError("row \(row)") }
        block.append(integer: row)
      }
    }
    #expect(error.description == "row 5000", "threads \(threads)")
  }
}
