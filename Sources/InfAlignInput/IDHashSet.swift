/// The 64-bit hashes of the CSV prompt ids read so far: enough to notice a prompt whose rows reappear after other
/// prompts, in any batch, without keeping the ids (which made memory grow with the file and the ids' length).
/// The hashes live in a `Set<UInt64>`: 8 bytes per prompt at a load of at most ¾, so 11–21 bytes per prompt and
/// 1.5 times that while it doubles (1M prompts: a 16 MiB table, 24 MiB at the peak).
///
/// A hit is only a suspicion: two ids share a 64-bit hash with probability about n²/2⁶⁵ over n prompts, so the
/// reader confirms it on the bytes before reporting (``PromptReader``). The hash is Swift's `Hasher` (SipHash,
/// seeded per process), so a file cannot be built to collide on purpose and a collision does not repeat from run
/// to run.
///
/// - Complexity: `insert` is expected O(1); the id's hash is O(id length).
struct IDHashSet {
  private var hashes: Set<UInt64> = []
  var count: Int { hashes.count }

  /// The hash of `id`; never 0 (0 stays free as a "no id" mark for callers).
  static func hash(_ id: UnsafeRawBufferPointer) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(bytes: id)
    let h = UInt64(bitPattern: Int64(hasher.finalize()))
    return h == 0 ? 1 : h
  }

  /// Adds `hash`; false when it was already there.
  mutating func insert(_ hash: UInt64) -> Bool { hashes.insert(hash).inserted }
}
