@testable import InfAlignSolvers
import Testing

/// The mid-rank scale against its four closed forms (MATH.md §2) for every count `#less + ½·#equal` a prompt of
/// `M` references can give, with the division exact as documented (`4.5/5` is the nearest value to 0.9), in both
/// precisions.
private func checkScale<T: BLASScalar>(_: T.Type) {
  for m in [2, 3, 5, 10, 64] {
    for twice in 0...(2 * m) {
      let count = T(twice) / 2
      let plain = MidRankScale<T>(CalibrationOptions(), references: m)
      let smooth = MidRankScale<T>(CalibrationOptions(smoothing: true), references: m)
      let loo = MidRankScale<T>(CalibrationOptions(leaveOneOut: true), references: m)
      let both = MidRankScale<T>(CalibrationOptions(leaveOneOut: true, smoothing: true), references: m)
      #expect(plain(count) == count / T(m))
      #expect(smooth(count) == (count + 0.5) / T(m + 1))
      if twice >= 1 && twice <= 2 * m - 1 {  // a reference's own count: at least ½, at most M − ½
        #expect(loo(count) == (count - 0.5) / T(m - 1))
        #expect(loo(count) >= 0 && loo(count) <= 1)
      }
      #expect(both(count) == count / T(m))
      #expect(smooth(count) > 0 && smooth(count) < 1)
    }
  }
  #expect(MidRankScale<T>(CalibrationOptions(), references: 5)(4.5) == T(0.9))
}

@Test func midRankScaleMatchesClosedFormsDouble() { checkScale(Double.self) }
@Test func midRankScaleMatchesClosedFormsFloat() { checkScale(Float.self) }

/// Leave-one-out calibration of a prompt's own references by brute force: each value's rank among the others.
@Test func leaveOneOutIsTheRankAmongTheOthers() throws {
  let refs = [3.0, 1, 4, 1, 5, 9, 2, 6]
  let got = try CalibrationTable(references: [refs]).calibrate([refs], options: .init(leaveOneOut: true))[0]
  for (i, q) in refs.enumerated() {
    var others = refs
    others.remove(at: i)
    let count = Double(others.filter { $0 < q }.count) + Double(others.filter { $0 == q }.count) / 2
    #expect(got[i] == count / Double(others.count), "reference \(i)")
  }
}
