import Tokenization

/// The tokens of one `DocumentChunk`: what a worker hands to the writer.
struct TokenizedChunk: Sendable {
    var sequenceNumber = 0
    var tokens: [UInt32] = []
    /// Token count of each kept sentence.
    var sentenceLengths: [UInt32] = []
    /// Kept sentences of each kept document.
    var documentSentenceCounts: [Int] = []
    var inputBytes = 0
    var sentencesDropped = 0
    init() {}
}

extension BertEncoder {
    /// Tokenizes every sentence of `chunk` (ids only, no special tokens). As Google BERT's
    /// `create_pretraining_data.py` does, sentences without tokens and documents without
    /// sentences are dropped.
    func tokenize(_ chunk: DocumentChunk) -> TokenizedChunk {
        var out = TokenizedChunk()
        out.sequenceNumber = chunk.sequenceNumber
        out.inputBytes = chunk.inputBytes
        out.tokens.reserveCapacity(chunk.text.count / 3)
        chunk.text.withUnsafeBufferPointer { text in
            var sentence = 0
            var start = 0
            for count in chunk.documentSentenceCounts {
                var kept = 0
                for _ in 0..<count {
                    let end = chunk.sentenceEnds[sentence]
                    let n = appendIDs(of: UnsafeBufferPointer(rebasing: text[start..<end]), to: &out.tokens)
                    if n > 0 { out.sentenceLengths.append(UInt32(n)); kept += 1 } else { out.sentencesDropped += 1 }
                    start = end
                    sentence += 1
                }
                if kept > 0 { out.documentSentenceCounts.append(kept) }
            }
        }
        return out
    }
}
