import InfAlignMath
import Testing

@Test func gemmSmoke() {
  let a = Matrix<Double>([[1, 2], [3, 4]])
  let c = a * a
  #expect(c == Matrix([[7, 10], [15, 22]]))
}
