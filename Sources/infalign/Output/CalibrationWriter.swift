import InfAlignInput

/// Writes `infalign calibrate`'s rows: JSONL `{"id":..,"calibrated":[..],"transformed":[..],"advantages":[..]}`
/// or long-form CSV `id,index,reward,calibrated,transformed`, straight into the output's byte blocks.
/// A value that is not a finite number is an error naming the prompt, its line and the sample, never `null`.
struct CalibrationWriter {
  let file: OutputFile
  let csv: Bool
  let input: String
  let transform: String
  let leaveOneOut: Bool

  func header() throws(CLIError) {
    if csv { try file.write("id,index,reward,calibrated,transformed\n") }
  }

  func prompt(_ batch: PromptBatch, _ b: Int, rewards: ArraySlice<Double>, calibrated: ArraySlice<Double>,
              transformed: ArraySlice<Double>, advantages: [Double]?) throws(CLIError) {
    func at() -> String { "\(input):\(batch.lines[b]): prompt \(batch.idText(b))" }
    for (i, (c, t)) in zip(calibrated, transformed).enumerated() where !t.isFinite {
      throw CLIError("\(at()) sample \(i): --transform \(transform) of the calibrated value \(c) is \(t), not a finite number")
    }
    if let advantages, let i = advantages.firstIndex(where: { !$0.isFinite }) {
      throw CLIError("\(at()) sample \(i): the advantage is \(advantages[i]), not a finite number (transformed values too large?)")
    }
    let id = batch.id(b)
    try file.append { (buffer) throws(CLIError) in
      if csv {
        for (i, ((r, c), t)) in zip(zip(rewards, calibrated), transformed).enumerated() {
          NumberText.appendCSVCell(id, to: &buffer)
          buffer.append(UInt8(ascii: ","))
          buffer.append(integer: i)
          buffer.append(UInt8(ascii: ","))
          buffer.append(number: r)
          buffer.append(UInt8(ascii: ","))
          buffer.append(number: c)
          buffer.append(UInt8(ascii: ","))
          buffer.append(number: t)
          buffer.append(10)
        }
        return
      }
      buffer.append("{\"id\":" as StaticString)
      if !NumberText.appendJSONID(batch, b, to: &buffer) {
        throw CLIError("\(at()): the id is not valid UTF-8, which JSON cannot carry (write CSV output to keep it as bytes)")
      }
      buffer.append(",\"calibrated\":" as StaticString)
      NumberText.appendJSONArray(calibrated, to: &buffer)
      buffer.append(",\"transformed\":" as StaticString)
      NumberText.appendJSONArray(transformed, to: &buffer)
      if let advantages {
        buffer.append(",\"advantages\":" as StaticString)
        NumberText.appendJSONArray(advantages[...], to: &buffer)
      }
      buffer.append("}\n" as StaticString)
    }
  }
}
