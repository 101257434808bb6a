/// A trained vocabulary and what it took.
public struct WordPieceTrainingResult: Sendable, Equatable {
    /// Tokens in id order (`vocab.txt`, one per line).
    public var tokens: [String]
    /// Characters in the alphabet (after the limit).
    public var alphabetSize: Int
    /// Distinct characters before the limit.
    public var distinctCharacters: Int
    /// Merges done, counting a merge that re-forms an existing token (HF's `merges.len()`).
    public var merges: Int
}

/// Learns a WordPiece vocabulary from word counts: HF `tokenizers` 0.23.3's
/// `WordPieceTrainer`, which is its `BpeTrainer` with the continuing-subword prefix:
/// 1. the special tokens, in order;
/// 2. the alphabet (`TrainingAlphabet`), by code point;
/// 3. each character that continues some word, as prefix + character (`ContinuationOrder`);
/// 4. merges: the most frequent adjacent pair of symbols becomes a new symbol, its string the
///    left one's followed by the right one's without the prefix, until the vocabulary is
///    full, no pair is left, or the best pair is rarer than the minimum frequency.
/// The queue of candidate merges is HF's lazy one (`MergeQueue`): an entry whose count went
/// stale is re-queued with the current count when it surfaces, and merging touches only
/// the words that entry holds. Counts are 64-bit (HF's pair counts are 32-bit and would wrap
/// past 2^31 occurrences of one pair). See `HashOrderChoices` for the two decisions HF
/// leaves to chance.
public struct WordPieceTrainer: Sendable {
    public var options: WordPieceTrainingOptions

    public init(options: WordPieceTrainingOptions = WordPieceTrainingOptions()) {
        self.options = options
    }

    public func train(
        _ words: WordCountTable, choices: HashOrderChoices = HashOrderChoices()
    ) -> WordPieceTrainingResult {
        var vocabulary = TokenList()
        for token in options.specialTokens { _ = vocabulary.add(Array(token.utf8)) }

        // Characters with a token of their own: only those become symbols of a word
        // (HF tests `w2id.contains_key(c.to_string())`, so a one-character special counts).
        let singleIDs = ScalarMap<Int32>(defaultValue: -1)
        for (id, token) in vocabulary.tokens.enumerated() {
            let scalars = String(decoding: token, as: UTF8.self).unicodeScalars
            if scalars.count == 1 { singleIDs[scalars.first!.value] = Int32(id) }
        }

        let alphabet = TrainingAlphabet(
            words: words, initialAlphabet: options.initialAlphabet,
            limit: options.alphabetLimit, preferred: choices.alphabet)
        for cp in alphabet.kept {
            singleIDs[cp] = vocabulary.add(UTF8Decoding.encode(cp))
        }

        let prefix = Array(options.continuingSubwordPrefix.utf8)
        let continuationIDs = ScalarMap<Int32>(defaultValue: -1)
        for cp in ContinuationOrder.compute(
            words: words, singleIDs: singleIDs, tokenCount: vocabulary.count,
            replaying: choices.continuationOrder)
        {
            continuationIDs[cp] = vocabulary.add(prefix + UTF8Decoding.encode(cp))
        }

        var symbolWords = Self.symbolize(words, singleIDs: singleIDs, continuationIDs: continuationIDs)
        defer { symbolWords.deallocate() }
        let merges = mergePairs(in: &symbolWords, vocabulary: &vocabulary, prefix: prefix)
        return WordPieceTrainingResult(
            tokens: vocabulary.tokens.map { String(decoding: $0, as: UTF8.self) },
            alphabetSize: alphabet.kept.count, distinctCharacters: alphabet.distinct,
            merges: merges)
    }

    /// Each word as symbols: its first character's token, then the `##` forms; characters
    /// outside the alphabet are left out (their neighbours become adjacent, as in HF).
    static func symbolize(
        _ words: WordCountTable, singleIDs: ScalarMap<Int32>,
        continuationIDs: ScalarMap<Int32>
    ) -> SymbolWords {
        var total = 0
        for w in 0..<words.count { total += words.word(at: w).count }
        var out = SymbolWords(capacity: total)
        for w in 0..<words.count {
            let bytes = words.word(at: w)
            guard let p = bytes.baseAddress else { continue }
            out.append(count: Int64(words.occurrences(at: w)), maximumLength: bytes.count) { s in
                var n = 0, i = 0
                while i < bytes.count {
                    let (cp, length) = UTF8Decoding.decode(p, at: i, count: bytes.count)
                    let single = singleIDs[cp]
                    if single >= 0 {
                        s[n] = i == 0 ? single : continuationIDs[cp]
                        n += 1
                    }
                    i += length
                }
                return n
            }
        }
        return out
    }

    /// Steps 4 and 5 of HF's `do_train`: count pairs, then merge until done. Returns the
    /// number of merges.
    private func mergePairs(in words: inout SymbolWords, vocabulary: inout TokenList, prefix: [UInt8]) -> Int {
        var pairs = PairTable(words: words)
        defer { pairs.deallocate() }
        var queue = pairs.initialQueue(words: words)
        defer { queue.deallocate() }

        var merges = 0
        // Pairs this merge forms anew, and each formation (the pair's place in `touched`, the
        // word), once per word: HF's `where_to_update`.
        var touched: [Int] = []
        var formationGroup: [Int32] = []
        var formationWord: [Int32] = []
        while vocabulary.count < options.vocabularySize {
            guard var top = queue.pop() else { break }
            let current = pairs.counts[Int(top.pairIndex)]
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 || options.minimumFrequency > UInt64(top.count) { break }

            let left = Int32(truncatingIfNeeded: top.pair >> 32)
            let right = Int32(truncatingIfNeeded: top.pair & 0xFFFF_FFFF)
            var bytes = vocabulary.tokens[Int(left)]
            let rightBytes = vocabulary.tokens[Int(right)]
            bytes += rightBytes.starts(with: prefix) ? rightBytes[prefix.count...] : rightBytes[...]
            let merged = vocabulary.add(bytes)
            merges += 1

            for k in 0..<Int(top.positionCount) {
                let w = Int(queue.positions[top.positionStart + k])
                let n = words.counts[w]
                words.merge(word: w, left, right, into: merged) { pair, delta in
                    let p = pairs.number(of: pair)
                    pairs.counts[p] += delta * n
                    guard delta > 0 else { return }
                    var group = pairs.group[p]
                    if group < 0 {
                        group = Int32(touched.count)
                        pairs.group[p] = group
                        touched.append(p)
                    }
                    if pairs.lastWord[p] != Int32(w) {
                        pairs.lastWord[p] = Int32(w)
                        formationGroup.append(group)
                        formationWord.append(Int32(w))
                    }
                }
            }

            // Group the new formations by pair (a counting sort) and queue one entry per pair.
            var sizes = [Int](repeating: 0, count: touched.count)
            for g in formationGroup { sizes[Int(g)] += 1 }
            var starts = [Int](repeating: 0, count: touched.count)
            var next = queue.reservePositions(formationGroup.count)
            for t in 0..<touched.count { starts[t] = next; next += sizes[t] }
            var fill = starts
            for (g, w) in zip(formationGroup, formationWord) {
                queue.positions[fill[Int(g)]] = w
                fill[Int(g)] += 1
            }
            for (t, p) in touched.enumerated() {
                if pairs.counts[p] > 0 {
                    queue.push(
                        MergeCandidate(
                            count: pairs.counts[p], pair: pairs.pairs[p], sequence: 0,
                            pairIndex: Int32(p), positionCount: Int32(sizes[t]), positionStart: starts[t]))
                }
                pairs.group[p] = -1
                pairs.lastWord[p] = -1
            }
            touched.removeAll(keepingCapacity: true)
            formationGroup.removeAll(keepingCapacity: true)
            formationWord.removeAll(keepingCapacity: true)
        }
        return merges
    }
}

/// Tokens by id and ids by token, compared as bytes: Swift's `String` equality is canonical
/// equivalence, which would merge "é" and "e" + U+0301, two tokens for HF.
struct TokenList {
    private(set) var tokens: [[UInt8]] = []
    private var ids: [[UInt8]: Int32] = [:]

    var count: Int { tokens.count }

    /// The id of `token`, appending it if new.
    mutating func add(_ token: [UInt8]) -> Int32 {
        if let id = ids[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }
}
