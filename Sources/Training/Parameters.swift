import Foundation

/// One named tensor in the parameter arena, in HF `BertForMaskedLM` naming.
struct ParameterTensor: Sendable, Equatable {
    enum Initialization: Sendable, Equatable { case normal, zeros, ones }
    let name: String
    let shape: [Int]
    /// Offset in floats into the parameter (and gradient, and optimizer) arenas.
    let offset: Int
    /// AdamW weight decay applies (not to biases and LayerNorm weights, as in BERT).
    let decays: Bool
    let initialization: Initialization
    var count: Int { shape.reduce(1, *) }
}

/// The single list of named parameter tensors. Model parts register their tensors here in
/// the order they want them laid out (the encoder puts query/key/value weights side by side
/// so one GEMM computes all three); the optimizer, checkpoints, export and the parity test
/// all iterate `tensors`, so a new tensor is added in exactly one place.
struct ParameterLayout: Sendable {
    private(set) var tensors: [ParameterTensor] = []
    private(set) var count = 0

    init() {}

    mutating func add(
        _ name: String, _ shape: [Int], decays: Bool? = nil,
        initialization: ParameterTensor.Initialization? = nil
    ) -> Int {
        precondition(!tensors.contains { $0.name == name }, "duplicate parameter \(name)")
        let isBias = name.hasSuffix("bias")
        let isNorm = name.contains("LayerNorm")
        let t = ParameterTensor(
            name: name, shape: shape, offset: count,
            decays: decays ?? !(isBias || isNorm),
            initialization: initialization ?? (isBias ? .zeros : isNorm ? .ones : .normal))
        tensors.append(t)
        count += t.count
        return t.offset
    }

    func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}

/// Parameter values and their gradients: two flat allocations laid out by a `ParameterLayout`.
final class ParameterArena {
    let layout: ParameterLayout
    let values: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    var count: Int { layout.count }
    static let normBlock = 4096
    private let normPartials: UnsafeMutablePointer<Double>

    init(layout: ParameterLayout) {
        self.layout = layout
        values = .allocate(capacity: max(1, layout.count))
        gradients = .allocate(capacity: max(1, layout.count))
        values.initialize(repeating: 0, count: max(1, layout.count))
        normPartials = .allocate(capacity: layout.count / Self.normBlock + 1)
        gradients.initialize(repeating: 0, count: max(1, layout.count))
    }

    deinit {
        values.deallocate()
        normPartials.deallocate()
        gradients.deallocate()
    }

    func value(_ t: ParameterTensor) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: values + t.offset, count: t.count)
    }
    func gradient(_ t: ParameterTensor) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradients + t.offset, count: t.count)
    }

    func zeroGradients() {
        let g = gradients
        Parallel.chunks(layout.count, minimumPerThread: 1 << 16) { _, r in
            (g + r.lowerBound).update(repeating: 0, count: r.count)
        }
    }

    /// BERT initialisation (HF `_init_weights`): weights ~ N(0, std), biases 0, LayerNorm
    /// weight 1; the padding row of the word embeddings is zeroed.
    func initialize(std: Float, seed: UInt64, paddingRows: [String: Int] = [:]) {
        var rng = SplitMix64(seed: seed)
        for t in layout.tensors {
            let v = value(t)
            switch t.initialization {
            case .zeros: v.update(repeating: 0)
            case .ones: v.update(repeating: 1)
            case .normal:
                for i in 0..<v.count { v[i] = Float(rng.nextGaussian()) * std }
                if let row = paddingRows[t.name], t.shape.count == 2 {
                    let w = t.shape[1]
                    for j in 0..<w { v[row * w + j] = 0 }
                }
            }
        }
    }

    /// Euclidean norm of all gradients: SIMD float partial sums per block of 4096, added in
    /// Double in a fixed order (the same for any thread count, so resume stays exact).
    func gradientNorm() -> Double {
        let block = Self.normBlock, blocks = (layout.count + block - 1) / block
        let partial = normPartials
        let g = gradients, n = layout.count
        Parallel.chunks(blocks, minimumPerThread: 16) { _, r in
            for b in r {
                let lo = b * block, c = min(block, n - lo)
                partial[b] = Double(FastMath.dot(g + lo, g + lo, c))
            }
        }
        var s = 0.0
        for b in 0..<blocks { s += partial[b] }
        return s.squareRoot()
    }
}

/// Small deterministic generator for initialisation, synthetic data and fine-tuning's
/// shuffles and noise; `mix` is its finaliser, a bijective 64-bit hash.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E3779B97F4A7C15
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
