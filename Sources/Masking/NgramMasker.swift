/// Whole-word n-gram masking as in Megatron-LM `create_masked_lm_predictions`
/// (megatron/data/dataset_utils.py, `geometric_dist=False`) and DeBERTa's `NGramMaskGenerator`:
/// shuffle the word positions; at each, draw n with P(n) ∝ 1/n over the n-grams that exist
/// there, shorten n until it fits the budget, skip it if any word is already masked, then
/// mask each token 80/10/10. Unlike Megatron, an n-gram never runs across a [SEP].
extension Masker {
    func maskNgrams<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, budget: Int,
        ws: inout MaskingWorkspace, random: inout R
    ) {
        let units = ws.units
        var masked = 0
        for k in 0..<units {
            if masked >= budget { break }
            let first = random.drawNext(ws.order, k, count: units)
            var available = 1
            while available < ngramLengths.maxN, ws.linked(first + available - 1) { available += 1 }
            var n = ngramLengths.sample(upTo: available, using: &random)
            var tokens = Int(ws.end[first + n - 1] - ws.start[first])
            while masked + tokens > budget && n > 1 {
                n -= 1
                tokens = Int(ws.end[first + n - 1] - ws.start[first])
            }
            if masked + tokens > budget { continue }
            var anyCovered = false
            for w in first..<(first + n) where ws.unitCovered[w] { anyCovered = true; break }
            if anyCovered { continue }
            for w in first..<(first + n) { maskUnitPerToken(ids, unit: w, ws: &ws, random: &random) }
            ws.spanWordCounts.append(Int32(n))
            masked += tokens
        }
    }
}
