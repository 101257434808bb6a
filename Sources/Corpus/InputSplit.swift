// `prep tokenize --partition I/N`: which bytes of the inputs part I reads. The inputs are laid
// end to end (in the job's input order) and cut into N shares of equal bytes; each cut is then
// moved forward to the next document boundary, found by scanning the file from the cut. Every
// part computes its two cuts by itself, from the file sizes and contents only, so the parts
// need no coordination and together read every document exactly once (docs/scale-out.md).

import Foundation
import Shards
import Tokenization

/// One input's share of a part: a byte range of a file, or the whole file.
struct InputSlice: Equatable, Sendable {
    var path: String
    /// Nil: the whole file (always so for compressed files and standard input).
    var range: Range<Int>?
    /// The part starts inside the file, so its line numbers are not known (errors give byte offsets).
    var startsMidFile: Bool { (range?.lowerBound ?? 0) > 0 }
}

enum InputSplit {
    /// Part `partition`'s slices of `inputs` (in order) and its range of the inputs' bytes laid
    /// end to end. Compressed files cannot be entered in the middle, so they go whole to the
    /// part holding the larger share of them; plain files are cut at a document boundary:
    /// after a line (JSONL) or after a blank line (text: where a document ends).
    static func slices(
        of inputs: [String], formats: [InputFormat], partition: Partition
    ) throws -> (slices: [InputSlice], bytes: Range<Int>) {
        if inputs.contains("-") {
            throw TokenizationError.input(
                path: "<stdin>", detail: "--partition needs input files: standard input cannot be split")
        }
        let sizes = try inputs.map { try InputFiles.totalSize(of: [$0]) }
        var starts = [0]
        for s in sizes { starts.append(starts.last! + s) }
        let total = starts.last!
        func cut(_ i: Int) throws -> Int {
            if i == 0 { return 0 }
            if i == partition.count { return total }
            // ⌊T·i/N⌋ exactly, whatever T (a 128-bit product).
            let g = partition.count.dividingFullWidth(total.multipliedFullWidth(by: i)).quotient
            return try boundary(at: g, inputs: inputs, formats: formats, sizes: sizes, starts: starts)
        }
        let lo = try cut(partition.index), hi = try cut(partition.index + 1)
        var slices: [InputSlice] = []
        for (f, path) in inputs.enumerated() {
            let a = max(lo, starts[f]), b = min(hi, starts[f + 1])
            guard a < b else { continue }
            let local = (a - starts[f])..<(b - starts[f])
            slices.append(InputSlice(path: path, range: local.count == sizes[f] ? nil : local))
        }
        return (slices, lo..<hi)
    }

    /// The first document boundary at or after global byte `g` (0 < g < total), as a global offset.
    private static func boundary(
        at g: Int, inputs: [String], formats: [InputFormat], sizes: [Int], starts: [Int]
    ) throws -> Int {
        // The file holding byte g (empty files hold none).
        guard let f = sizes.indices.first(where: { starts[$0] <= g && g < starts[$0 + 1] }) else { return g }
        let offset = g - starts[f]
        if offset == 0 { return g }
        if InputCompression(name: inputs[f]) != .none {
            return offset < sizes[f] - offset ? starts[f] : starts[f + 1]
        }
        return starts[f] + (try documentBoundary(in: inputs[f], from: offset, size: sizes[f], format: formats[f]))
    }

    /// The first offset ≥ `offset` in a plain file where a document starts with nothing of the
    /// previous one after it: JSONL, the start of a line; text, the start of the line after a
    /// blank (whitespace-only) line — the single run ends a document there, so no document is
    /// cut and the splitting of over-long documents (counted from a document's start) is the
    /// same. The file's size when there is none. Reads forward from the offset only as far as
    /// that boundary (for text, to the next blank line).
    static func documentBoundary(in path: String, from offset: Int, size: Int, format: InputFormat) throws -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TokenizationError.input(path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        let blockSize = 1 << 20
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: blockSize)
        defer { block.deallocate() }
        // Start one byte early: whether byte offset-1 ends a line decides if offset starts one.
        var position = offset - 1
        // True while the scan is in a line that began at a line start and is whitespace so far
        // (a blank-line candidate); false while it skips the rest of a line.
        var blankSoFar = false
        var first = true
        while position < size {
            let n = pread(fd, block, min(blockSize, size - position), off_t(position))
            if n < 0 {
                throw TokenizationError.input(
                    path: path, detail: "read failed at byte \(position): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var i = 0
            if first {
                first = false
                i = 1
                if block[0] == 10 {
                    if format == .jsonl { return offset }
                    blankSoFar = true
                }
            }
            while i < n {
                if !blankSoFar {
                    guard let nl = memchr(block + i, 10, n - i) else { i = n; break }
                    i = block.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
                    if format == .jsonl { return position + i }
                    blankSoFar = true
                    continue
                }
                let b = block[i]
                i += 1
                if b == 10 { return position + i }
                // Python's str.strip() whitespace, as DocumentChunker.isBlank.
                if !(b == 32 || (9...13).contains(b)) { blankSoFar = false }
            }
            position += n
        }
        return size
    }
}
