import Foundation
import XCTest
@testable import Tokenization

/// Reads the fixtures written by Scripts/reference/unicode_overlay.py (from the pinned reference).
enum NormalizationFixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    /// Every Unicode scalar value.
    static let scalars: [UInt32] = Array(0..<0xD800) + Array(0xE000..<0x110000)

    /// Section name → expected normalize_str output for each code point not mapped to itself;
    /// plus the split classes ("split whitespace", "split punctuation") as sets.
    struct PerCodePoint {
        var outputs: [String: [UInt32: [UInt32]]] = [:]
        var splitWhitespace = Set<UInt32>()
        var splitPunctuation = Set<UInt32>()
    }

    static let perCodePoint: PerCodePoint = {
        let text = try! String(contentsOf: url("reference-normalization.txt"), encoding: .utf8)
        var result = PerCodePoint()
        var section = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()); continue }
            let fields = line.split(separator: " ")
            let start = UInt32(fields[0], radix: 16)!, end = UInt32(fields[1], radix: 16)!
            if section == "split whitespace" { for cp in start...end { result.splitWhitespace.insert(cp) }; continue }
            if section == "split punctuation" { for cp in start...end { result.splitPunctuation.insert(cp) }; continue }
            let action = fields[2...].map(String.init)
            for cp in start...end {
                let out: [UInt32]
                switch action[0] {
                case "-": out = []
                case "_": out = [0x20]
                case "cjk": out = [0x20, cp, 0x20]
                case "hangul": out = hangulDecomposition(cp)
                case let a where a.hasPrefix("+") || a.hasPrefix("-"):
                    out = [UInt32(Int64(cp) + Int64(a)!)]
                default: out = action.map { UInt32($0, radix: 16)! }
                }
                result.outputs[section, default: [:]][cp] = out
            }
        }
        return result
    }()

    /// Unicode §3.12 Hangul syllable decomposition (written from the standard, not from our code).
    static func hangulDecomposition(_ cp: UInt32) -> [UInt32] {
        let s = cp - 0xAC00
        let trail = 0x11A7 + s % 28
        return [0x1100 + s / 588, 0x1161 + (s % 588) / 28] + (trail == 0x11A7 ? [] : [trail])
    }

    /// The options behind each fixture section.
    static func options(forSection section: String) -> NormalizerOptions {
        var o = NormalizerOptions()
        switch section {
        case "default": break
        case "no-lowercase": o.lowercase = false
        case "lowercase-keep-accents": o.stripAccents = false
        case "strip-accents-no-lowercase": o.lowercase = false; o.stripAccents = true
        case "nothing": o.cleanText = false; o.handleChineseChars = false; o.lowercase = false
        case "nfkc+default": o.preNormalization = .nfkc
        default: XCTFail("unknown fixture section \(section)")
        }
        return o
    }
}

/// Words of a `PreTokenizedText` as strings, with the source range of each scalar.
struct SplitWord: Equatable, CustomStringConvertible {
    var text: String
    var ranges: [[Int32]]
    var description: String { "\(text.debugDescription)\(ranges)" }

    /// Scalar by scalar: Swift's String == treats canonically equivalent text as equal, which
    /// would hide exactly the normalization differences these tests are about.
    static func == (a: SplitWord, b: SplitWord) -> Bool {
        a.text.unicodeScalars.elementsEqual(b.text.unicodeScalars) && a.ranges == b.ranges
    }

    static func words(of t: PreTokenizedText) -> [SplitWord] {
        t.words.map { w in
            let bytes = Array(t.bytes[Int(w.start)..<Int(w.end)])
            var ranges: [[Int32]] = []
            for k in Int(w.start)..<Int(w.end) where t.bytes[k] & 0xC0 != 0x80 {
                ranges.append([t.sourceStart[k], t.sourceEnd[k]])
            }
            return SplitWord(text: String(decoding: bytes, as: UTF8.self), ranges: ranges)
        }
    }
}

extension BertTextSplitter {
    func words(_ text: String, reference: Bool = false) -> [SplitWord] {
        var out = PreTokenizedText()
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { b in
            let input = UnsafeBufferPointer(b)
            if reference { splitUsingReferencePath(input, into: &out) } else { split(input, into: &out) }
        }
        return SplitWord.words(of: out)
    }
}
