// Greedy longest-match-first WordPiece over a byte trie, with the results of HF
// `tokenizers` 0.23.3 `models::wordpiece::WordPiece::tokenize`:
//   - a word of more than `maxInputCharsPerWord` scalars is one [UNK];
//   - at each position the longest vocabulary entry wins (`##`-prefixed after the
//     first piece); if some position has no match the *whole word* is one [UNK].
//
// Why a byte trie and not per-length substring lookups (the reference, O(n²) per
// word): walking the trie from a position visits each byte of the candidate once,
// so a word costs at most (bytes × longest token) steps, and words are capped at
// 100 scalars, so total work is linear in the input. Matching on UTF-8 bytes is
// exact: a vocabulary entry is valid UTF-8, so any byte-prefix of the word equal to
// an entry ends on a scalar boundary. Continuation pieces start from the trie node
// for "##" (the prefix is a path from the root), as in Fast WordPiece (Song et al.
// 2021) — without its failure links, which only pay off for words far longer than
// the 100-scalar cap.

/// The WordPiece model: an immutable byte trie over the vocabulary, shared by threads.
public final class WordPieceModel: @unchecked Sendable {
    public let unknownID: Int32
    public let maxInputCharsPerWord: Int
    /// Trie node reached by the continuation prefix (`##`), or -1 if no entry has it.
    let continuationRoot: Int32
    /// Token id accepted at each node, -1 where the path is not a token.
    let nodeToken: [Int32]
    /// Children of the root, dense: the first byte of every piece is looked up here.
    let rootChildren: [Int32]
    /// Other edges: open addressing on key (node << 8 | byte) -> child.
    let edgeKeys: [UInt32]
    let edgeValues: [Int32]
    let edgeMask: Int

    static let emptyKey = UInt32.max

    public init(vocabulary: Vocabulary) {
        let settings = vocabulary.wordPiece
        unknownID = vocabulary.special.unknown
        maxInputCharsPerWord = settings.maxInputCharsPerWord

        // Build with a dictionary, then freeze into flat arrays.
        var edges: [UInt32: Int32] = [:]
        var nodeToken: [Int32] = [-1]
        func child(_ node: Int32, _ byte: UInt8, create: Bool) -> Int32 {
            let key = UInt32(node) << 8 | UInt32(byte)
            if let c = edges[key] { return c }
            guard create else { return -1 }
            let c = Int32(nodeToken.count)
            nodeToken.append(-1)
            edges[key] = c
            return c
        }
        // Later lines overwrite earlier ones: the reference's `HashMap::insert` semantics.
        for (id, token) in vocabulary.tokens.enumerated() where !token.isEmpty {
            var node: Int32 = 0
            for b in token.utf8 { node = child(node, b, create: true) }
            nodeToken[Int(node)] = Int32(id)
        }
        var cont: Int32 = 0
        for b in settings.continuationPrefix.utf8 { cont = child(cont, b, create: true) }
        continuationRoot = cont

        var root = [Int32](repeating: -1, count: 256)
        var capacity = 16
        while capacity < edges.count * 2 { capacity <<= 1 }
        var keys = [UInt32](repeating: Self.emptyKey, count: capacity)
        var values = [Int32](repeating: -1, count: capacity)
        for (key, c) in edges {
            if key >> 8 == 0 { root[Int(key & 0xff)] = c; continue }
            var slot = Self.hash(key) & (capacity - 1)
            while keys[slot] != Self.emptyKey { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = key
            values[slot] = c
        }
        self.nodeToken = nodeToken
        rootChildren = root
        edgeKeys = keys
        edgeValues = values
        edgeMask = capacity - 1
    }

    @inline(__always) static func hash(_ key: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// Appends the pieces of one word to `output`: ids and, for each piece, its byte
    /// range within `word`'s buffer (`start..<end`, absolute indices into `bytes`).
    @inline(__always)
    public func tokenize(word bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, scalarCount: Int,
                         into output: inout WordPieceOutput) {
        if scalarCount > maxInputCharsPerWord {
            output.append(id: unknownID, start: Int32(start), end: Int32(end))
            return
        }
        let firstPiece = output.count
        var pos = start
        let base = bytes.baseAddress!
        let firstByteTable = rootChildren
        return nodeToken.withUnsafeBufferPointer { tokens in
            edgeKeys.withUnsafeBufferPointer { keys in
                edgeValues.withUnsafeBufferPointer { values in
                    firstByteTable.withUnsafeBufferPointer { root in
                        while pos < end {
                            var node: Int32 = pos == start ? 0 : continuationRoot
                            var p = pos
                            var bestID: Int32 = -1
                            var bestEnd = pos
                            while node >= 0 {
                                let t = tokens[Int(node)]
                                if t >= 0 && p > pos { bestID = t; bestEnd = p }
                                if p == end { break }
                                if node == 0 {
                                    node = root[Int(base[p])]
                                } else {
                                    let key = UInt32(node) << 8 | UInt32(base[p])
                                    var slot = Self.hash(key) & edgeMask
                                    node = -1
                                    while true {
                                        let k = keys[slot]
                                        if k == key { node = values[slot]; break }
                                        if k == Self.emptyKey { break }
                                        slot = (slot + 1) & edgeMask
                                    }
                                }
                                p += 1
                            }
                            if bestID < 0 {
                                output.truncate(to: firstPiece)
                                output.append(id: unknownID, start: Int32(start), end: Int32(end))
                                return
                            }
                            output.append(id: bestID, start: Int32(pos), end: Int32(bestEnd))
                            pos = bestEnd
                        }
                    }
                }
            }
        }
    }

    /// Tokenizes every word of `text` from word index `firstWord` on.
    public func tokenize(_ text: PreTokenizedText, fromWord firstWord: Int = 0, into output: inout WordPieceOutput) {
        text.bytes.withUnsafeBufferPointer { bytes in
            text.words.withUnsafeBufferPointer { words in
                for w in firstWord..<words.count {
                    let word = words[w]
                    tokenize(word: bytes, start: Int(word.start), end: Int(word.end),
                             scalarCount: Int(word.scalarCount), into: &output)
                }
            }
        }
    }
}

/// Reusable output of `WordPieceModel`: piece ids and their byte ranges in the
/// normalized text. Cleared with `removeAll()`, which keeps capacity, so steady-state
/// tokenization allocates nothing per token.
public struct WordPieceOutput: Sendable {
    public var ids: [Int32] = []
    public var starts: [Int32] = []
    public var ends: [Int32] = []
    public init() {}
    public var count: Int { ids.count }
    @inline(__always) mutating func append(id: Int32, start: Int32, end: Int32) {
        ids.append(id); starts.append(start); ends.append(end)
    }
    @inline(__always) mutating func truncate(to n: Int) {
        if ids.count > n {
            ids.removeLast(ids.count - n); starts.removeLast(starts.count - n); ends.removeLast(ends.count - n)
        }
    }
    public mutating func removeAll() {
        ids.removeAll(keepingCapacity: true); starts.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
    }
}
