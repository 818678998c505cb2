import InfAlignMath
import Testing

/// Threaded row reductions equal single-threaded ones bit for bit (NaN payloads aside: compared by bit pattern),
/// including rows with ±∞ and NaN, for thread counts above and below the row count.
private func checkThreadedReductions<T: BLASScalar>(_: T.Type) throws {
  var rng = TestRNG(11)
  for (rows, cols) in [(1, 5), (3, 3), (257, 129), (2048, 64), (64, 2048)] {
    var m: Matrix<T> = rng.matrix(rows, cols, -40, 40)
    m[rows / 2, 0] = .infinity
    m[rows - 1, cols - 1] = -.infinity
    if rows > 2 { m[1, cols / 2] = .nan }
    let single = (
      max: RowReductions.max(m, threads: 1), lse: RowReductions.logSumExp(m, threads: 1),
      sm: try RowReductions.softmax(m, threads: 1), lsm: try RowReductions.logSoftmax(m, threads: 1))
    for threads in [2, 3, 7] {
      #expect(bits(RowReductions.max(m, threads: threads)) == bits(single.max))
      #expect(bits(RowReductions.logSumExp(m, threads: threads)) == bits(single.lse))
      #expect(bits(try RowReductions.softmax(m, threads: threads).storage) == bits(single.sm.storage))
      #expect(bits(try RowReductions.logSoftmax(m, threads: threads).storage) == bits(single.lsm.storage))
    }
  }
}

@Test func threadedReductionsBitIdenticalDouble() throws { try checkThreadedReductions(Double.self) }
@Test func threadedReductionsBitIdenticalFloat() throws { try checkThreadedReductions(Float.self) }

/// The zero-mass error names the first all −∞ row, as with one thread.
private func checkThreadedErrors<T: BLASScalar>(_: T.Type) {
  var rng = TestRNG(12)
  var m: Matrix<T> = rng.matrix(4096, 32)
  for row in [1500, 3000] { for j in 0..<32 { m[row, j] = -.infinity } }
  for threads in [1, 2, 4] {
    #expect(throws: MathError.zeroMass(row: 1500)) { _ = try RowReductions.softmax(m, threads: threads) }
    #expect(throws: MathError.zeroMass(row: 1500)) { _ = try RowReductions.logSoftmax(m, threads: threads) }
  }
}

@Test func threadedErrorsNameTheFirstRowDouble() { checkThreadedErrors(Double.self) }
@Test func threadedErrorsNameTheFirstRowFloat() { checkThreadedErrors(Float.self) }

/// Bit patterns (Float widens to Double exactly, so equal patterns there mean equal patterns in Float).
private func bits<T: BLASScalar>(_ values: [T]) -> [UInt64] { values.map { Double($0).bitPattern } }
