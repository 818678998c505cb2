import RealModule

// The per-row primitives of the row kernels (max, sum, shifted exp sum, scale, subtract), SIMD or C at the
// active vector width; each works on one contiguous row of `n` values and allocates nothing.

extension RowReductions {
  @inlinable
  static func checkShape(_ count: Int, rows: Int, columns: Int, outCount: Int, expectedOut: Int) {
    precondition(rows >= 0 && columns >= 0, "negative shape \(rows)×\(columns)")
    precondition(count == rows * columns, "input has \(count) elements, expected \(rows)×\(columns)")
    precondition(outCount == expectedOut, "output has \(outCount) elements, expected \(expectedOut)")
  }

  /// Max of one row; NaN if the row holds a NaN; −∞ if empty.
  ///
  /// At AVX2 or AVX-512 (``VectorISA/active``) this is a C kernel. The portable path below uses four independent
  /// scalar accumulators (compiled to `maxsd`/`maxss` chains that pipeline; generic SIMD masks measured 1.6×
  /// slower here). A NaN never wins a `>` comparison, so NaN is detected separately.
  @inlinable
  static func rowMax<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, isa: VectorISA = .active) -> T {
    if isa != .baseline { return T.wideRowMax(isa, x, n) }
    var m0 = -T.infinity, m1 = m0, m2 = m0, m3 = m0
    var sawNaN = false
    var j = 0
    while j + 4 <= n {
      let a = x[j], b = x[j + 1], c = x[j + 2], d = x[j + 3]
      m0 = a > m0 ? a : m0
      m1 = b > m1 ? b : m1
      m2 = c > m2 ? c : m2
      m3 = d > m3 ? d : m3
      sawNaN = sawNaN || (a != a) || (b != b) || (c != c) || (d != d)
      j += 4
    }
    while j < n {
      let a = x[j]
      m0 = a > m0 ? a : m0
      sawNaN = sawNaN || (a != a)
      j += 1
    }
    if sawNaN { return .nan }
    return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
  }

  @inlinable
  static func rowSum<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
    var j = 0
    var acc = SIMD8<T>.zero
    while j + 8 <= n {
      acc += UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<T>.self)
      j += 8
    }
    var s = acc.sum()
    while j < n {
      s += x[j]
      j += 1
    }
    return s
  }

  /// `log Σ_j exp(x_j)` of one row, max-shifted; the max itself when it is not finite (NaN, ±∞, empty row).
  @inlinable
  static func rowLogSumExp<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int) -> T {
    let m = rowMax(x, n)
    if !m.isFinite { return m }  // NaN, +∞ or −∞ (empty / all −∞)
    return m + T.log(expShiftedSum(x, n, shift: m, store: nil))
  }

  /// `Σ exp(x_j − shift)`, optionally storing each term into `store`.
  @inlinable
  static func expShiftedSum<T: BLASScalar>(
    _ x: UnsafePointer<T>, _ n: Int, shift: T, store: UnsafeMutablePointer<T>?
  ) -> T {
    T.expShiftedSum(x, n, shift: shift, store: store, isa: .active)
  }

  @inlinable
  static func scale<T: BLASScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int, by factor: T) {
    var j = 0
    let f8 = SIMD8<T>(repeating: factor)
    while j + 8 <= n {
      let raw = UnsafeMutableRawPointer(x + j)
      raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<T>.self) * f8, as: SIMD8<T>.self)
      j += 8
    }
    while j < n {
      x[j] *= factor
      j += 1
    }
  }

  @inlinable
  static func subtract<T: BLASScalar>(_ x: UnsafePointer<T>, _ n: Int, _ c: T, into out: UnsafeMutablePointer<T>) {
    var j = 0
    let c8 = SIMD8<T>(repeating: c)
    while j + 8 <= n {
      let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<T>.self) - c8
      UnsafeMutableRawPointer(out + j).storeBytes(of: v, as: SIMD8<T>.self)
      j += 8
    }
    while j < n {
      out[j] = x[j] - c
      j += 1
    }
  }
}
