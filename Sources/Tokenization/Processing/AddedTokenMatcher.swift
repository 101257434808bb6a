import Foundation

// The reference splits raw text on added tokens *before* normalization
// (`AddedVocabulary::extract_and_normalize`, an Aho-Corasick automaton with
// leftmost-longest semantics over the `normalized: false` tokens). So `[MASK]` in
// the input becomes the [MASK] id, but `[mask]` does not, even when lowercasing.

/// Finds added tokens (e.g. `[CLS]`, `[SEP]`) in raw UTF-8, leftmost-longest.
struct AddedTokenMatcher: Sendable {
    /// Candidates by first byte, longest first.
    private let byFirstByte: [[(bytes: [UInt8], id: Int32)]]
    private let firstBytes: [Bool]
    private let isEmpty: Bool
    /// The first byte shared by every added token (`[` for BERT), to scan with `memchr`.
    private let commonFirstByte: Int32?

    init(tokens: [AddedToken]) {
        var table = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        var first = [Bool](repeating: false, count: 256)
        for t in tokens.sorted(by: { $0.content.utf8.count > $1.content.utf8.count }) where !t.content.isEmpty {
            let b = Array(t.content.utf8)
            table[Int(b[0])].append((b, t.id))
            first[Int(b[0])] = true
        }
        byFirstByte = table
        firstBytes = first
        isEmpty = tokens.isEmpty
        let firsts = Set(tokens.compactMap { $0.content.utf8.first })
        commonFirstByte = firsts.count == 1 ? Int32(firsts.first!) : nil
    }

    /// The first match at or after `from`: its byte range and id.
    @inline(__always)
    func nextMatch(in text: UnsafeBufferPointer<UInt8>, from: Int) -> (start: Int, end: Int, id: Int32)? {
        if isEmpty { return nil }
        var i = from
        let n = text.count
        while i < n {
            if let c = commonFirstByte {
                // Most text has no '[' at all: one memchr instead of a loop over every byte.
                guard let hit = memchr(text.baseAddress! + i, c, n - i) else { return nil }
                i = text.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if firstBytes[Int(text[i])] {
                for candidate in byFirstByte[Int(text[i])] where candidate.bytes.count <= n - i {
                    var equal = true
                    for k in 1..<candidate.bytes.count where text[i + k] != candidate.bytes[k] { equal = false; break }
                    if equal { return (i, i + candidate.bytes.count, candidate.id) }
                }
            }
            i += 1
        }
        return nil
    }
}
