/// Which triangle of a symmetric matrix is referenced.
public enum Triangle: Sendable, Hashable {
  case upper
  case lower

  @usableFromInline var lapack: CChar { self == .upper ? CChar(UInt8(ascii: "U")) : CChar(UInt8(ascii: "L")) }
}
