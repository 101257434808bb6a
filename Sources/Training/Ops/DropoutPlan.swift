/// Dropout probabilities and the key from which every site's mask is derived.
struct DropoutPlan: Sendable {
    var hidden: Float
    var attention: Float
    var seed: UInt64
    var step: Int
    var micro: Int
    static let none = DropoutPlan(hidden: 0, attention: 0, seed: 0, step: 0, micro: 0)

    func key(site: Int) -> UInt64 { Dropout.key(seed: seed, step: step, micro: micro, site: site) }
    /// Sites: 0 embeddings; per layer l: 1+3l attention probabilities, 2+3l attention output, 3+3l FFN output.
    static func site(layer: Int, _ k: Int) -> Int { 1 + 3 * layer + k }
}
