import InfAlignSolvers
import Testing

/// The fast group pass (`CTRLStep+FastGroups.swift`: eight groups per SIMD lane, the rest one by one) computes the
/// staged path's expressions in the staged path's order. An all-true mask sends the same sequence-level batch down
/// the staged group path, so the advantages (which carry the group and batch moments) must be the same bits, for
/// every baseline and scaling (group std, batch std, whitening) and for group counts that leave a remainder after
/// the lanes. (The per-sample stage differs between the two routes, the vector kernel against the masked token
/// pass, so the KL terms and the loss are compared to the peers elsewhere, not here.)
func checkFastGroupsMatchStaged<T: BLASScalar>(_: T.Type) throws {
  var scalings: [(String, CTRLOptions)] = []
  for preset in CTRLPreset.allCases where preset.calibration != .group {
    scalings.append(("\(preset)", preset.options))
    for scale in [CTRLOptions.Scale.batch, .batchWhiten] {
      var o = preset.options
      o.scale = scale
      scalings.append(("\(preset), scale \(scale)", o))
    }
  }
  for groups in [1, 8, 13, 37] {
    for g in [2, 5, 16] {
      let x = peerBatch(T.self, seed: UInt64(100 * groups + g), b: groups, g: g, t: 1, masked: false, extremes: false)
      for (name, options) in scalings {
        func run(_ mask: [Bool]?) throws -> CTRLResult<T> {
          try CTRLStep.run(
            groups: groups, groupSize: g, maxTokens: 1, rewards: x.rewards.map { T($0) },
            policyLogProbs: x.lp.map { T($0) }, referenceLogProbs: x.ref.map { T($0) },
            oldPolicyLogProbs: x.old.map { T($0) }, mask: mask, calibration: .none, options: options, threads: 1)
        }
        let fast = try run(nil), staged = try run([Bool](repeating: true, count: groups * g))
        #expect(fast.advantages.storage.map { Double($0).bitPattern }
                  == staged.advantages.storage.map { Double($0).bitPattern }, "\(T.self) \(name), \(groups) groups of \(g)")
      }
    }
  }
}

@Test func fastGroupsMatchStaged() throws {
  try checkFastGroupsMatchStaged(Double.self)
  try checkFastGroupsMatchStaged(Float.self)
}
