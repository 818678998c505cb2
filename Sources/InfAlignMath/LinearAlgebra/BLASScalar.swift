import RealModule

/// A floating-point type the library computes in: `Float` (BLAS's `s` routines) and `Double` (`d`).
///
/// These two are the only conforming types, and no other can be added: the protocol is sealed by its
/// `_blasScalarSeal` requirement (underscored: not in the rendered documentation), whose type ``BLASScalarSeal``
/// only this module can create (one for `Float`, one for `Double`). The BLAS/LAPACK bindings and the vector
/// kernels behind the generic code are `package` members that switch over the seal (`BLASScalar+Kernels.swift`,
/// `Float+BLASScalar.swift`, `Double+BLASScalar.swift`): the switch is exhaustive, so no generic call can reach a
/// type without kernels, and it folds away when the caller is specialized. The matrix-level API is ``BLAS``,
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
  /// Which of `Float` and `Double` this is: the seal that keeps the protocol to those two types (a value of
  /// ``BLASScalarSeal`` cannot be made outside InfAlignMath).
  static var _blasScalarSeal: BLASScalarSeal<Self> { get }
}

/// The proof that `Scalar` is `Float` or `Double`, required by ``BLASScalar``. It has no public initializer: only
/// InfAlignMath makes the two values (`Float`'s and `Double`'s), so no other module can conform a type to
/// ``BLASScalar``, and the kernels' dispatch over ``BLASScalar`` is exhaustive.
public struct BLASScalarSeal<Scalar>: Sendable {
  /// The scalar types with BLAS/LAPACK routines and vector kernels.
  @usableFromInline package enum Kind: Sendable { case float, double }
  @usableFromInline package let kind: Kind
  @inlinable init(_ kind: Kind) { self.kind = kind }
}

extension BLASScalarSeal where Scalar == Float {
  @inlinable static var float: Self { Self(.float) }
}

extension BLASScalarSeal where Scalar == Double {
  @inlinable static var double: Self { Self(.double) }
}
