/// Which MLM decoder sits between the encoder and the head during pretraining, with its
/// settings. Only the encoder is exported (`prep export`); the decoder exists for the loss.
public struct DecoderOptions: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// BERT's head on the encoder's last layer (the baseline).
        case mlm
        /// DeBERTa's Enhanced Mask Decoder: the last encoder layer re-applied with absolute
        /// positions added to its queries.
        case emd
        /// DrBERT/BPDec: fresh transformer blocks after the encoder, Gradual Unmasking
        /// Attention and output randomness (our reading of arXiv 2401.15861; see docs/decoders.md).
        case bpdec
    }

    public var kind: Kind = .mlm
    /// EMD: how many times the shared last layer is applied (DeBERTa uses 2).
    public var emdPasses: Int = 2
    /// BPDec: number of fresh decoder blocks.
    public var decoderLayers: Int = 2
    /// BPDec: add the absolute position embeddings to the decoder input.
    public var decoderPositions: Bool = false
    /// BPDec: fraction of masked positions whose keys stay visible in decoder layer 1.
    public var guaUnmask: Float = 0.5
    /// BPDec: probability, per masked token, that the head reads the encoder's output
    /// instead of the decoder's.
    public var outputMix: Float = 0.1

    public init(kind: Kind = .mlm) { self.kind = kind }

    enum CodingKeys: String, CodingKey {
        case kind, emdPasses = "emd_passes", decoderLayers = "decoder_layers"
        case decoderPositions = "decoder_positions", guaUnmask = "gua_unmask", outputMix = "output_mix"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .mlm
        emdPasses = try c.decodeIfPresent(Int.self, forKey: .emdPasses) ?? 2
        decoderLayers = try c.decodeIfPresent(Int.self, forKey: .decoderLayers) ?? 2
        decoderPositions = try c.decodeIfPresent(Bool.self, forKey: .decoderPositions) ?? false
        guaUnmask = try c.decodeIfPresent(Float.self, forKey: .guaUnmask) ?? 0.5
        outputMix = try c.decodeIfPresent(Float.self, forKey: .outputMix) ?? 0.1
    }

    public func validate() throws {
        guard emdPasses >= 1 else {
            throw TrainingError.badConfig("--emd-passes", "must be at least 1, got \(emdPasses)")
        }
        guard decoderLayers >= 1 else {
            throw TrainingError.badConfig("--decoder-layers", "must be at least 1, got \(decoderLayers)")
        }
        guard (0...1).contains(guaUnmask) else {
            throw TrainingError.badConfig("--gua-unmask", "must be in [0, 1], got \(guaUnmask)")
        }
        guard (0...1).contains(outputMix) else {
            throw TrainingError.badConfig("--output-mix", "must be in [0, 1], got \(outputMix)")
        }
    }
}

/// The random choices BPDec makes for one forward pass, one entry per masked prediction in
/// staging order (batch row by batch row, slot by slot, labels ≥ 0 only). Normally drawn
/// from the dropout key; set `MaskedLanguageModel.bpdecChoices` to replay given ones (the
/// parity test passes the PyTorch twin's).
struct BPDecChoices: Sendable, Equatable {
    /// The key at this prediction's position stays visible in decoder layer 1.
    var unmasked: [Bool]
    /// The head reads the encoder's output for this prediction.
    var mixed: [Bool]
    init(unmasked: [Bool], mixed: [Bool]) { self.unmasked = unmasked; self.mixed = mixed }
}
