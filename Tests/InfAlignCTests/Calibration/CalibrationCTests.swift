import InfAlignSolvers
import Testing

@testable import InfAlignC

/// The C entry points return exactly what the generic Swift functions return, for `Float` and `Double`.
@Suite struct CalibrationCTests {
  func body<T: CElement>(_: T.Type, dense: (UnsafePointer<T>?, Int64, UnsafePointer<T>?, Int64, Int64, Int32, UnsafeMutablePointer<T>?) -> Int32) throws {
    var g = Xoshiro256StarStar(seed: 7)
    let b = 9, m = 33, k = 70
    let refs = (0..<(b * m)).map { _ in T(Double.random(in: -3...3, using: &g).rounded(toPlaces: 1)) }
    let queries = (0..<(b * k)).map { _ in T(Double.random(in: -3...3, using: &g).rounded(toPlaces: 1)) }
    for flags: Int32 in [0, 2] {
      var out = [T](repeating: -1, count: b * k)
      #expect(dense(refs, Int64(m), queries, Int64(k), Int64(b), flags, &out) == 0)
      let expected = try OneShotCalibration.calibrate(
        references: Matrix(rows: b, columns: m, storage: refs), queries: Matrix(rows: b, columns: k, storage: queries),
        options: CalibrationOptions(smoothing: flags == 2))
      #expect(out.map(\.bitPattern) == expected.storage.map(\.bitPattern))
    }
  }

  @Test func denseEqualsTheLibrary() throws {
    try body(Float.self, dense: infalign_calibrate_f32)
    try body(Double.self, dense: infalign_calibrate_f64)
  }

  @Test func tableHandlesRefuseTheOtherElementType() {
    var handle: OpaquePointer? = nil
    let refs: [Double] = [1, 2, 3]
    #expect(infalign_table_create_f64(refs, 1, 3, &handle) == 0)
    var q: [Float] = [2]
    #expect(infalign_table_calibrate_f32(handle, q, 1, 0, &q) == Status.argument.rawValue)
    #expect(String(cString: infalign_last_error()).contains("holds double references"))
    var d: [Double] = [2]
    #expect(infalign_table_calibrate_f64(handle, d, 1, 0, &d) == 0 && d == [0.5])
    #expect(infalign_table_free(handle) == 0)
  }
}

extension Double {
  fileprivate func rounded(toPlaces places: Int) -> Double {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    return (self * scale).rounded() / scale
  }
}
