import InfAlignC

// The buffers and the byte decoder of the `ctrl-shapes` target (ShapeFuzz.swift).

/// `count` elements allocated exactly (AddressSanitizer sees a read past them), freed with the object.
final class Buffer<T> {
  let pointer: UnsafeMutablePointer<T>
  let count: Int

  init(_ count: Int, _ fill: (Int) -> T) {
    self.count = count
    pointer = .allocate(capacity: count)
    for i in 0..<count { (pointer + i).initialize(to: fill(i)) }
  }

  deinit { pointer.deallocate() }
}

extension Buffer where T: BinaryFloatingPoint {
  /// Outputs start as NaN: one the call should have written and did not shows in the finiteness check.
  convenience init(_ count: Int, nan: Bool) { self.init(count) { _ in T.nan } }
}

/// Offsets of a ragged layout and the element count they span.
final class Offsets {
  let buffer: Buffer<Int64>
  let span: Int
  var pointer: UnsafeMutablePointer<Int64> { buffer.pointer }
  init(_ values: [Int64]) {
    buffer = Buffer(values.count) { values[$0] }
    span = Int(values.max() ?? 0)
  }
}

/// The fuzz bytes read as decisions, front to back (shape and choices first, values after).
struct FuzzBytes {
  private let bytes: UnsafeRawBufferPointer
  private var at = 0
  private var tail: UInt64? = nil
  /// Whether the step being decoded is the token-level entry.
  var tokensEntry = false

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  /// The next byte; past the input's end, a SplitMix64 stream seeded by the input (so a short input still fills
  /// a large shape with varied values, and the same input always decodes the same way).
  mutating func byte() -> UInt8 {
    if at < bytes.count {
      defer { at += 1 }
      return bytes[at]
    }
    if tail == nil { tail = bytes.reduce(UInt64(bytes.count)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } }
    tail! &+= 0x9E37_79B9_7F4A_7C15
    var z = tail!
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return UInt8(truncatingIfNeeded: z ^ (z >> 31))
  }

  mutating func bit() -> Bool { byte() & 1 == 1 }

  /// 0 ..< n (n ≤ 256).
  mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(byte()) % n }

  /// A size 0 ... limit, small more often (0 and 1 in a fifth of draws).
  mutating func size(_ limit: Int) -> Int {
    let b = byte()
    switch b % 10 {
    case 0: return 0
    case 1: return 1
    case 2, 3, 4: return Int(b / 10) % 4 + 1
    default: return Int(b / 10) % (limit + 1)
    }
  }

  mutating func stepShape(tokens: Bool) -> ShapeFuzz.StepShape {
    tokensEntry = tokens
    // Groups up to 64 in one step of 8, else up to 8; group size up to 16; tokens 0 ... 16 at the token level.
    let groups = below(8) == 0 ? size(64) : size(8)
    return .init(groups: groups, groupSize: size(16), maxTokens: tokens ? size(16) : 1)
  }

  /// Flags 0 ... 3, and now and then a word with other bits (rejected).
  mutating func flags() -> Int32 { below(16) == 0 ? Int32(bitPattern: 4 << UInt32(below(28))) : Int32(below(4)) }

  /// `prompts + 1` offsets from 0 with lengths 0 ... 8 (count at least `atLeast + 1`, the extra ones repeating the
  /// last); now and then broken (a non-zero start or a decrease, which the ABI rejects before it reads the data).
  mutating func offsets(_ prompts: Int, atLeast: Int = 0) -> Offsets {
    var values: [Int64] = [0]
    for _ in 0..<prompts { values.append(values.last! + Int64(size(8))) }
    while values.count < atLeast + 1 { values.append(values.last!) }
    if below(16) == 0 {
      if bit() || values.count < 2 { values[0] = 1 } else {
        let i = 1 + below(values.count - 1)
        values[i] = max(0, values[i - 1] - 1 - Int64(below(3)))
        if values[i] == values[i - 1] { values[0] = 1 }
      }
    }
    return Offsets(values)
  }

  /// A reward: small integers (ties), spread values, extremes; NaN and ±inf only in poisoned cases.
  mutating func value(poison: Bool) -> Double {
    let b = byte()
    switch b % 16 {
    case 0: return poison ? .nan : 0
    case 1: return poison ? .infinity : 1
    case 2: return poison ? -.infinity : -1
    case 3: return 1e300 * (b & 16 == 0 ? 1 : -1)
    case 4: return .leastNonzeroMagnitude
    case 5, 6, 7: return Double(b / 16 % 3)
    default: return Double(Int(b / 16) - 8) / 4 + Double(byte()) / 1024
    }
  }

  /// A log-probability: mostly in (−8, 0], sometimes large, NaN or ±inf in poisoned cases.
  mutating func logProb(poison: Bool) -> Double {
    let b = byte()
    switch b % 32 {
    case 0: return poison ? .nan : 0
    case 1: return poison ? -.infinity : -1e4
    case 2: return poison ? .infinity : -700
    case 3: return -1e300
    default: return -Double(b / 32) - Double(byte()) / 256
    }
  }

  /// A CTRL option word (`infalign_ctrl_options_set`) with a value, presets and k above the group size included.
  mutating func option(groupSize: Int) -> (String, String) {
    let k = below(4) == 0 ? groupSize + 1 + below(4) : below(groupSize + 2)
    let choices: [(String, [String])] = [
      ("preset", ["infalign", "verl-grpo", "verl-rloo", "verl-drgrpo", "verl-grpo-passk", "trl-grpo", "trl-rloo",
                  "openrlhf-group-norm", "openrlhf-rloo", "verl-0.9-grpo", "verl-0.9-drgrpo", "trl-1.16-grpo",
                  "openrlhf-0.11-gspo", "none"]),
      ("calibration", ["group", "none"]),
      ("transform", ["identity", "exp:3", "exp:1000", "negexp:2", "log", "logit", "power:2", "log:0"]),
      ("smoothing", ["true", "false"]),
      ("estimator", ["standard", "max@k:\(k)", "pass@k:\(k)", "analytic-pass@k:\(k)", "max-minus-second",
                     "bon-distill:\(k)", "won-distill:\(k)", "max@k:\(k):none", "pass@k:\(k):leave-one-out",
                     "max@k:\(k):marginal", "max@k:\(k):group-mean"]),
      ("baseline", ["rloo", "group-mean", "none"]),
      ("scale", ["none", "group", "batch", "batch-whiten"]),
      ("bessel_std", ["true", "false"]),
      ("std_epsilon", ["0", "1e-6", "-1"]),
      ("std_floor", ["0", "1e-3", "1e300"]),
      ("single_sample", ["zero", "mean-zero-std-one", "raw"]),
      ("distillation_epsilon", ["1e-6", "0.5", "0"]),
      ("kl_reward", ["none", "0.1:k1", "0.1:k3:10", "1:abs", "1e300:k2"]),
      ("kl_loss", ["none", "0.1:k3:10:straight-through", "0.01:k2", "1:k1:none"]),
      ("kl_loss_ratio_weight", ["true", "false"]),
      ("kl_reward_source", ["policy", "old-policy"]),
      ("kl_reward_placement", ["before-baseline", "after-baseline"]),
      ("clip_epsilon", ["0.2", "0", "10"]),
      ("clip_low", ["0.1", "0.9"]),
      ("clip_high", ["0.28", "5"]),
      ("dual_clip", ["3", "none", "0.5"]),
      ("ratio_cap", ["10", "none"]),
      ("log_ratio_clamp", ["20", "none", "0"]),
      ("ratio_level", ["token", "sequence-mean", "sequence-sum", "gspo-token"]),
      ("policy_loss", ["ppo", "cispo"]),
      ("rollout_correction", ["none", "token:2", "sequence:0.5:2", "token:3:2", "sequence:0"]),
      ("aggregation", ["token-mean", "seq-mean-token-mean", "seq-mean-token-mean:1e-8:floor-one",
                       "seq-mean-token-sum", "seq-mean-token-sum-norm", "token-sum-norm", "token-sum-norm:per-sequence"]),
      ("non_finite", ["throw", "mask"]),
    ]
    let (key, values) = choices[below(choices.count)]
    return (key, values[below(values.count)])
  }
}
