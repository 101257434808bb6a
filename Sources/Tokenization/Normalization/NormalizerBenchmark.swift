import Foundation

/// Helpers behind `prep normalize`: line iteration, JSON output and a small timing harness
/// for the normalizer + pre-tokenizer alone (Scripts/bench/normalize compares it with the
/// reference in the same run).
public enum NormalizerBenchmark {
    public struct Report: CustomStringConvertible, Sendable {
        var bytes: Int
        var words: Int
        var seconds: Double
        var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
        public var description: String {
            String(
                format: "{\"bytes\": %d, \"words\": %d, \"seconds\": %.4f, \"mb_per_s\": %.1f}",
                bytes, words, seconds, megabytesPerSecond)
        }
    }

    /// Calls `body` with each `\n`-terminated line (without the `\n`; a `\r` stays).
    public static func forEachLine(_ text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0A { end += 1 }
            body(UnsafeBufferPointer(rebasing: text[start..<end]))
            start = end + 1
        }
    }

    /// Splits every line of `text` `passes` times on one thread; reports the best pass.
    public static func measure(_ splitter: BertTextSplitter, text: [UInt8], passes: Int) -> Report {
        var best = Double.infinity, words = 0
        var out = PreTokenizedText()
        text.withUnsafeBufferPointer { all in
            for _ in 0..<passes {
                words = 0
                let start = DispatchTime.now().uptimeNanoseconds
                forEachLine(all) { line in
                    out.removeAll()
                    splitter.split(line, into: &out)
                    words += out.words.count
                }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return Report(bytes: text.count, words: words, seconds: best)
    }

    /// One JSON array: the words, or [word, start, end] with byte offsets.
    public static func json(_ text: PreTokenizedText, offsets: Bool) -> String {
        var s = "["
        for (k, w) in text.words.enumerated() {
            if k > 0 { s += ", " }
            let word = String(decoding: text.bytes[Int(w.start)..<Int(w.end)], as: UTF8.self)
            let quoted = String(decoding: try! JSONEncoder().encode(word), as: UTF8.self)
            s += offsets ? "[\(quoted), \(text.sourceStart[Int(w.start)]), \(text.sourceEnd[Int(w.end) - 1])]" : quoted
        }
        return s + "]"
    }
}
