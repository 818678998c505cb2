import Testing
@testable import InfAlignInput

/// The id-hash table: every distinct hash is new once, every repeat is found, across growth; 0 is never a hash.
@Test func idHashSetFindsEveryRepeatAcrossGrowth() {
  var set = IDHashSet()
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  var hashes: [UInt64] = []
  for _ in 0..<20_000 {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    hashes.append(state | 1)
  }
  // Clustered values too (linear probing's worst case): consecutive integers.
  hashes += (1...5_000).map { UInt64($0) }
  for h in hashes {
    let new = set.insert(h)
    #expect(new)
  }
  #expect(set.count == hashes.count)
  for h in hashes {
    let new = set.insert(h)
    #expect(!new)
  }
  #expect(set.count == hashes.count)
  let empty: [UInt8] = []
  #expect(empty.withUnsafeBytes(IDHashSet.hash) != 0)
  let a = Array("p\u{e9}".utf8), b = Array("p\u{e8}".utf8)
  #expect(a.withUnsafeBytes(IDHashSet.hash) != b.withUnsafeBytes(IDHashSet.hash))
  #expect(a.withUnsafeBytes(IDHashSet.hash) == a.withUnsafeBytes(IDHashSet.hash))
}
