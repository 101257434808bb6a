import Foundation

/// The JSON files beside the weights that `transformers` reads: `config.json` (BertConfig),
/// `tokenizer_config.json` and `special_tokens_map.json` (what `AutoTokenizer` wants besides
/// `tokenizer.json`/`vocab.txt`). Only ASCII keys and values come from us here, so
/// Foundation's JSON writer is safe; token strings go through `ExportTokenizer` as bytes.
enum HFConfigFiles {
    static func config(_ c: ModelConfig, architecture: String) throws -> Data {
        let o: [String: Any] = [
            "architectures": [architecture], "model_type": "bert",
            "vocab_size": c.vocabSize, "hidden_size": c.hiddenSize, "num_hidden_layers": c.numHiddenLayers,
            "num_attention_heads": c.numAttentionHeads, "intermediate_size": c.intermediateSize,
            "hidden_act": c.hiddenAct, "hidden_dropout_prob": Double(c.hiddenDropoutProb),
            "attention_probs_dropout_prob": Double(c.attentionProbsDropoutProb),
            "max_position_embeddings": c.maxPositionEmbeddings, "type_vocab_size": c.typeVocabSize,
            "initializer_range": Double(c.initializerRange), "layer_norm_eps": Double(c.layerNormEps),
            "pad_token_id": c.padTokenId, "position_embedding_type": "absolute", "dtype": "float32",
            // The MLM decoder is the word-embedding matrix, as in our trainer.
            "tie_word_embeddings": true,
        ]
        return try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
    }

    /// The BERT special tokens the vocabulary has, by their `transformers` role.
    static func specialTokens(_ t: ExportTokenizer) -> [String: String] {
        let present = Set(t.tokens.map { Array($0.utf8) })
        let roles = [
            "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
            "mask_token": "[MASK]",
        ]
        return roles.filter { present.contains(Array($0.value.utf8)) }
    }

    static func tokenizerConfig(_ c: ModelConfig, _ t: ExportTokenizer) throws -> Data {
        var o: [String: Any] = [
            "tokenizer_class": "BertTokenizer", "do_lower_case": t.lowercase,
            "tokenize_chinese_chars": t.handleChineseChars, "strip_accents": t.stripAccents ?? NSNull(),
            "model_max_length": c.maxPositionEmbeddings, "clean_up_tokenization_spaces": true,
        ]
        for (role, token) in specialTokens(t) { o[role] = token }
        return try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
    }

    static func specialTokensMap(_ t: ExportTokenizer) throws -> Data {
        try JSONSerialization.data(withJSONObject: specialTokens(t), options: [.prettyPrinted, .sortedKeys])
    }
}
