import Tokenization

/// Chooses and applies masks to one instance's `inputIDs` in place.
///
/// The strategies share one frame: the budget is Google BERT's
/// `min(max_predictions, max(1, round(len × masked_lm_prob)))` over the whole sequence
/// (specials included, Python 3 `round`, i.e. half to even); candidates are units that
/// never contain a special token; positions come out ascending with their original ids.
public struct Masker: Sendable {
    let options: MaskingOptions
    let tables: VocabularyTables
    let spanLengths = SpanLengthDistribution()
    let ngramLengths: NgramLengthDistribution
    /// The 80/10/10 split as bounds on a 53-bit draw `r` (the integer behind `drawUnit()`, whose
    /// value is `r × 2⁻⁵³`): `u < p` ⟺ `r < ⌈p × 2⁵³⌉` exactly, so comparing integers decides the
    /// same outcomes as comparing doubles, without a conversion and a multiply per token.
    let maskBound: UInt64
    /// Width of the "random token" interval `maskBound..<⌈(p_mask + p_random) × 2⁵³⌉`.
    let randomWidth: UInt64

    public init(options: MaskingOptions, vocabulary: Vocabulary) {
        precondition(
            options.maskTokenProbability >= 0 && options.randomTokenProbability >= 0
                && options.maskTokenProbability + options.randomTokenProbability <= 1,
            "80/10/10 split must be probabilities summing to at most 1")
        self.options = options
        self.tables = VocabularyTables(vocabulary: vocabulary)
        maskBound = Self.drawBound(options.maskTokenProbability)
        randomWidth = Self.drawBound(options.maskTokenProbability + options.randomTokenProbability) - maskBound
        if case let .ngram(n) = options.strategy {
            precondition(n >= 1, "n-gram length must be at least 1")
            ngramLengths = NgramLengthDistribution(maxN: n)
        } else {
            ngramLengths = NgramLengthDistribution(maxN: 1)
        }
    }

    /// Writes ascending positions and their original ids to `positions` / `labels`
    /// (cleared first). Special tokens are never chosen.
    public func mask<R: RandomNumberGenerator>(
        _ inputIDs: inout [UInt32], positions: inout [UInt32],
        labels: inout [UInt32], using random: inout R
    ) {
        var workspace = MaskingWorkspace()
        mask(&inputIDs, positions: &positions, labels: &labels, workspace: &workspace, using: &random)
    }

    /// As above, reusing `workspace`'s buffers (no allocation once they have grown).
    public func mask<R: RandomNumberGenerator>(
        _ inputIDs: inout [UInt32], positions: inout [UInt32],
        labels: inout [UInt32], workspace ws: inout MaskingWorkspace,
        using random: inout R
    ) {
        positions.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        let m = inputIDs.withUnsafeMutableBufferPointer { mask($0, workspace: &ws, using: &random) }
        positions.append(contentsOf: UnsafeBufferPointer(start: ws.gathered, count: m))
        labels.append(contentsOf: UnsafeBufferPointer(start: ws.gatheredLabels, count: m))
    }

    /// Masks `ids` in place (a row of a batch, say) and hands `body` the masked positions,
    /// ascending, and their original ids, which live in `workspace` and are valid only inside
    /// `body`: no copy of the sequence and, once the workspace has grown, no allocation.
    public func mask<R: RandomNumberGenerator, T>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, workspace ws: inout MaskingWorkspace, using random: inout R,
        _ body: (_ positions: UnsafeBufferPointer<UInt32>, _ labels: UnsafeBufferPointer<UInt32>) throws -> T
    ) rethrows -> T {
        let m = mask(ids, workspace: &ws, using: &random)
        return try body(
            UnsafeBufferPointer(start: ws.gathered, count: m), UnsafeBufferPointer(start: ws.gatheredLabels, count: m))
    }

    /// The masking itself, on one sequence in place: returns how many positions were masked;
    /// they are in `ws.gathered` (ascending) with their original ids in `ws.gatheredLabels`.
    func mask<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, workspace ws: inout MaskingWorkspace,
        using random: inout R
    ) -> Int {
        let n = ids.count
        let budget = predictionBudget(sequenceLength: n)
        guard budget > 0 else { return 0 }
        let wholeWords: Bool
        if case .token = options.strategy { wholeWords = false } else { wholeWords = true }
        ws.reset(count: n)
        tables.kind.withUnsafeBufferPointer { kind in
            ws.collectUnits(UnsafeBufferPointer(ids), kind: kind, wholeWords: wholeWords)
        }
        guard ws.units > 0 else { return 0 }
        switch options.strategy {
        case .token, .wholeWord: maskUnits(ids, budget: budget, ws: &ws, random: &random)
        case .span: maskSpans(ids, budget: budget, ws: &ws, random: &random)
        case .ngram: maskNgrams(ids, budget: budget, ws: &ws, random: &random)
        }
        return ws.gatherMasked(count: n)
    }

    /// Google BERT's number of predictions for a sequence of `n` tokens.
    func predictionBudget(sequenceLength n: Int) -> Int {
        let scaled = (Double(n) * options.maskedLMProbability).rounded(.toNearestOrEven)
        return min(options.maxPredictions, max(1, Int(scaled)))
    }

    /// `⌈p × 2⁵³⌉` for a probability p (0...1): a 53-bit draw r is below it exactly when
    /// `Double(r) × 2⁻⁵³ < p` (the scaling by 2⁵³ is exact, and r is an integer).
    static func drawBound(_ p: Double) -> UInt64 {
        UInt64((min(max(p, 0), 1) * 0x1p53).rounded(.up))
    }

    /// One 80/10/10 outcome for the token at `i`, from a uniform 53-bit draw `r` (what
    /// `drawUnit()` scales to [0, 1)); keeps the original id.
    @inline(__always)
    func replace<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, at i: Int, draw r: UInt64,
        original: UnsafeMutablePointer<UInt32>, random: inout R
    ) {
        let id = ids[i]
        original[i] = id
        // [MASK] as a select and the random-token test as one unsigned compare: the 80/10/10
        // outcome is a coin flip per token, so every branch on it is mispredicted often; only
        // the rare (10%) random-token case, which must draw again, keeps a branch.
        // All ones when r < maskBound (r and maskBound are ≤ 2⁵³, so the difference's sign bit
        // says which is smaller); a `?:` here compiles to a branch.
        let select = 0 &- UInt32(truncatingIfNeeded: (r &- maskBound) >> 63)
        var out = id ^ ((id ^ tables.maskID) & select)
        if r &- maskBound < randomWidth {
            let k = random.drawInt(below: tables.replacementIDs.count)
            if let base = tables.replacementBase {
                out = base &+ UInt32(truncatingIfNeeded: k)
            } else {
                out = tables.replacementIDs[k]
            }
        }
        ids[i] = out
    }

    /// Masks unit `w` with one decision per token (Google BERT, Megatron).
    @inline(__always)
    func maskUnitPerToken<R: RandomNumberGenerator>(
        _ ids: UnsafeMutableBufferPointer<UInt32>, unit w: Int,
        ws: inout MaskingWorkspace, random: inout R
    ) {
        ws.cover(w)
        let original = ws.original
        for i in Int(ws.start[w])..<Int(ws.end[w]) {
            replace(ids, at: i, draw: random.next() >> 11, original: original, random: &random)
            ws.markMasked(i)
        }
    }
}
