import CInfAlignSIMD

// The row maximum at AVX2 / AVX-512 width (CInfAlignSIMD/row_max.c); see `RowReductions.rowMax`.

extension Double {
  @inlinable
  package static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Double>, _ n: Int) -> Double {
    precondition(isa != .baseline, "the portable path serves the baseline level")
    return infalign_row_max_f64(isa.kernelLevel, x, n)
  }
}

extension Float {
  @inlinable
  package static func wideRowMax(_ isa: VectorISA, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
    precondition(isa != .baseline, "the portable path serves the baseline level")
    return infalign_row_max_f32(isa.kernelLevel, x, n)
  }
}
