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
///
/// Layout, chosen for the hot loop: nodes with many children (the root, "##", common
/// prefixes) get a dense 256-entry row in `dense`, indexed by the next byte; the other
/// edges sit in one open-addressing hash table keyed by (node << 8 | byte). All tables are
/// plain buffers allocated once, so the loop does no retain/release or bounds checks.
final class WordPieceModel: @unchecked Sendable {
    let unknownID: Int32
    let maxInputCharsPerWord: Int
    let nodeCount: Int
    /// Trie node reached by the continuation prefix (`##`).
    let continuationRoot: Int32
    /// Per node, side by side so one cache line serves both lookups: the token id the
    /// path spells (-1 if none) and the start of its dense row in `dense` (-1: hashed edges).
    private let nodes: UnsafeMutablePointer<Node>
    struct Node { var token: Int32; var denseRow: Int32 }
    private let dense: UnsafeMutablePointer<Int32>
    private let edgeKeys: UnsafeMutablePointer<UInt32>
    private let edgeValues: UnsafeMutablePointer<Int32>
    private let edgeMask: Int
    private let denseCount: Int

    static let emptyKey = UInt32.max
    /// Nodes with at least this many children get a dense row.
    static let denseThreshold = 8

    init(vocabulary: Vocabulary) {
        let settings = vocabulary.wordPiece
        unknownID = Int32(vocabulary.special.unknown)
        maxInputCharsPerWord = settings.maxInputCharsPerWord

        // Build with a dictionary, then freeze into flat buffers.
        var edges: [UInt32: Int32] = [:]
        var tokens: [Int32] = [-1]
        var childCount: [Int] = [0]
        func child(_ node: Int32, _ byte: UInt8) -> Int32 {
            let key = UInt32(node) << 8 | UInt32(byte)
            if let c = edges[key] { return c }
            let c = Int32(tokens.count)
            tokens.append(-1)
            childCount.append(0)
            childCount[Int(node)] += 1
            edges[key] = c
            return c
        }
        // Later lines overwrite earlier ones: the reference's `HashMap::insert` semantics.
        for (id, token) in vocabulary.tokens.enumerated() where !token.isEmpty {
            var node: Int32 = 0
            for b in token.utf8 { node = child(node, b) }
            tokens[Int(node)] = Int32(id)
        }
        var cont: Int32 = 0
        for b in settings.continuationPrefix.utf8 { cont = child(cont, b) }
        continuationRoot = cont
        nodeCount = tokens.count

        nodes = .allocate(capacity: nodeCount)
        var rows = 0
        for n in 0..<nodeCount {
            let isDense = n == 0 || n == Int(cont) || childCount[n] >= Self.denseThreshold
            (nodes + n).initialize(to: Node(token: tokens[n], denseRow: isDense ? Int32(rows * 256) : -1))
            if isDense { rows += 1 }
        }
        denseCount = rows * 256
        dense = .allocate(capacity: denseCount)
        dense.initialize(repeating: -1, count: denseCount)
        var hashed = 0
        for (key, _) in edges where nodes[Int(key >> 8)].denseRow < 0 { hashed += 1 }
        var capacity = 16
        while capacity < hashed * 2 { capacity <<= 1 }
        edgeKeys = .allocate(capacity: capacity)
        edgeKeys.initialize(repeating: Self.emptyKey, count: capacity)
        edgeValues = .allocate(capacity: capacity)
        edgeValues.initialize(repeating: -1, count: capacity)
        edgeMask = capacity - 1
        for (key, c) in edges {
            let row = nodes[Int(key >> 8)].denseRow
            if row >= 0 { dense[Int(row) + Int(key & 0xff)] = c; continue }
            var slot = Self.hash(key) & edgeMask
            while edgeKeys[slot] != Self.emptyKey { slot = (slot + 1) & edgeMask }
            edgeKeys[slot] = key
            edgeValues[slot] = c
        }
    }

    deinit {
        nodes.deallocate(); dense.deallocate()
        edgeKeys.deallocate(); edgeValues.deallocate()
    }

    @inline(__always) static func hash(_ key: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// The child of `node` (whose dense row is `row`) by `byte`, or -1.
    @inline(__always) func child(_ node: Int32, row: Int32, _ byte: UInt8) -> Int32 {
        if row >= 0 { return dense[Int(row) + Int(byte)] }
        let key = UInt32(bitPattern: node) << 8 | UInt32(byte)
        var slot = Self.hash(key) & edgeMask
        while true {
            let k = edgeKeys[slot]
            if k == key { return edgeValues[slot] }
            if k == Self.emptyKey { return -1 }
            slot = (slot + 1) & edgeMask
        }
    }

    /// Appends the pieces of one word (`bytes[start..<end]`) to `output`: ids and each
    /// piece's byte range (absolute indices into `bytes`). The caller reserves room in
    /// `output` for `end - start` pieces.
    @inline(__always)
    func tokenize(
        word bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, scalarCount: Int,
        into output: WordPieceOutput
    ) {
        if scalarCount > maxInputCharsPerWord {
            output.append(id: unknownID, start: Int32(start), end: Int32(end))
            return
        }
        let firstPiece = output.count
        let base = bytes.baseAddress!
        var pos = start
        while pos < end {
            var node: Int32 = pos == start ? 0 : continuationRoot
            var row = nodes[Int(node)].denseRow
            var p = pos
            var bestID: Int32 = -1
            var bestEnd = pos
            // Walk as far as the trie goes; remember the last node that is a token.
            while p < end {
                node = child(node, row: row, base[p])
                if node < 0 { break }
                p += 1
                let n = nodes[Int(node)]
                if n.token >= 0 { bestID = n.token; bestEnd = p }
                row = n.denseRow
            }
            if bestID < 0 {
                // Some position has no match: the whole word is one [UNK] (reference behaviour).
                output.truncate(to: firstPiece)
                output.append(id: unknownID, start: Int32(start), end: Int32(end))
                return
            }
            output.append(id: bestID, start: Int32(pos), end: Int32(bestEnd))
            pos = bestEnd
        }
    }

    /// Tokenizes every word of `text` from word index `firstWord` on, through `cache`
    /// when given (same result, faster on running text).
    func tokenize(
        _ text: PreTokenizedText, fromWord firstWord: Int = 0, into output: WordPieceOutput,
        cache: WordPieceCache? = nil
    ) {
        guard firstWord < text.words.count else { return }
        // Every piece covers at least one byte and a word yields at least one piece, so
        // the bytes from the first word on bound the piece count.
        output.reserve(text.bytes.count - Int(text.words[firstWord].start))
        text.bytes.withUnsafeBufferPointer { bytes in
            text.words.withUnsafeBufferPointer { words in
                guard let cache, maxInputCharsPerWord >= WordPieceCache.maxWordBytes else {
                    for w in firstWord..<words.count {
                        let word = words[w]
                        tokenize(
                            word: bytes, start: Int(word.start), end: Int(word.end),
                            scalarCount: Int(word.scalarCount), into: output)
                    }
                    return
                }
                let base = bytes.baseAddress!
                for w in firstWord..<words.count {
                    let word = words[w]
                    let start = Int(word.start), n = Int(word.end) - start
                    // Words short enough for the cache are far below the 100-scalar limit.
                    if cache.lookup(base + start, n, start: start, into: output) { continue }
                    let first = output.count
                    tokenize(
                        word: bytes, start: start, end: Int(word.end), scalarCount: Int(word.scalarCount), into: output)
                    cache.store(base + start, n, start: start, output: output, first: first)
                }
            }
        }
    }
}

/// Reusable output of `WordPieceModel`: piece ids and their byte ranges in the
/// normalized text. Plain buffers rather than arrays: the hot loop appends without
/// uniqueness checks or reallocation (capacity is reserved per text, from the byte
/// count, which bounds the number of pieces). `removeAll()` keeps capacity, so
/// steady-state tokenization allocates nothing.
final class WordPieceOutput {
    private(set) var count = 0
    private var capacity = 0
    private var idStorage: UnsafeMutablePointer<Int32>
    private var startStorage: UnsafeMutablePointer<Int32>
    private var endStorage: UnsafeMutablePointer<Int32>

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        idStorage = .allocate(capacity: self.capacity)
        startStorage = .allocate(capacity: self.capacity)
        endStorage = .allocate(capacity: self.capacity)
    }
    deinit { idStorage.deallocate(); startStorage.deallocate(); endStorage.deallocate() }

    var ids: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: idStorage, count: count) }
    var starts: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: startStorage, count: count) }
    var ends: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: endStorage, count: count) }

    /// Makes room for `n` more pieces.
    func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var c = capacity * 2
        while c < count + n { c *= 2 }
        func grow(_ p: inout UnsafeMutablePointer<Int32>) {
            let q = UnsafeMutablePointer<Int32>.allocate(capacity: c)
            q.update(from: p, count: count)
            p.deallocate()
            p = q
        }
        grow(&idStorage); grow(&startStorage); grow(&endStorage)
        capacity = c
    }

    /// Appends without a capacity check in release builds: callers `reserve` first.
    @inline(__always) func append(id: Int32, start: Int32, end: Int32) {
        assert(count < capacity)
        idStorage[count] = id; startStorage[count] = start; endStorage[count] = end
        count += 1
    }
    @inline(__always) func truncate(to n: Int) { if count > n { count = n } }
    func removeAll() { count = 0 }
}
