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

  /// A table read back with `infalign_table_shape` / `_references_copy_*` and rebuilt ragged calibrates to the same
  /// bits as the original, for ties, signed zeros and ragged prompts (what the Python package pickles a table by).
  func readBack<T: CElement>(
    _: T.Type, create: (UnsafePointer<T>?, UnsafePointer<Int64>?, Int64, UnsafeMutablePointer<OpaquePointer?>?) -> Int32,
    copy: (OpaquePointer?, UnsafeMutablePointer<T>?, Int64, UnsafeMutablePointer<Int64>?) -> Int32,
    calibrate: (OpaquePointer?, UnsafePointer<T>?, UnsafePointer<Int64>?, Int32, UnsafeMutablePointer<T>?) -> Int32
  ) {
    var g = Xoshiro256StarStar(seed: 11)
    let offsets: [Int64] = [0, 5, 6, 6 + 40, 6 + 40 + 17]
    var refs = (0..<Int(offsets.last!)).map { _ in T(Double.random(in: -2...2, using: &g).rounded(toPlaces: 1)) }
    refs[0] = -0.0
    refs[1] = 0.0
    var original: OpaquePointer? = nil, rebuilt: OpaquePointer? = nil
    #expect(create(refs, offsets, 4, &original) == 0)
    var prompts: Int64 = -1, total: Int64 = -1, size: Int64 = -1
    #expect(infalign_table_shape(original, &prompts, &total, &size) == 0)
    #expect(prompts == 4 && total == offsets.last! && size == Int64(MemoryLayout<T>.size))
    var values = [T](repeating: .nan, count: Int(total)), copied = [Int64](repeating: -1, count: 5)
    #expect(copy(original, &values, total, &copied) == 0)
    #expect(copied == offsets)
    #expect(create(values, copied, 4, &rebuilt) == 0)
    let queryOffsets: [Int64] = [0, 30, 31, 80, 90]
    var queries = (0..<90).map { _ in T(Double.random(in: -2.5...2.5, using: &g).rounded(toPlaces: 1)) }
    queries[0] = 0.0
    for flags: Int32 in [0, 2] {
      var a = [T](repeating: -1, count: 90), b = [T](repeating: -2, count: 90)
      #expect(calibrate(original, queries, queryOffsets, flags, &a) == 0)
      #expect(calibrate(rebuilt, queries, queryOffsets, flags, &b) == 0)
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }
    #expect(copy(original, &values, total - 1, &copied) == Status.argument.rawValue)
    #expect(infalign_table_free(original) == 0 && infalign_table_free(rebuilt) == 0)
  }

  @Test func aTableReadBackCalibratesToTheSameBits() {
    readBack(Float.self, create: infalign_table_create_ragged_f32, copy: infalign_table_references_copy_f32,
             calibrate: infalign_table_calibrate_ragged_f32)
    readBack(Double.self, create: infalign_table_create_ragged_f64, copy: infalign_table_references_copy_f64,
             calibrate: infalign_table_calibrate_ragged_f64)
  }
}

extension Double {
  fileprivate func rounded(toPlaces places: Int) -> Double {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    return (self * scale).rounded() / scale
  }
}
