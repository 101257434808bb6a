/// `--pairs nsp|sop`: Google BERT `create_instances_from_document` (google-research/bert,
/// create_pretraining_data.py) step by step, and ALBERT's sentence-order variant
/// (google-research/albert, create_pretraining_data.py with `random_next_sentence=False`).
extension InstanceBuilder {
    mutating func buildPairs(
        _ document: TokenizedDocument, index: Int, documentCount: Int,
        fetch: RandomDocuments, random: inout InstanceRandom,
        batch: inout InstanceBatch, statistics: inout InstanceStatistics
    ) throws {
        let maxTokens = options.contentLimit
        let target = targetLength(random: &random)
        var chunkFirst = 0
        var length = 0
        var i = 0
        while i < segments.count {
            length += segments.length(i)
            if i == segments.count - 1 || length >= target {
                let chunkCount = i - chunkFirst + 1
                // Sentences chunkFirst ..< chunkFirst + aEnd form A.
                let aEnd = chunkCount >= 2 ? random.nextInt(in: 1...(chunkCount - 1)) : 1
                var a = Int(segments.start[chunkFirst])..<Int(segments.end[chunkFirst + aEnd - 1])
                if options.pairing == .nsp {
                    var b: Range<Int>
                    var bFromOther = false
                    let isRandomNext = chunkCount == 1 || random.nextDouble() < 0.5
                    if isRandomNext {
                        (b, bFromOther) = try randomNextSegment(
                            targetLength: target - a.count, index: index,
                            documentCount: documentCount, fetch: fetch,
                            random: &random)
                        // The chunk's unused sentences go back for the next instance.
                        i -= chunkCount - aEnd
                    } else {
                        b = Int(segments.start[chunkFirst + aEnd])..<Int(segments.end[i])
                    }
                    statistics.tokensTruncated += truncatePair(&a, &b, maxTokens: maxTokens, random: &random)
                    emitPair(
                        document.tokens, a, bFromOther ? randomSpan : document.tokens, b,
                        label: isRandomNext ? 1 : 0, random: &random, batch: &batch, statistics: &statistics)
                } else {
                    var b: Range<Int>
                    if chunkCount >= 2 {
                        b = Int(segments.start[chunkFirst + aEnd])..<Int(segments.end[i])
                    } else if a.count >= 2 {
                        // ALBERT takes B from another document here; SOP is about order within
                        // a document, so we cut the lone sentence at a random word start instead.
                        let cut = randomCut(document.tokens, a, random: &random)
                        b = cut..<a.upperBound
                        a = a.lowerBound..<cut
                    } else {
                        statistics.unpairedInstances += 1
                        emitSingle(
                            document.tokens, a, random: &random, batch: &batch, statistics: &statistics,
                            label: 0)
                        chunkFirst = i + 1; length = 0; i += 1
                        continue
                    }
                    let swapped = random.nextDouble() < 0.5
                    if swapped { swap(&a, &b) }
                    statistics.tokensTruncated += truncatePair(&a, &b, maxTokens: maxTokens, random: &random)
                    emitPair(
                        document.tokens, a, document.tokens, b, label: swapped ? 1 : 0,
                        random: &random, batch: &batch, statistics: &statistics)
                }
                chunkFirst = i + 1
                length = 0
            }
            i += 1
        }
    }

    /// Google BERT's random next segment: up to 10 draws for a document other than this one
    /// (we also pass over empty documents), then sentences from a random start until
    /// `targetLength` tokens. With nowhere else to go it falls back to this document, as the
    /// reference does after 10 failed draws. Returns the token range and whether it lies in
    /// `randomSpan` (else in the current document).
    ///
    /// Only the chosen span of the random document is copied (into `randomSpan`): its sentence
    /// lengths are read in place, its tokens only where a span starts or an over-long sentence is cut.
    mutating func randomNextSegment(
        targetLength: Int, index: Int, documentCount: Int, fetch: RandomDocuments,
        random: inout InstanceRandom
    ) throws -> (Range<Int>, Bool) {
        let pieceLimit = options.sentencePieceLimit, kind = masker.tables.kind
        /// Segments of document r; when it has any, draws the start, copies the span, returns true.
        func take(_ view: DocumentView, _ r: Int) throws -> Bool {
            try randomSegments.load(view, index: r, pieceLimit: pieceLimit, kind: kind)
            guard randomSegments.count > 0 else { return false }
            let (first, last) = spanEnds(randomSegments, targetLength: targetLength, random: &random)
            let lo = Int(randomSegments.start[first])
            view.tokens.copy(lo..<Int(randomSegments.end[last]), into: &randomSpan)
            var largest: UInt32 = 0
            for t in randomSpan { largest = max(largest, t) }
            if Int(largest) >= kind.count, let i = randomSpan.firstIndex(where: { Int($0) >= kind.count }) {
                throw DocumentDefect(
                    document: r,
                    detail:
                        "token \(lo + i) has id \(randomSpan[i]), outside the vocabulary of \(kind.count)")
            }
            return true
        }
        for _ in 0..<10 {
            let r = random.nextInt(below: documentCount)
            if r == index { continue }
            let found: Bool
            switch fetch {
            case .fetch(let fetch):
                try fetch(r, &randomDocument)
                let document = randomDocument
                found = try document.withView { try take($0, r) }
            case .view(let viewer):
                found = try viewer(r) { try take($0, r) }
            }
            if found { return (0..<randomSpan.count, true) }
        }
        let (first, last) = spanEnds(segments, targetLength: targetLength, random: &random)
        return (Int(segments.start[first])..<Int(segments.end[last]), false)
    }

    /// Google BERT's span: a uniformly drawn first segment, then more until `targetLength` tokens.
    func spanEnds(_ source: DocumentSegments, targetLength: Int, random: inout InstanceRandom) -> (Int, Int) {
        let first = random.nextInt(below: source.count)
        var last = first
        var length = source.length(first)
        while length < targetLength && last + 1 < source.count {
            last += 1
            length += source.length(last)
        }
        return (first, last)
    }

    /// Google BERT `truncate_seq_pair`: while too long, drop a token from the longer segment
    /// (B on a tie), from its front or back with equal chance. Returns how many were dropped.
    func truncatePair(
        _ a: inout Range<Int>, _ b: inout Range<Int>, maxTokens: Int,
        random: inout InstanceRandom
    ) -> Int {
        var dropped = 0
        while a.count + b.count > maxTokens {
            let front = random.nextDouble() < 0.5
            if a.count > b.count {
                a = front ? (a.lowerBound + 1)..<a.upperBound : a.lowerBound..<(a.upperBound - 1)
            } else {
                b = front ? (b.lowerBound + 1)..<b.upperBound : b.lowerBound..<(b.upperBound - 1)
            }
            dropped += 1
        }
        return dropped
    }

    /// A uniformly chosen word start strictly inside `range` (any inner position if none).
    func randomCut(_ tokens: [UInt32], _ range: Range<Int>, random: inout InstanceRandom) -> Int {
        let kind = masker.tables.kind
        var starts = 0
        for p in (range.lowerBound + 1)..<range.upperBound where kind[Int(tokens[p])] != VocabularyTables.continuation {
            starts += 1
        }
        if starts == 0 { return range.lowerBound + 1 + random.nextInt(below: range.count - 1) }
        var k = random.nextInt(below: starts)
        for p in (range.lowerBound + 1)..<range.upperBound where kind[Int(tokens[p])] != VocabularyTables.continuation {
            if k == 0 { return p }
            k -= 1
        }
        return range.upperBound - 1
    }
}
