extension CTRLRolloutCorrection {
  static let usage =
    "expected none or comma-separated terms: at most one of token:UPPER, sequence:UPPER (TIS), token:LOWER:UPPER, "
    + "sequence:LOWER:UPPER (IcePop); normalize (batch mean 1); reject:STAT:UPPER or reject:STAT:LOWER:UPPER "
    + "(STAT one of \(CTRLText.list(CTRLRolloutRejection.Statistic.allCases.map(\.rawValue))); LOWER for k1 only)"

  /// Parses `none` (nil) or comma-separated terms: one weights term `token:UPPER`, `sequence:UPPER` (TIS),
  /// `token:LOWER:UPPER`, `sequence:LOWER:UPPER` (IcePop); `normalize`; any number of `reject:STAT:UPPER` or (k1)
  /// `reject:STAT:LOWER:UPPER`, where a k1 statistic with one bound gets `LOWER = 1/UPPER` (verl).
  /// - Throws: ``InfAlignError/parse(kind:text:reason:)`` (kind `option`); a bound out of its domain is reported by
  ///   validation.
  public static func parse(_ text: String, option: String) throws(InfAlignError) -> CTRLRolloutCorrection? {
    if text == "none" { return nil }
    var result = CTRLRolloutCorrection(weights: nil)
    func numbers(_ parts: ArraySlice<Substring>) throws(InfAlignError) -> [Double] {
      var bounds: [Double] = []
      for part in parts {
        guard let x = Double(part) else { throw .parse(kind: option, text: text, reason: "\"\(part)\" is not a number") }
        bounds.append(x)
      }
      return bounds
    }
    for term in text.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = term.split(separator: ":", omittingEmptySubsequences: false)
      switch parts[0] {
      case "normalize" where parts.count == 1 && !result.batchNormalize:
        result.batchNormalize = true
      case "token", "sequence":
        guard result.weights == nil, parts.count == 2 || parts.count == 3 else {
          throw .parse(kind: option, text: text, reason: usage)
        }
        let level: Level = parts[0] == "token" ? .token : .sequence
        let b = try numbers(parts.dropFirst())
        result.weights = Weights(level: level, upper: b[b.count - 1], lower: b.count == 2 ? b[0] : nil)
      case "reject":
        guard parts.count == 3 || parts.count == 4,
          let statistic = CTRLRolloutRejection.Statistic(rawValue: String(parts[1]))
        else { throw .parse(kind: option, text: text, reason: usage) }
        let b = try numbers(parts.dropFirst(2))
        let k1 = statistic.estimator == 1
        if b.count == 2 && !k1 {
          throw .parse(kind: option, text: text, reason: "\(statistic.rawValue) takes an upper bound only (verl)")
        }
        let upper = b[b.count - 1]
        result.rejections.append(
          CTRLRolloutRejection(statistic: statistic, upper: upper, lower: k1 ? (b.count == 2 ? b[0] : 1 / upper) : nil))
      default:
        throw .parse(kind: option, text: text, reason: usage)
      }
    }
    if result.weights == nil, result.rejections.isEmpty { throw .parse(kind: option, text: text, reason: usage) }
    return result
  }

  /// The text form ``parse(_:option:)`` reads back.
  public var text: String {
    var terms: [String] = []
    if let weights { terms.append(weights.text) }
    if batchNormalize { terms.append("normalize") }
    terms += rejections.map(\.text)
    return terms.joined(separator: ",")
  }
}
