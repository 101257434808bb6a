// The content identity of a document dataset that does not depend on where its shards begin
// and end: `prep tokenize` records it (manifest config `documents_digest`), `prep merge` of
// tokenize parts composes the parts' digests into the single run's, and `prep mask` hashes it
// into its config instead of the input shards' checksums, so a merged dataset masks into the
// very bytes the single run's does (docs/scale-out.md).

/// A digest of an ordered stream of documents that composes: the digest of A followed by B is
/// a function of A's digest, B's digest and B's document count, so parts tokenized on separate
/// machines give, once merged, the digest of the whole stream.
///
/// Each document is hashed (its token ids and sentence lengths; 64 bits), and the stream is the
/// polynomial Σ h(dᵢ)·Bⁿ⁻¹⁻ⁱ modulo the Mersenne prime 2⁶¹−1, in two lanes with different bases
/// B (about 120 bits in all). It identifies content for resume and merge checks; it is not a
/// cryptographic hash.
public struct DocumentStreamDigest: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Documents hashed.
    public private(set) var documents = 0
    private var laneA: UInt64 = 0
    private var laneB: UInt64 = 0

    static let prime: UInt64 = (1 << 61) - 1
    // Any two bases below the prime; fixed forever (changing them changes every digest).
    static let baseA: UInt64 = 0x0A3C_59E1_7D2B_4F13
    static let baseB: UInt64 = 0x1B87_D6F0_3E95_A2C7

    public init() {}

    /// Appends one document: its token ids, and the token count of each of its sentences.
    mutating func append(tokens: UnsafeBufferPointer<UInt32>, sentenceLengths: UnsafeBufferPointer<UInt32>) {
        // One multiply per token (FNV-1a over 32-bit words), then a finalizer: cheap next to
        // the tokenizer, and it sees every id and every sentence boundary.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(tokens.count)
        for t in tokens { h = (h ^ UInt64(t)) &* 0x0000_0100_0000_01B3 }
        h ^= UInt64(sentenceLengths.count) &<< 32
        for s in sentenceLengths { h = (h ^ (UInt64(s) | 0x8000_0000_0000_0000)) &* 0x0000_0100_0000_01B3 }
        h = Self.finalize(h)
        laneA = Self.add(Self.multiply(laneA, Self.baseA), h % Self.prime)
        laneB = Self.add(Self.multiply(laneB, Self.baseB), Self.finalize(h ^ 0x9E37_79B9_7F4A_7C15) % Self.prime)
        documents += 1
    }

    /// `self` followed by `next`.
    public mutating func append(_ next: DocumentStreamDigest) {
        laneA = Self.add(Self.multiply(laneA, Self.power(Self.baseA, next.documents)), next.laneA)
        laneB = Self.add(Self.multiply(laneB, Self.power(Self.baseB, next.documents)), next.laneB)
        documents += next.documents
    }

    /// "documents:hex", what a manifest records.
    public var description: String { "\(documents):\(Self.hex(laneA))\(Self.hex(laneB))" }

    /// Parses `description`; nil if it is not one.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), n >= 0, parts[1].count == 32,
            let a = UInt64(parts[1].prefix(16), radix: 16), let b = UInt64(parts[1].suffix(16), radix: 16),
            a < Self.prime, b < Self.prime
        else { return nil }
        (documents, laneA, laneB) = (n, a, b)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let d = Self(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a document digest: \(text)")
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    private static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    private static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }

    @inline(__always) private static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let s = a + b  // both < 2^61: no overflow
        return s >= prime ? s - prime : s
    }

    @inline(__always) private static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        // a·b = high·2^64 + low, and 2^61 ≡ 1: fold the bits above 61 onto the low ones.
        let folded = (low & prime) + ((low >> 61) | (high << 3))
        let once = folded >= prime ? folded - prime : folded
        return once >= prime ? once - prime : once
    }

    private static func power(_ base: UInt64, _ exponent: Int) -> UInt64 {
        var result: UInt64 = 1
        var b = base
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, b) }
            b = multiply(b, b)
            e >>= 1
        }
        return result
    }
}
