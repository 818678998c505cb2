import CInfAlignBLAS

/// Whether a BLAS operand is used as stored or transposed.
public enum Transpose: Sendable, Hashable {
  case none
  case transpose

  @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
  @usableFromInline var lapack: CChar { self == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")) }
}
