/// Settings of `WordPieceTrainer`, named after HF `tokenizers` 0.23.3's `WordPieceTrainer`.
/// The defaults are those of `BertWordPieceTokenizer.train` (the Python wrapper most BERT
/// vocabularies come from), not the bare trainer's (min frequency 0, no alphabet limit, no
/// special tokens).
public struct WordPieceTrainingOptions: Sendable, Hashable {
    /// Training stops once the vocabulary has this many tokens. It can end larger: special
    /// tokens, the alphabet and its `##` forms are always all included.
    public var vocabularySize = 30_000
    /// A pair seen fewer times than this ends training.
    public var minimumFrequency: UInt64 = 2
    /// Keep at most this many characters, the most frequent (`nil`: all).
    public var alphabetLimit: Int? = 1_000
    /// Characters that belong to the alphabet even if the corpus lacks them; they rank above
    /// every counted character when the alphabet is limited.
    public var initialAlphabet: [Unicode.Scalar] = []
    /// The first tokens of the vocabulary, in this order (a repeated one counts once).
    public var specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    /// Marks a piece that continues a word.
    public var continuingSubwordPrefix = "##"

    public init() {}
}
