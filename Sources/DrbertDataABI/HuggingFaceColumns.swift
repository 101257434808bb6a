import Batches

/// The Hugging Face spelling of a batch (`BertForPreTraining`'s arguments), as int64 arrays
/// the caller allocated: [rows × length] input_ids, attention_mask, token_type_ids and
/// labels (the original id at masked positions, −100 elsewhere), [rows]
/// next_sentence_label (−100 without a pair) and sample_index.
enum HuggingFaceColumns {
    /// The label PyTorch's cross-entropy ignores.
    static let ignored: Int64 = -100

    /// True when some sample of the batch has a sentence pair (an NSP/SOP label).
    static func hasPairs(_ batch: Batch) -> Bool {
        batch.nextSentenceLabels.contains { $0 != Batch.noLabel }
    }

    /// Writes `batch` into the buffers; any may be null to skip that column.
    static func fill(
        _ batch: Batch, inputIDs: UnsafeMutablePointer<Int64>?, attentionMask: UnsafeMutablePointer<Int64>?,
        tokenTypeIDs: UnsafeMutablePointer<Int64>?, labels: UnsafeMutablePointer<Int64>?,
        nextSentenceLabels: UnsafeMutablePointer<Int64>?, sampleIndices: UnsafeMutablePointer<Int64>?
    ) {
        let cells = batch.size * batch.sequenceLength
        func widen(_ column: [UInt32], into out: UnsafeMutablePointer<Int64>?) {
            guard let out else { return }
            column.withUnsafeBufferPointer { source in
                for i in 0..<cells { out[i] = Int64(source[i]) }
            }
        }
        widen(batch.inputIDs, into: inputIDs)
        widen(batch.attentionMask, into: attentionMask)
        widen(batch.segmentIDs, into: tokenTypeIDs)
        if let labels {
            labels.update(repeating: ignored, count: cells)
            let length = batch.sequenceLength, slots = batch.maxPredictions
            for row in 0..<batch.size {
                for slot in row * slots..<(row + 1) * slots {
                    let label = batch.maskedLabels[slot]
                    let position = Int(batch.maskedPositions[slot])
                    // A position outside the row would be a loader bug; never write outside the buffer.
                    if label != Batch.noLabel, position < length { labels[row * length + position] = Int64(label) }
                }
            }
        }
        if let nextSentenceLabels {
            for row in 0..<batch.size {
                let label = batch.nextSentenceLabels[row]
                nextSentenceLabels[row] = label == Batch.noLabel ? ignored : Int64(label)
            }
        }
        if let sampleIndices {
            for row in 0..<batch.size { sampleIndices[row] = Int64(batch.sampleIndices[row]) }
        }
    }
}
