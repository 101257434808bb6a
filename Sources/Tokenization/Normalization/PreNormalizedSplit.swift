import CICU

// Pre-normalization (NFC/NFKC) in front of the fused split; see PreNormalizer for the offsets.
extension BertTextSplitter {
    /// NFC/NFKC first (into a scratch buffer that remembers each byte's source range), then
    /// the fast path over the result, then source offsets mapped back to the input. Scalars
    /// that normalization cannot touch (ICU's "inert", from the table) are copied as they are;
    /// only the runs between them go through `PreNormalizer`.
    func splitPreNormalized(
        _ input: UnsafeBufferPointer<UInt8>, sourceBase: Int32,
        into output: inout PreTokenizedText
    ) {
        guard let source = input.baseAddress else { return }
        let sensitive = options.preNormalization == .nfc ? ScalarTable.nfcSensitive : ScalarTable.nfkcSensitive
        let form = options.preNormalization == .nfc ? Int32(DRB_ICU_NFC) : Int32(DRB_ICU_NFKC)
        let normalizer = PreNormalizer(form: options.preNormalization, properties: properties)
        var scratch = ScratchText(capacity: input.count + 16)
        defer { scratch.deallocate() }
        var run: [SourcedScalar] = []
        // ASCII is copied without a lookup, but a letter may compose with a following mark
        // (e + U+0301): the ASCII scalar just before a run joins the run. One is enough, since
        // every ASCII scalar starts a normalization segment.
        var i = 0, changed = false, previousASCII = false
        while i < input.count {
            let (cp, length) = UTF8Decoding.decode(source, at: i, count: input.count)
            let s = SourcedScalar(value: cp, start: sourceBase + Int32(i), end: sourceBase + Int32(i + length))
            if cp >= 0x80 && table.entry(cp) & sensitive != 0 {
                if run.isEmpty && previousASCII { run.append(scratch.removeLastASCII()) }
                run.append(s); changed = true
                previousASCII = false
            } else {
                if !run.isEmpty { scratch.appendNormalized(&run, form: form, normalizer: normalizer) }
                scratch.copy(source + i, length: length, start: s.start, end: s.end)
                previousASCII = cp < 0x80 && length == 1
            }
            i += length
        }
        if !run.isEmpty { scratch.appendNormalized(&run, form: form, normalizer: normalizer) }
        guard changed else {  // nothing to normalize: split the input itself
            if !splitFast(input, sourceBase: sourceBase, into: &output) {
                reference.split(input, sourceBase: sourceBase, into: &output)
            }
            return
        }
        let first = output.bytes.count
        let done = splitFast(
            UnsafeBufferPointer(start: scratch.bytes, count: scratch.count), sourceBase: 0, into: &output)
        guard done else {
            reference.split(input, sourceBase: sourceBase, into: &output)
            return
        }
        for k in first..<output.bytes.count {
            output.sourceStart[k] = scratch.starts[Int(output.sourceStart[k])]
            output.sourceEnd[k] = scratch.ends[Int(output.sourceEnd[k]) - 1]
        }
    }

    /// Pre-normalized UTF-8 with each byte's source range, in plain buffers (per-byte Array
    /// appends cost a uniqueness check each; this is the pre-normalization hot path).
    private struct ScratchText {
        private(set) var bytes: UnsafeMutablePointer<UInt8>
        private(set) var starts: UnsafeMutablePointer<Int32>
        private(set) var ends: UnsafeMutablePointer<Int32>
        private(set) var count = 0
        private var capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            bytes = .allocate(capacity: self.capacity)
            starts = .allocate(capacity: self.capacity)
            ends = .allocate(capacity: self.capacity)
        }

        func deallocate() { bytes.deallocate(); starts.deallocate(); ends.deallocate() }

        @inline(__always) private mutating func reserve(_ more: Int) {
            guard count + more > capacity else { return }
            let newCapacity = max(2 * capacity, count + more)
            func move<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
                let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
                new.moveInitialize(from: old, count: count)
                old.deallocate()
                return new
            }
            bytes = move(bytes); starts = move(starts); ends = move(ends)
            capacity = newCapacity
        }

        @inline(__always) mutating func copy(_ from: UnsafePointer<UInt8>, length: Int, start: Int32, end: Int32) {
            reserve(length)
            for k in 0..<length { bytes[count + k] = from[k]; starts[count + k] = start; ends[count + k] = end }
            count += length
        }

        mutating func append(_ s: SourcedScalar) {
            reserve(4)
            let n = UTF8Decoding.encode(s.value, into: bytes + count)
            for k in 0..<n { starts[count + k] = s.start; ends[count + k] = s.end }
            count += n
        }

        mutating func removeLastASCII() -> SourcedScalar {
            count -= 1
            return SourcedScalar(value: UInt32(bytes[count]), start: starts[count], end: ends[count])
        }

        /// Normalizes `run` (scalars between inert ones) and empties it.
        mutating func appendNormalized(_ run: inout [SourcedScalar], form: Int32, normalizer: PreNormalizer) {
            defer { run.removeAll(keepingCapacity: true) }
            if run.count == 1 {
                // The common case (a fullwidth comma between ideographs): a segment of one
                // scalar, normalized alone without the segmenting machinery's allocations.
                let s = run[0]
                var value = s.value
                var pieces:
                    (
                        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32
                    ) =
                        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                let n = withUnsafeMutableBytes(of: &pieces) { raw in
                    Int(drb_icu_normalize(form, &value, 1, raw.baseAddress!.assumingMemoryBound(to: UInt32.self), 18))
                }
                if n >= 0 && n <= 18 {
                    for k in 0..<n {
                        let v = withUnsafeBytes(of: &pieces) { $0.load(fromByteOffset: 4 * k, as: UInt32.self) }
                        append(SourcedScalar(value: v, start: s.start, end: s.end))
                    }
                    return
                }
            }
            for s in normalizer.normalize(run) { append(s) }
        }
    }
}
