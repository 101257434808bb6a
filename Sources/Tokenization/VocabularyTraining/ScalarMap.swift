/// A value per code point without a hash lookup per character: 256-entry blocks, allocated
/// when first written (a corpus uses a few dozen blocks of the 4,352; a dense array for all
/// of Unicode would cost megabytes of memory per table).
final class ScalarMap<Value> {
    static var blockCount: Int { 0x110000 >> 8 }
    private let blocks: UnsafeMutablePointer<UnsafeMutablePointer<Value>?>
    let defaultValue: Value

    init(defaultValue: Value) {
        self.defaultValue = defaultValue
        blocks = .allocate(capacity: Self.blockCount)
        blocks.initialize(repeating: nil, count: Self.blockCount)
    }

    deinit {
        for b in 0..<Self.blockCount { blocks[b]?.deallocate() }
        blocks.deallocate()
    }

    subscript(_ cp: UInt32) -> Value {
        @inline(__always) get {
            guard let block = blocks[Int(cp >> 8)] else { return defaultValue }
            return block[Int(cp & 0xFF)]
        }
        @inline(__always) set {
            let b = Int(cp >> 8)
            if blocks[b] == nil {
                let block = UnsafeMutablePointer<Value>.allocate(capacity: 256)
                block.initialize(repeating: defaultValue, count: 256)
                blocks[b] = block
            }
            blocks[b]![Int(cp & 0xFF)] = newValue
        }
    }

    /// Code points of the allocated blocks, ascending (each holds a written value or the default).
    var allocatedScalars: [UInt32] {
        var out: [UInt32] = []
        for b in 0..<Self.blockCount where blocks[b] != nil {
            for low in 0..<256 { out.append(UInt32(b << 8 | low)) }
        }
        return out
    }
}
