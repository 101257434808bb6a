/// How a document's sentences become sequences.
public enum SentencePairing: String, Sendable, Hashable, Codable, CaseIterable {
    /// Full-sentence packing within a document, one segment (RoBERTa DOC-SENTENCES).
    case none
    /// Google BERT next-sentence prediction: B follows A, or comes from another document.
    case nsp
    /// ALBERT sentence-order prediction: A and B consecutive, swapped half the time.
    case sop
}

public struct InstanceOptions: Sendable, Hashable, Codable {
    public var maxSequenceLength: Int = 128
    public var pairing: SentencePairing = .none
    /// Per document, the chance that its target length is drawn from 2...max instead
    /// (Google BERT `short_seq_prob`, chosen once per document as there).
    public var shortSequenceProbability: Double = 0.1
    /// Static copies of each document with different packing and masks.
    public var dupeFactor: Int = 1
    public init() {}

    /// Longest sequence content, i.e. without [CLS]/[SEP].
    var contentLimit: Int { maxSequenceLength - (pairing == .none ? 2 : 3) }

    /// A sentence longer than this is cut into pieces (at word starts where possible): the
    /// content budget. In pair modes every sentence Google BERT keeps whole stays whole; only
    /// those it would have cut down to the budget by `truncate_seq_pair` are split instead.
    var sentencePieceLimit: Int { contentLimit }
}

/// Counts for the run summary; summed over documents, copies and shards.
public struct InstanceStatistics: Sendable, Hashable, Codable {
    public var documents = 0
    public var emptyDocuments = 0
    public var instances = 0
    public var tokens = 0
    public var maskedTokens = 0
    /// Documents whose content needed more than one instance (counted once, not per copy).
    public var documentsSplit = 0
    /// Sentences longer than the sequence budget, cut into pieces (counted once, not per copy).
    public var sentencesSplit = 0
    /// Tokens removed by `truncate_seq_pair` in pair modes (the reference does this silently).
    public var tokensTruncated = 0
    /// Pair-mode instances with one segment only (a one-token document: nothing to pair).
    public var unpairedInstances = 0
    public init() {}

    static func += (a: inout InstanceStatistics, b: InstanceStatistics) {
        a.documents += b.documents; a.emptyDocuments += b.emptyDocuments; a.instances += b.instances
        a.tokens += b.tokens; a.maskedTokens += b.maskedTokens; a.documentsSplit += b.documentsSplit
        a.sentencesSplit += b.sentencesSplit; a.tokensTruncated += b.tokensTruncated
        a.unpairedInstances += b.unpairedInstances
    }
}
