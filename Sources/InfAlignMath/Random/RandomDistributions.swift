import RealModule

/// Draws from the distributions the library needs, generic over `Float`/`Double` and any generator.
public enum Random {
  /// Uniform on [0, 1): the top 53 (Double) or 24 (Float) bits of one 64-bit draw, scaled exactly.
  @inlinable
  public static func uniform<T: BLASScalar, G: RandomNumberGenerator>(using g: inout G) -> T {
    let bits = T.significandBitCount + 1
    return T(g.next() >> UInt64(64 - bits)) * T(sign: .plus, exponent: T.Exponent(-bits), significand: 1)
  }

  /// Uniform on the open interval (0, 1): `(k + ½)·2^-p`, never 0 or 1, so `log` of it is finite.
  @inlinable
  public static func openUniform<T: BLASScalar, G: RandomNumberGenerator>(using g: inout G) -> T {
    let bits = T.significandBitCount  // one bit fewer so that k + ½ is exact
    return (T(g.next() >> UInt64(64 - bits)) + T(0.5)) * T(sign: .plus, exponent: T.Exponent(-bits), significand: 1)
  }

  /// A standard normal draw (Marsaglia's polar method; exact in distribution).
  @inlinable
  public static func normal<T: BLASScalar, G: RandomNumberGenerator>(using g: inout G) -> T {
    normalPair(using: &g).0
  }

  /// Two independent standard normal draws (Marsaglia's polar method).
  @inlinable
  public static func normalPair<T: BLASScalar, G: RandomNumberGenerator>(using g: inout G) -> (T, T) {
    while true {
      let u: T = 2 * uniform(using: &g) - 1
      let v: T = 2 * uniform(using: &g) - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        let factor = T.sqrt(-2 * T.log(s) / s)
        return (u * factor, v * factor)
      }
    }
  }

  /// A standard Gumbel draw `−log(−log U)`, U open uniform.
  @inlinable
  public static func gumbel<T: BLASScalar, G: RandomNumberGenerator>(using g: inout G) -> T {
    -T.log(-T.log(openUniform(using: &g)))
  }

  /// Fills `buffer` with uniform [0, 1) draws.
  @inlinable
  package static func fillUniform<T: BLASScalar, G: RandomNumberGenerator>(
    _ buffer: UnsafeMutableBufferPointer<T>, using g: inout G
  ) {
    for i in buffer.indices { buffer[i] = uniform(using: &g) }
  }

  /// Fills `buffer` with standard normal draws (pairs from the polar method).
  @inlinable
  package static func fillNormal<T: BLASScalar, G: RandomNumberGenerator>(
    _ buffer: UnsafeMutableBufferPointer<T>, using g: inout G
  ) {
    var i = 0
    while i + 1 < buffer.count {
      (buffer[i], buffer[i + 1]) = normalPair(using: &g)
      i += 2
    }
    if i < buffer.count { buffer[i] = normal(using: &g) }
  }

  /// `count` standard normal draws.
  @inlinable
  public static func normals<T: BLASScalar, G: RandomNumberGenerator>(count: Int, using g: inout G) -> [T] {
    var out = [T](repeating: 0, count: count)
    out.withUnsafeMutableBufferPointer { fillNormal($0, using: &g) }
    return out
  }

  /// `count` uniform [0, 1) draws.
  @inlinable
  public static func uniforms<T: BLASScalar, G: RandomNumberGenerator>(count: Int, using g: inout G) -> [T] {
    var out = [T](repeating: 0, count: count)
    out.withUnsafeMutableBufferPointer { fillUniform($0, using: &g) }
    return out
  }
}
