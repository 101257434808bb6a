/// One allocation for every activation and gradient-of-activation buffer of a step.
///
/// Buffers are carved out by `take` while the model is built. The model is built twice:
/// first against a measuring arena (which only adds up the sizes and hands out a
/// placeholder that is never dereferenced), then against a real arena of exactly that size —
/// so the sizes are written in one place, the code that uses them.
final class ActivationArena {
    private let base: UnsafeMutablePointer<Float>
    let capacity: Int
    let measuring: Bool
    private(set) var used = 0

    /// A measuring arena.
    init() {
        measuring = true; capacity = 0
        base = .allocate(capacity: 16)
    }

    init(capacity: Int) {
        measuring = false; self.capacity = capacity
        base = .allocate(capacity: max(1, capacity))
        base.initialize(repeating: 0, count: max(1, capacity))
    }

    deinit { base.deallocate() }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = (count + 15) & ~15  // 64-byte multiples keep every buffer aligned for SIMD
        defer { used += n }
        if measuring { return base }
        precondition(used + n <= capacity, "activation arena overflow")
        return base + used
    }
}

/// Index buffers the model fills per batch (gathered masked rows and their labels, BPDec's
/// key mask, relative-position buckets), allocated once. `UInt32`, as the batch's columns.
final class IndexBuffer {
    let pointer: UnsafeMutablePointer<UInt32>
    let capacity: Int
    init(_ capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(capacity: max(1, capacity))
        pointer.initialize(repeating: 0, count: max(1, capacity))
    }
    deinit { pointer.deallocate() }
}

/// The largest batch the preallocated buffers must hold.
struct BatchCapacity: Sendable, Equatable, Codable {
    var batchSize: Int
    var sequenceLength: Int
    var maxPredictions: Int
    init(batchSize: Int, sequenceLength: Int, maxPredictions: Int) {
        self.batchSize = batchSize; self.sequenceLength = sequenceLength; self.maxPredictions = maxPredictions
    }
    var rows: Int { batchSize * sequenceLength }
    var maskedRows: Int { batchSize * maxPredictions }
}

enum Residual {
    /// x += y
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 16384) { _, r in
            for i in r { x[i] += y[i] }
        }
    }

    static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, minimumPerThread: 65536) { _, r in
            (dst + r.lowerBound).update(from: src + r.lowerBound, count: r.count)
        }
    }
}
