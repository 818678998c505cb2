import RealModule

/// A floating-point type the library computes in: `Float` (BLAS's `s` routines) and `Double` (`d`).
///
/// These two are the conforming types; the BLAS/LAPACK bindings and the vector kernels behind the generic code
/// are `package` members dispatched on the type (`BLASScalar+Kernels.swift`, `Float+BLASScalar.swift`,
/// `Double+BLASScalar.swift`), so they are not part of the public surface. The matrix-level API is ``BLAS``,
/// ``LAPACK`` and ``RowReductions``.
///
/// The protocol exposes the IEEE bit pattern (for radix sorting) and is `Real` (swift-numerics), so generic
/// code can call `exp`, `log`, `log1p`, `expm1`.
public protocol BLASScalar: BinaryFloatingPoint, Real, SIMDScalar, Sendable, Codable, LosslessStringConvertible
where RawSignificand: FixedWidthInteger {
  /// The unsigned integer holding this type's IEEE-754 bit pattern.
  associatedtype BitPattern: FixedWidthInteger & UnsignedInteger & Sendable
  var bitPattern: BitPattern { get }
  init(bitPattern: BitPattern)
}
