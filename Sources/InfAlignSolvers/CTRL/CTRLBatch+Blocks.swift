import InfAlignMath

/// The fixed partition of a CTRL batch into blocks of whole groups: the unit of threading of the group and token
/// stages, and of their partial sums. Block boundaries depend only on the shape (never on the thread count), and
/// the blocks' sums are combined in block order after the threads join, so every batch statistic (the std of a
/// batch, the loss, the KL means) is the same bits for any number of threads.
struct CTRLBlocks {
  /// Samples × tokens per block, about: enough work (tens of microseconds) to outweigh handing a block to a thread,
  /// few enough that the blocks balance over the threads.
  static let targetElements = 4096

  let groups: Int, groupsPerBlock: Int, count: Int

  init(groups: Int, groupSize g: Int, maxTokens nt: Int) {
    self.groups = groups
    groupsPerBlock = Swift.max(1, Self.targetElements / Swift.max(1, g * nt))
    count = (groups + groupsPerBlock - 1) / groupsPerBlock
  }

  /// The groups of block `k`.
  @inline(__always)
  func groups(ofBlock k: Int) -> Range<Int> {
    (k * groupsPerBlock)..<Swift.min(groups, (k + 1) * groupsPerBlock)
  }

  /// The workers (and so workspaces) ``forEach(threads:_:)`` uses.
  func workers(threads: Int?) -> Int { ParallelRows.workers(rows: count, threads: threads, minimumRows: 2) }

  /// Calls `body(block, worker)` for every block, on up to ``workers(threads:)`` threads; throws the error of the
  /// lowest block that failed (the error one thread would have thrown first), each block stopping at its first.
  func forEach<E: Error>(threads: Int?, _ body: (_ block: Int, _ worker: Int) throws(E) -> Void) throws(E) {
    try ParallelRows.forEach(rows: count, threads: threads, minimumRows: 2) { (blocks, worker) throws(E) in
      for k in blocks { try body(k, worker) }
    }
  }
}

/// What one block of groups contributes to the batch: its group-stage totals, valid-token and non-empty-sample
/// counts (after rollout rejection), its share of the batch mean of the rollout weights, and its token-stage sums.
struct CTRLBlockTotals {
  var groups = CTRLGroupTotals()
  var validTokens = 0, nonEmpty = 0
  var rolloutWeightSum = 0.0, rolloutWeightCount = 0.0
  var tokens = CTRLTokenTotals()
}

extension CTRLGroupTotals {
  /// Adds a later block's totals (blocks must be merged in block order for the same bits on any thread count).
  mutating func merge(_ other: CTRLGroupTotals) {
    validSamples += other.validSamples
    rewards.merge(count: other.rewards.count, mean: other.rewards.mean, m2: other.rewards.m2)
    advantages.merge(count: other.advantages.count, mean: other.advantages.mean, m2: other.advantages.m2)
  }
}

extension CTRLTokenTotals {
  /// Adds a later block's sums (in block order, for the same bits on any thread count).
  mutating func merge(_ other: CTRLTokenTotals) {
    policyLoss += other.policyLoss
    klLoss += other.klLoss
    k1 += other.k1
    k2 += other.k2
    k3 += other.k3
    tokens += other.tokens
    clipped += other.clipped
  }
}

extension CTRLBatch {
  /// Stages 1–3 on the staged path, one block of groups on one worker: validity, rewards and advantages of each
  /// group, the `valid` output, masked samples zeroed; gathers the block's totals and valid-token counts.
  func stagedGroups(
    _ range: Range<Int>, _ valid: UnsafeMutableBufferPointer<Bool>?, _ ws: CTRLWorkspace,
    _ totals: inout CTRLBlockTotals, rowsChecked: Bool = true
  ) throws(InfAlignError) {
    let g = groupSize, mask = options.nonFinite == .mask
    for b in range {
      var m = try validateGroup(b, ws, rowsChecked: rowsChecked)
      if case .group = calibration, m < 2, g > 0 {  // a group without samples needs no references
        if !mask { throw .emptyReferences(prompt: b, count: m) }
        for i in 0..<g { ws.valid[i] = false }
        m = 0
      }
      try groupRewards(b, m, ws)
      try groupAdvantages(b, m, ws, &totals.groups)
      for i in 0..<g {
        let j = b * g + i
        valid?[j] = ws.valid[i]
        if !ws.valid[i] { zeroSample(j) }
      }
      for k in 0..<m {
        let j = b * g + ws.index[k]
        outputs.advantages[j] = T(ws.estimate[k])
        let length = rolloutKeep(sample: j, ws.tokenKeep)
        totals.validTokens += length
        if length > 0 { totals.nonEmpty += 1 }
        if options.rolloutCorrection?.batchNormalize == true {
          let share = rolloutWeightShare(sample: j)
          totals.rolloutWeightSum += share.sum
          totals.rolloutWeightCount += share.count
        }
      }
    }
  }

  /// Stage 4 on the scalar path, one block of groups on one worker: every valid sample's tokens, summed into the
  /// block's totals.
  func stagedTokens(
    _ range: Range<Int>, _ ppo: CTRLTerms.PPO, _ aggregation: CTRLAggregation,
    _ valid: UnsafeMutableBufferPointer<Bool>?, _ ws: CTRLWorkspace, _ totals: inout CTRLTokenTotals,
    rowsChecked: Bool = true
  ) throws(InfAlignError) {
    let g = groupSize, level = tokenKernelLevel
    var q = kernelParameters(weight: 0)
    for b in range {
      for i in 0..<g where valid?[b * g + i] ?? true {
        if let level, kernelTokens(b, i, level, &q, aggregation, ws, &totals) { continue }
        if !rowsChecked {  // a log-prob the group stage did not check: the caller starts over with the checks
          totals.tokens = -1
          return
        }
        try sampleTokens(b, i, ppo, aggregation, ws, &totals)
      }
    }
  }
}
