/// The decisions HF's `WordPieceTrainer` leaves to hash-map iteration order, which is seeded
/// at random in every process, so two HF runs on the same corpus differ in them:
/// - which characters survive `limit_alphabet` among those tied in weight at the cut;
/// - the order in which the continuation characters (`##` + one character) get their ids,
///   which is the order the words are visited in. Pair ids break ties between equally
///   frequent merges, so this order also decides every later tie.
/// Everything else the trainer does is deterministic. `WordPieceTrainer` makes these
/// choices in a fixed way of its own; passing the choices read from an HF run's vocabulary
/// makes it reproduce that run token for token (what the parity checks do).
public struct HashOrderChoices: Sendable, Equatable {
    /// Characters to keep when a tie at the alphabet limit must be broken.
    public var alphabet: Set<UInt32>
    /// Continuation characters in the order their `##` tokens get ids.
    public var continuationOrder: [UInt32]

    public init(alphabet: Set<UInt32> = [], continuationOrder: [UInt32] = []) {
        self.alphabet = alphabet; self.continuationOrder = continuationOrder
    }

    /// The choices an HF run made, read from its vocabulary (tokens in id order): after the
    /// special tokens come the single characters (its alphabet), then the run of `prefix` +
    /// one character (its continuation order).
    public init(replaying tokens: [String], options: WordPieceTrainingOptions) {
        var specials = Set<[UInt8]>()
        for s in options.specialTokens { specials.insert(Array(s.utf8)) }
        var i = 0
        while i < tokens.count, specials.contains(Array(tokens[i].utf8)) { i += 1 }
        var alphabet = Set<UInt32>()
        while i < tokens.count, let c = Self.singleScalar(tokens[i].utf8[...]) {
            alphabet.insert(c); i += 1
        }
        var order: [UInt32] = []
        let prefix = Array(options.continuingSubwordPrefix.utf8)
        while i < tokens.count {
            let bytes = Array(tokens[i].utf8)
            guard bytes.starts(with: prefix), let c = Self.singleScalar(bytes[prefix.count...]) else { break }
            order.append(c); i += 1
        }
        self.init(alphabet: alphabet, continuationOrder: order)
    }

    private static func singleScalar<C: Collection>(_ bytes: C) -> UInt32? where C.Element == UInt8 {
        let s = String(decoding: bytes, as: UTF8.self).unicodeScalars
        return s.count == 1 ? s.first!.value : nil
    }
}
