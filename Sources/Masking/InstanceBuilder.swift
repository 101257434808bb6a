import Tokenization

/// Turns one document (one copy of it) into masked pretraining instances.
///
/// All randomness of a (document, copy) comes from one `InstanceRandom` stream keyed by
/// (seed, document index, copy index), drawn in a fixed order — target length, chunking,
/// pairing, truncation, masks — so the bytes do not depend on threads or on batching.
/// One builder per thread: it owns its scratch buffers.
public struct InstanceBuilder {
    let options: InstanceOptions
    let masker: Masker
    let seed: UInt64
    let classifierID: UInt32
    let separatorID: UInt32

    var segments = DocumentSegments()
    var randomSegments = DocumentSegments()
    var randomDocument = TokenizedDocument()
    /// NSP's random next segment, copied out of the random document (`randomNextSegment`).
    var randomSpan: [UInt32] = []
    var workspace = MaskingWorkspace()

    /// Fetches document `index` of the whole dataset (for NSP's random next segment).
    public typealias DocumentFetcher = (_ index: Int, _ into: inout TokenizedDocument) throws -> Void
    /// Runs `body` on document `index` of the whole dataset read in place, and returns its result
    /// (NSP's random next segment without decoding the whole document; see `DocumentView`).
    typealias DocumentViewer = (_ index: Int, _ body: (DocumentView) throws -> Bool) throws -> Bool

    /// Where NSP's random documents come from.
    enum RandomDocuments {
        case fetch(DocumentFetcher)
        case view(DocumentViewer)
    }

    public init(options: InstanceOptions, masking: MaskingOptions, vocabulary: Vocabulary, seed: UInt64) {
        precondition(options.maxSequenceLength >= 8, "max sequence length must be at least 8")
        guard let cls = vocabulary.special.classifier, let sep = vocabulary.special.separator else {
            preconditionFailure("\(vocabulary.path): vocabulary lacks [CLS] or [SEP]")
        }
        self.options = options
        self.masker = Masker(options: masking, vocabulary: vocabulary)
        self.seed = seed
        classifierID = cls; separatorID = sep
    }

    /// Appends the instances of copy `copy` of document `index` (of `documentCount`) to `batch`.
    /// Throws `DocumentDefect` for a document that contradicts itself.
    public mutating func build(
        _ document: TokenizedDocument, index: Int, copy: Int, documentCount: Int,
        fetch: DocumentFetcher, into batch: inout InstanceBatch,
        statistics: inout InstanceStatistics
    ) throws {
        try withoutActuallyEscaping(fetch) { fetch in
            try build(
                document, index: index, copy: copy, documentCount: documentCount, random: .fetch(fetch),
                into: &batch, statistics: &statistics)
        }
    }

    /// As above, reading NSP's random documents in place through `viewer` (same instances).
    mutating func build(
        _ document: TokenizedDocument, index: Int, copy: Int, documentCount: Int,
        viewer: DocumentViewer, into batch: inout InstanceBatch,
        statistics: inout InstanceStatistics
    ) throws {
        try withoutActuallyEscaping(viewer) { viewer in
            try build(
                document, index: index, copy: copy, documentCount: documentCount, random: .view(viewer),
                into: &batch, statistics: &statistics)
        }
    }

    mutating func build(
        _ document: TokenizedDocument, index: Int, copy: Int, documentCount: Int,
        random fetch: RandomDocuments, into batch: inout InstanceBatch,
        statistics: inout InstanceStatistics
    ) throws {
        let split = try segments.load(
            document, index: index, pieceLimit: options.sentencePieceLimit,
            kind: masker.tables.kind)
        let before = batch.count
        if copy == 0 {
            statistics.documents += 1
            statistics.sentencesSplit += split
            if segments.count == 0 { statistics.emptyDocuments += 1 }
        }
        if segments.count > 0 {
            var random = InstanceRandom(seed: seed, streamKeys: [UInt64(index), UInt64(copy)])
            switch options.pairing {
            case .none:
                packFullSentences(document, random: &random, batch: &batch, statistics: &statistics)
            case .nsp, .sop:
                try buildPairs(
                    document, index: index, documentCount: documentCount, fetch: fetch,
                    random: &random, batch: &batch, statistics: &statistics)
            }
        }
        if copy == 0 && batch.count - before > 1 { statistics.documentsSplit += 1 }
    }

    /// Google BERT's per-document target: the full budget, or with `short_seq_prob` a
    /// uniform length in 2...budget (`rng.randint(2, max_num_tokens)`).
    mutating func targetLength(random: inout InstanceRandom) -> Int {
        let limit = options.contentLimit
        if random.nextDouble() < options.shortSequenceProbability { return random.nextInt(in: 2...limit) }
        return limit
    }

    /// `--pairs none`: whole sentences packed greedily up to the target, [CLS] … [SEP].
    mutating func packFullSentences(
        _ document: TokenizedDocument, random: inout InstanceRandom,
        batch: inout InstanceBatch, statistics: inout InstanceStatistics
    ) {
        let target = targetLength(random: &random)
        var first = 0
        var length = 0
        for i in 0..<segments.count {
            let l = segments.length(i)
            if i > first && length + l > target {
                emitSingle(
                    document.tokens, Int(segments.start[first])..<Int(segments.end[i - 1]),
                    random: &random, batch: &batch, statistics: &statistics)
                first = i; length = 0
            }
            length += l
        }
        emitSingle(
            document.tokens, Int(segments.start[first])..<Int(segments.end[segments.count - 1]),
            random: &random, batch: &batch, statistics: &statistics)
    }

    mutating func emitSingle(
        _ tokens: [UInt32], _ range: Range<Int>, random: inout InstanceRandom,
        batch: inout InstanceBatch, statistics: inout InstanceStatistics,
        label: UInt32 = .max
    ) {
        let first = batch.inputIDs.count
        batch.inputIDs.append(classifierID)
        tokens.withUnsafeBufferPointer { batch.inputIDs.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
        batch.inputIDs.append(separatorID)
        batch.segmentBStarts.append(UInt32(range.count + 2))
        finish(from: first, label: label, random: &random, batch: &batch, statistics: &statistics)
    }

    /// [CLS] A [SEP] B [SEP] with segment ids 0…0 1…1 (`a` from `aTokens`, `b` from `bTokens`).
    mutating func emitPair(
        _ aTokens: [UInt32], _ a: Range<Int>, _ bTokens: [UInt32], _ b: Range<Int>,
        label: UInt32, random: inout InstanceRandom,
        batch: inout InstanceBatch, statistics: inout InstanceStatistics
    ) {
        let first = batch.inputIDs.count
        batch.inputIDs.append(classifierID)
        aTokens.withUnsafeBufferPointer { batch.inputIDs.append(contentsOf: UnsafeBufferPointer(rebasing: $0[a])) }
        batch.inputIDs.append(separatorID)
        batch.segmentBStarts.append(UInt32(a.count + 2))
        bTokens.withUnsafeBufferPointer { batch.inputIDs.append(contentsOf: UnsafeBufferPointer(rebasing: $0[b])) }
        batch.inputIDs.append(separatorID)
        finish(from: first, label: label, random: &random, batch: &batch, statistics: &statistics)
    }

    /// Masks the instance that starts at `batch.inputIDs[first]` in place and closes it.
    mutating func finish(
        from first: Int, label: UInt32, random: inout InstanceRandom, batch: inout InstanceBatch,
        statistics: inout InstanceStatistics
    ) {
        let m = Self.mask(&batch.inputIDs, from: first, masker: masker, workspace: &workspace, random: &random)
        batch.maskedPositions.append(contentsOf: UnsafeBufferPointer(start: workspace.gathered, count: m))
        batch.maskedLabels.append(contentsOf: UnsafeBufferPointer(start: workspace.gatheredLabels, count: m))
        batch.nextSentenceLabels.append(label)
        batch.tokenEnds.append(batch.inputIDs.count)
        batch.maskEnds.append(batch.maskedPositions.count)
        statistics.instances += 1
        statistics.tokens += batch.inputIDs.count - first
        statistics.maskedTokens += m
    }

    /// `ids[first...]` masked in place. A static function so that the masker is borrowed, not
    /// copied: a copy per instance retained and released its tables (~3% of `prep mask`).
    static func mask(
        _ ids: inout [UInt32], from first: Int, masker: Masker, workspace: inout MaskingWorkspace,
        random: inout InstanceRandom
    ) -> Int {
        ids.withUnsafeMutableBufferPointer { all in
            masker.mask(UnsafeMutableBufferPointer(rebasing: all[first...]), workspace: &workspace, using: &random)
        }
    }
}
