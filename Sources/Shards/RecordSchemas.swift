// The two column layouts the pipeline writes. Shared here so producers and readers agree.

/// Column layout of `prep tokenize` output: one record per document.
public enum DocumentSchema {
    /// `token_ids`: the document's tokens, sentences concatenated (no special tokens);
    /// `sentence_lengths`: token count of each sentence, in order.
    public static func make(vocabularySize: Int) -> ShardSchema {
        ShardSchema([ShardField("token_ids", .tokenIDs(vocabularySize: vocabularySize)),
                     ShardField("sentence_lengths", .uint32)])
    }
}

/// Column layout of `prep mask` output: one record per pretraining instance.
public enum InstanceSchema {
    /// `masked_positions` ascending; `next_sentence_label` holds 0 values when pairs
    /// are off, else one value (0 = B follows A / in order, 1 = random / swapped).
    public static func make(vocabularySize: Int) -> ShardSchema {
        let ids = ShardElementType.tokenIDs(vocabularySize: vocabularySize)
        return ShardSchema([ShardField("input_ids", ids), ShardField("segment_ids", .uint8),
                            ShardField("masked_positions", .uint16), ShardField("masked_labels", ids),
                            ShardField("next_sentence_label", .uint8)])
    }
}
