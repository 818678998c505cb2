import CInfAlignBLAS

/// The integer type of the BLAS/LAPACK interface (`blasint`, `lapack_int`). Debian's OpenBLAS is built LP64,
/// so this is `Int32`. All conversions from Swift `Int` go through ``blasInt(_:_:)``.
@usableFromInline package typealias BLASInt = Int32

/// Converts a size or stride to the BLAS integer type, trapping (with the name of the quantity) when it does not
/// fit. This is the one place where `Int` becomes `blasint`.
@inlinable @inline(__always)
package func blasInt(_ value: Int, _ what: StaticString = "dimension") -> BLASInt {
  guard let converted = BLASInt(exactly: value) else {
    preconditionFailure("\(what) \(value) does not fit the 32-bit BLAS integer type")
  }
  return converted
}
