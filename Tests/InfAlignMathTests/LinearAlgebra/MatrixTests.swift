import InfAlignMath
import Testing

@Test func matrixConstructionAndAccess() {
  let m = Matrix<Double>(rows: 2, columns: 3) { i, j in Double(10 * i + j) }
  #expect(m.storage == [0, 1, 2, 10, 11, 12])
  #expect(m == Matrix([[0, 1, 2], [10, 11, 12]]))
  #expect(m[1, 2] == 12)
  #expect(Array(m.row(1)) == [10, 11, 12])
  #expect(m.withRow(1) { Array($0) } == [10, 11, 12])
  #expect(m.transposed() == Matrix([[0, 10], [1, 11], [2, 12]]))
  #expect(Matrix<Float>.identity(2).storage == [1, 0, 0, 1])
  var n = m
  n.withMutableRow(0) { $0[1] = 99 }
  #expect(n[0, 1] == 99 && m[0, 1] == 1)  // value semantics
  #expect(Matrix<Double>(rows: 0, columns: 4).count == 0)
}

@Test func rowViewsDoNotCopy() {
  let m = Matrix<Double>(rows: 3, columns: 4, repeating: 1)
  let base = m.withUnsafeBufferPointer { $0.baseAddress! }
  let rowBase = m.withRow(2) { $0.baseAddress! }
  #expect(rowBase == base + 8)
}
