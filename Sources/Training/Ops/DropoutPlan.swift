/// Dropout probabilities and the key from which every site's mask is derived.
struct DropoutPlan: Sendable {
    var hidden: Float
    var attention: Float
    var seed: UInt64
    var step: Int
    var micro: Int
    /// Data-parallel training: where this rank's share starts in the global batch, so each
    /// element's mask is the one it has when one process runs the whole batch (the masks do
    /// not depend on the world size). Zero in a single process.
    var shard = GlobalOffset()
    static let none = DropoutPlan(hidden: 0, attention: 0, seed: 0, step: 0, micro: 0)

    /// A share's first batch row and first prediction, and the elements per batch row of the
    /// two kinds of dropout sites: hidden states (length × hidden) and attention
    /// probabilities (heads × length²).
    struct GlobalOffset: Sendable, Equatable {
        var firstRow = 0
        var firstPrediction = 0
        var hiddenPerRow = 0
        var attentionPerRow = 0
    }

    /// The key of `site`. A mask element is a hash of (key, element index); shifting the
    /// index by an even E is the same as adding E/2 steps to the key (`Dropout.keeps` hashes
    /// key + ⌊index/2⌋·C and keeps the index's parity), so a rank's share, whose element 0 is
    /// the global batch's element E, gets the global masks from this key alone.
    func key(site: Int) -> UInt64 {
        let k = Dropout.key(seed: seed, step: step, micro: micro, site: site)
        let e = elementOffset(site: site)
        return e == 0 ? k : k &+ UInt64(truncatingIfNeeded: e / 2) &* 0xD1B54A32D192ED03
    }

    /// Index of this share's first element at `site` in the global batch's activation.
    func elementOffset(site: Int) -> Int {
        guard shard.firstRow > 0, site < BPDecDecoder.unmaskSite else { return 0 }
        let isAttention = site >= 1 && (site - 1) % 3 == 0
        return shard.firstRow * (isAttention ? shard.attentionPerRow : shard.hiddenPerRow)
    }

    /// Whether every site's offset is even (what `key(site:)` needs); odd only with an odd
    /// number of heads, an odd length and an odd first row, or an odd hidden size.
    var offsetsAreEven: Bool {
        (shard.firstRow * shard.hiddenPerRow) % 2 == 0 && (shard.firstRow * shard.attentionPerRow) % 2 == 0
    }

    /// Sites: 0 embeddings; per layer l: 1+3l attention probabilities, 2+3l attention output, 3+3l FFN output.
    static func site(layer: Int, _ k: Int) -> Int { 1 + 3 * layer + k }
}
