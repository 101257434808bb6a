// The two column layouts the pipeline writes. Shared here so producers and readers agree;
// column names are spelled only here (`DocumentSchema.Column`, `InstanceSchema.Column`).

/// Column layout of `prep tokenize` output: one record per document.
public enum DocumentSchema {
    public enum Column {
        /// The document's tokens, sentences concatenated (no special tokens).
        public static let tokenIDs = "token_ids"
        /// Token count of each sentence, in order.
        public static let sentenceLengths = "sentence_lengths"
    }

    public static func make(vocabularySize: Int) -> ShardSchema {
        ShardSchema([
            ShardField(Column.tokenIDs, .tokenIDs(vocabularySize: vocabularySize)),
            ShardField(Column.sentenceLengths, .uint32),
        ])
    }
}

/// Column layout of `prep mask` output: one record per pretraining instance.
///
/// Layout 2. Layout 1 (before 2026-11) stored one uint8 `segment_ids` value per token and
/// always had a `next_sentence_label` column; the segment ids are always 0…0 1…1, so one
/// position says the same in 1 value instead of ~100, and the column was ~26% of the bytes
/// that were compressed. Readers accept both (they look columns up by name).
public enum InstanceSchema {
    public enum Column {
        public static let inputIDs = "input_ids"
        /// Ascending; uint8 when `maxSequenceLength` ≤ 256, else uint16.
        public static let maskedPositions = "masked_positions"
        /// The original ids at the masked positions.
        public static let maskedLabels = "masked_labels"
        /// With sentence pairs: one value, 0 = B follows A / in order, 1 = random / swapped.
        public static let nextSentenceLabel = "next_sentence_label"
        /// With sentence pairs: one value, the position of B's first token (token type ids are 0
        /// before it and 1 from it on); the instance length when it has no B.
        public static let segmentBStart = "segment_b_start"
        /// Layout 1 only: one token type id per token.
        public static let segmentIDs = "segment_ids"
    }

    public static func make(vocabularySize: Int, maxSequenceLength: Int = 512, pairs: Bool = true) -> ShardSchema {
        let ids = ShardElementType.tokenIDs(vocabularySize: vocabularySize)
        let positions = positionType(maxSequenceLength: maxSequenceLength)
        var fields = [
            ShardField(Column.inputIDs, ids), ShardField(Column.maskedPositions, positions),
            ShardField(Column.maskedLabels, ids),
        ]
        if pairs {
            fields += [ShardField(Column.nextSentenceLabel, .uint8), ShardField(Column.segmentBStart, positions)]
        }
        return ShardSchema(fields)
    }

    /// The token type ids of an instance of `count` tokens whose segment B starts at
    /// `segmentBStart`: 0 before it, 1 from it on (all 0 when it is `count` or more).
    public static func segmentIDs(count: Int, segmentBStart: Int) -> [UInt32] {
        let b = min(max(segmentBStart, 0), count)
        return Array(repeating: 0, count: b) + Array(repeating: 1, count: count - b)
    }

    /// The narrowest type for positions in sequences of at most `maxSequenceLength` tokens.
    static func positionType(maxSequenceLength: Int) -> ShardElementType {
        maxSequenceLength <= 256 ? .uint8 : maxSequenceLength <= 65_536 ? .uint16 : .uint32
    }
}
