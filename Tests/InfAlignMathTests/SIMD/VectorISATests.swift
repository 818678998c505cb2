import Foundation
@testable import InfAlignMath
import Testing

// The width-bound kernels at every vector level this machine runs (baseline Swift, and the C kernels at AVX2 and
// AVX-512 where the CPU has them), each against the C library or brute force.

private func libmExp<T: BLASScalar>(_ x: T) -> T {
  if let x = x as? Float { return Foundation.expf(x) as! T }
  return Foundation.exp(x as! Double) as! T
}

private func expSum<T: BLASScalar>(_ x: [T], shift: T, isa: VectorISA, inPlace: Bool = false) -> (T, [T]) {
  var terms = x
  let sum = terms.withUnsafeMutableBufferPointer { t in
    if inPlace { return T.expShiftedSum(t.baseAddress!, t.count, shift: shift, store: t.baseAddress!, isa: isa) }
    return x.withUnsafeBufferPointer {
      T.expShiftedSum($0.baseAddress!, $0.count, shift: shift, store: t.baseAddress!, isa: isa)
    }
  }
  return (sum, terms)
}

/// Each term within 2 ulp of the C library on a dense sweep of the whole fast range, for every length around the
/// vector widths (tails and masked remainders), stored in place or not; the sum within `n` ulps of the terms' sum.
private func checkExpSum<T: BLASScalar>(_: T.Type, isa: VectorISA) {
  let (lo, hi, step): (Double, Double, Double) = T.self == Float.self ? (-87, 88, 0.0173) : (-708, 709, 0.0911)
  var sweep: [T] = []
  var x = lo
  while x < hi {
    sweep.append(T(x))
    x += step
  }
  let (_, terms) = expSum(sweep, shift: 0, isa: isa)
  var maxUlp: T = 0
  for (v, e) in zip(sweep, terms) {
    let ref = libmExp(v)
    maxUlp = max(maxUlp, abs(e - ref) / ref.ulp)
  }
  #expect(maxUlp <= 2, "\(isa) \(T.self) max ulp \(maxUlp)")

  var rng = TestRNG(5)
  for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100] {
    let v: [T] = (0..<n).map { _ in T(rng.uniform(-40, 10)) }
    let shift = T(rng.uniform(-5, 5))
    for inPlace in [false, true] {
      let (sum, terms) = expSum(v, shift: shift, isa: isa, inPlace: inPlace)
      var naive: T = 0
      for j in 0..<n {
        let ref = libmExp(v[j] - shift)
        #expect(abs(terms[j] - ref) <= 2 * ref.ulp, "\(isa) n=\(n) term \(j)")
        naive += ref
      }
      #expect(abs(sum - naive) <= T(max(n, 1)) * 4 * naive.ulp, "\(isa) n=\(n) sum \(sum) vs \(naive)")
    }
  }

  // Special values go to the C library's exp: exactly its results, in any lane and any tail position.
  let specials: [T] = [-.infinity, .infinity, .nan, -800, 800, 0, -0.0, 1e-30, -100, 100]
  for n in [1, 9, 17, 33] {
    for position in 0..<n {
      for special in specials {
        var v = [T](repeating: 0.5, count: n)
        v[position] = special
        let (sum, terms) = expSum(v, shift: 0, isa: isa)
        let ref = libmExp(special)
        #expect(terms[position] == ref || (ref.isNaN && terms[position].isNaN), "\(isa) \(special) at \(position)/\(n)")
        #expect(sum.isNaN == special.isNaN && (sum == .infinity) == (ref == .infinity))
      }
    }
  }
}

@Test(arguments: VectorISA.available) func expShiftedSumMatchesLibmDouble(isa: VectorISA) {
  checkExpSum(Double.self, isa: isa)
}
@Test(arguments: VectorISA.available) func expShiftedSumMatchesLibmFloat(isa: VectorISA) {
  checkExpSum(Float.self, isa: isa)
}

/// The row maximum at every level: lengths around the unrolls, a NaN in each position, ±∞, empty rows.
private func checkRowMax<T: BLASScalar>(_: T.Type, isa: VectorISA) {
  var rng = TestRNG(9)
  for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65] {
    var v: [T] = (0..<n).map { _ in T(rng.uniform(-1e3, 1e3)) }
    let rowMax = { (row: [T]) in row.withUnsafeBufferPointer { RowReductions.rowMax($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, n, isa: isa) } }
    #expect(rowMax(v) == (v.max() ?? -.infinity), "\(isa) n=\(n)")
    for position in 0..<n {
      let saved = v[position]
      v[position] = .nan
      #expect(rowMax(v).isNaN, "\(isa) NaN at \(position)/\(n)")
      v[position] = .infinity
      #expect(rowMax(v) == .infinity, "\(isa) +∞ at \(position)/\(n)")
      v[position] = saved
    }
    #expect(rowMax([T](repeating: -.infinity, count: n)) == -.infinity)
  }
}

@Test(arguments: VectorISA.available) func rowMaxAtEveryWidthDouble(isa: VectorISA) { checkRowMax(Double.self, isa: isa) }
@Test(arguments: VectorISA.available) func rowMaxAtEveryWidthFloat(isa: VectorISA) { checkRowMax(Float.self, isa: isa) }

/// The active level never exceeds what the CPU supports, and `INFALIGN_SIMD` can only lower it.
@Test func activeLevelIsSupported() {
  #expect(VectorISA.active <= VectorISA.detected)
  #expect(VectorISA.available.first == .baseline && VectorISA.available.last == VectorISA.detected)
}
