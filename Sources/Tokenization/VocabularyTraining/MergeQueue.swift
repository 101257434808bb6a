/// A candidate merge as HF's `BpeTrainer` queues it: a pair, its count when queued (it may
/// be stale by the time it is popped) and the words to merge it in, a slice of
/// `MergeQueue.positions`. A pair can be queued several times, each entry with only the
/// words where it was newly formed at the time; HF merges only an entry's own words.
struct MergeCandidate {
    var count: Int64
    var pair: SymbolPair
    /// Order of queueing: breaks ties between entries of the same pair and count, which HF
    /// leaves to its heap's layout.
    var sequence: Int
    var pairIndex: Int32
    var positionCount: Int32
    var positionStart: Int
}

/// A max-heap of `MergeCandidate`s in HF's order: higher count first, then the smaller pair,
/// then (our addition, to be deterministic) the earlier queued. Also owns the word lists of
/// all entries, in one growing buffer: entries come and go by the million on a big corpus,
/// and a list apiece would be an allocation apiece.
struct MergeQueue {
    private var heap: [MergeCandidate] = []
    private(set) var positions: UnsafeMutablePointer<Int32>
    private(set) var positionCount = 0
    private var positionCapacity: Int
    private var nextSequence = 0

    init(positionCapacity: Int) {
        self.positionCapacity = max(positionCapacity, 1024)
        positions = .allocate(capacity: self.positionCapacity)
    }

    func deallocate() { positions.deallocate() }

    var isEmpty: Bool { heap.isEmpty }

    /// Room for `n` more word numbers; returns where they start.
    mutating func reservePositions(_ n: Int) -> Int {
        if positionCount + n > positionCapacity {
            var capacity = 2 * positionCapacity
            while capacity < positionCount + n { capacity *= 2 }
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            grown.moveInitialize(from: positions, count: positionCount)
            positions.deallocate()
            positions = grown
            positionCapacity = capacity
        }
        let start = positionCount
        positionCount += n
        return start
    }

    @inline(__always)
    private static func before(_ a: MergeCandidate, _ b: MergeCandidate) -> Bool {
        if a.count != b.count { return a.count > b.count }
        if a.pair != b.pair { return a.pair < b.pair }
        return a.sequence < b.sequence
    }

    /// Queues `candidate` (its `sequence` is set here).
    mutating func push(_ candidate: MergeCandidate) {
        var c = candidate
        c.sequence = nextSequence
        nextSequence += 1
        heap.append(c)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(c, heap[parent]) else { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = c
    }

    mutating func pop() -> MergeCandidate? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        let n = heap.count
        var i = 0
        while true {
            var child = 2 * i + 1
            guard child < n else { break }
            if child + 1 < n && Self.before(heap[child + 1], heap[child]) { child += 1 }
            guard Self.before(heap[child], last) else { break }
            heap[i] = heap[child]
            i = child
        }
        heap[i] = last
        return top
    }
}
