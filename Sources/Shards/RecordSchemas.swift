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
///
/// `input_ids`; `masked_positions` (ascending; uint8 when `maxSequenceLength` ≤ 256, else
/// uint16); `masked_labels` (the original ids); with sentence pairs also `next_sentence_label`
/// (one value: 0 = B follows A / in order, 1 = random / swapped) and `segment_b_start` (one
/// value: the position of B's first token, i.e. token type ids are 0 before it and 1 from it on;
/// the instance length when it has no B).
///
/// Layout 2. Layout 1 (before 2026-11) stored one uint8 `segment_ids` value per token and
/// always had a `next_sentence_label` column; the segment ids are always 0…0 1…1, so one
/// position says the same in 1 value instead of ~100, and the column was ~26% of the bytes
/// that were compressed. Readers accept both (they look columns up by name).
public enum InstanceSchema {
    public static func make(vocabularySize: Int, maxSequenceLength: Int = 512, pairs: Bool = true) -> ShardSchema {
        let ids = ShardElementType.tokenIDs(vocabularySize: vocabularySize)
        let positions = positionType(maxSequenceLength: maxSequenceLength)
        var fields = [ShardField("input_ids", ids), ShardField("masked_positions", positions),
                      ShardField("masked_labels", ids)]
        if pairs {
            fields += [ShardField("next_sentence_label", .uint8), ShardField("segment_b_start", positions)]
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
    public static func positionType(maxSequenceLength: Int) -> ShardElementType {
        maxSequenceLength <= 256 ? .uint8 : maxSequenceLength <= 65_536 ? .uint16 : .uint32
    }
}
