import CInfAlignSIMD

// The row maximum at AVX2 / AVX-512 width (CInfAlignSIMD/row_max.c); see `RowReductions.rowMax`.

extension Double {
  @inlinable
  public static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Double>, _ n: Int) -> Double {
    precondition(isa != .baseline && isa <= VectorISA.detected, "wideRowMax needs a wide level this CPU supports")
    return infalign_row_max_f64(isa.rawValue, x, n)
  }
}

extension Float {
  @inlinable
  public static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
    precondition(isa != .baseline && isa <= VectorISA.detected, "wideRowMax needs a wide level this CPU supports")
    return infalign_row_max_f32(isa.rawValue, x, n)
  }
}
