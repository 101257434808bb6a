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

/// What `prep verify` checks of a manifest's `kind` against its `schema`: the kinds the
/// pipeline writes and the columns each has (token-id columns as wide as `vocab.size` needs).
enum RecordKinds {
    /// Why `schema` cannot be the schema of a `kind` dataset, or nil when it can.
    static func problem(kind: String, schema: ShardSchema, vocabularySize: Int) -> String? {
        let ids = ShardElementType.tokenIDs(vocabularySize: vocabularySize)
        switch kind {
        case "documents":
            return schema == DocumentSchema.make(vocabularySize: vocabularySize)
                ? nil : "a documents dataset has fields (token_ids: \(ids), sentence_lengths: uint32)"
        case "instances":
            typealias C = InstanceSchema.Column
            let types = Dictionary(schema.fields.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
            let positions: [ShardElementType] = [.uint8, .uint16, .uint32]
            let allowed: Set = [
                C.inputIDs, C.maskedPositions, C.maskedLabels, C.nextSentenceLabel, C.segmentBStart, C.segmentIDs,
            ]
            guard types.count == schema.fields.count, types[C.inputIDs] == ids, types[C.maskedLabels] == ids,
                let p = types[C.maskedPositions], positions.contains(p),
                types[C.segmentBStart].map({ $0 == p }) ?? true,
                types[C.nextSentenceLabel].map({ $0 == .uint8 }) ?? true,
                types[C.segmentIDs].map({ $0 == .uint8 }) ?? true,
                schema.fields.allSatisfy({ allowed.contains($0.name) })
            else {
                return "an instances dataset has input_ids and masked_labels (\(ids)), masked_positions and, "
                    + "with pairs, next_sentence_label and segment_b_start"
            }
            return nil
        default: return "unknown dataset kind \"\(kind)\" (documents or instances)"
        }
    }
}
