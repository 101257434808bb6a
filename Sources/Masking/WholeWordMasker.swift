/// Google BERT `create_masked_lm_predictions` (google-research/bert, create_pretraining_data.py):
/// shuffle the candidate units, take them in order while the budget allows, skip a unit
/// that would overflow it (a later, shorter one may still fit). The shuffle is drawn lazily
/// (`drawNext`): the same law as a full shuffle, without shuffling the unused tail. With `--whole-word` a unit is
/// a word (`##` pieces join the word before), otherwise a single token (per-token masking).
extension Masker {
    func maskUnits<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, budget: Int,
        ws: inout MaskingWorkspace, random: inout R
    ) {
        let units = ws.units
        let order = ws.order, start = ws.start, end = ws.end
        var masked = 0
        for k in 0..<units {
            if masked >= budget { break }
            let w = random.drawNext(order, k, count: units)
            let length = Int(end[w] - start[w])
            if masked + length > budget { continue }
            maskUnitPerToken(ids, unit: w, ws: &ws, random: &random)
            masked += length
        }
    }
}
