/// SpanBERT masking (Joshi et al. 2020; facebookresearch/SpanBERT `PairWithSpanMaskingScheme`):
/// draw a span length in words from the clipped geometric law, start it at a word chosen
/// uniformly among those not yet masked, extend it over the following words, and make one
/// 80/10/10 decision for the whole span (SpanBERT's default `replacement_method=span`).
///
/// Differences from SpanBERT, on purpose: spans are whole words (SpanBERT may cut the last
/// word to hit the budget exactly), the budget is Google BERT's rounded 15% capped by
/// `max_predictions`, the anchor is uniform over words rather than over tokens (SpanBERT's
/// token anchor favours long words), and a span stops at a [SEP] or an already masked word.
extension Masker {
    func maskSpans<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, budget: Int,
        ws: inout MaskingWorkspace, random: inout R
    ) {
        let units = ws.units
        // Visiting words in a random permutation (drawn lazily) and skipping masked ones draws each
        // anchor uniformly among the unmasked words, like SpanBERT's rejection loop, but terminates.
        var masked = 0
        for k in 0..<units {
            if masked >= budget { break }
            let anchor = random.drawNext(ws.order, k, count: units)
            if ws.unitCovered[anchor] { continue }
            let wanted = spanLengths.sample(using: &random)
            var tokens = Int(ws.end[anchor] - ws.start[anchor])
            if masked + tokens > budget { continue }
            var last = anchor
            while last - anchor + 1 < wanted, ws.linked(last), !ws.unitCovered[last + 1] {
                let next = Int(ws.end[last + 1] - ws.start[last + 1])
                if masked + tokens + next > budget { break }
                tokens += next
                last += 1
            }
            let r = random.next() >> 11  // one 80/10/10 draw for the span (`drawUnit()`'s bits)
            for w in anchor...last {
                ws.cover(w)
                for i in Int(ws.start[w])..<Int(ws.end[w]) {
                    replace(ids, at: i, draw: r, original: ws.original, random: &random)
                    ws.markMasked(i)
                }
            }
            ws.spanWordCounts.append(Int32(last - anchor + 1))
            masked += tokens
        }
    }
}
