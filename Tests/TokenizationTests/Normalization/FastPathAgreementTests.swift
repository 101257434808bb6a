import XCTest
@testable import Tokenization

/// The fused fast path against the readable stage-by-stage path on seeded random input over
/// all planes (plus the interesting corners), for many option sets, in both Unicode modes.
final class FastPathAgreementTests: XCTestCase {
    /// SplitMix64: deterministic and independent of the standard library's generator.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let corners: [UInt32] = [
        0x00, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0xAD, 0x130, 0x131, 0x3A3, 0x3C2, 0x1E9E, 0xDF,
        0x0300, 0x0301, 0x0316, 0x0327, 0x0345, 0x05B0, 0x093C, 0x0F39, 0x302A, 0x1D165, 0x1D167, 0x1D16D, 0x1D15E,
        0x11938, 0x11930, 0x11935, 0x07FD, 0x08D4, 0x0890, 0x13430, 0x200B, 0x200D, 0x2028, 0x3000, 0xFEFF, 0xFFFD,
        0xE000, 0x4E2D, 0x2B81F, 0x2B820, 0x2B920, 0x31350, 0xF900, 0x2F800, 0xFB01, 0xFF21, 0x2460, 0x3133, 0xAC00,
        0x1100, 0x1161, 0x11A8, 0xA7CB, 0x10D50, 0x3002, 0xBF, 0x21, 0x2E, 0x41, 0x5A, 0x61, 0x7F,
    ]

    static func randomText(_ rng: inout Random) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<rng.below(40) {
            let cp: UInt32
            switch rng.below(10) {
            case 0...3: cp = corners[rng.below(corners.count)]
            case 4...5: cp = UInt32(0x20 + rng.below(0x5F))
            case 6: cp = UInt32(0x80 + rng.below(0x780))  // Latin, Greek, Cyrillic, marks
            case 7: cp = UInt32(rng.below(0x10000))  // BMP
            default: cp = UInt32(rng.below(0x110000))  // any plane
            }
            if (0xD800...0xDFFF).contains(cp) { continue }
            out += UTF8Decoding.encode(cp)
            if rng.below(60) == 0 { out.append(0x80 | UInt8(rng.below(0x7F))) }  // a stray invalid byte
        }
        return out
    }

    static let optionSets: [NormalizerOptions] = {
        var sets: [NormalizerOptions] = []
        for unicode in NormalizerOptions.UnicodeBehaviour.allCases {
            for pre in NormalizerOptions.PreNormalization.allCases {
                for (clean, chinese, lower, strip) in [
                    (true, true, true, nil), (true, true, false, nil),
                    (true, true, true, false), (true, true, false, true),
                    (false, false, false, nil), (false, true, true, true),
                ] as [(Bool, Bool, Bool, Bool?)] {
                    var o = NormalizerOptions()
                    o.unicode = unicode; o.preNormalization = pre
                    o.cleanText = clean; o.handleChineseChars = chinese; o.lowercase = lower; o.stripAccents = strip
                    sets.append(o)
                }
            }
        }
        return sets
    }()

    func testFastPathEqualsReadablePath() throws {
        var rng = Random(state: 2026_11_21)
        var appendedTo = PreTokenizedText()  // one long-lived output: appending must not disturb earlier words
        for options in Self.optionSets {
            let splitter = try BertTextSplitter(options: options)
            for round in 0..<100 {
                let text = Self.randomText(&rng)
                var fast = PreTokenizedText(), slow = PreTokenizedText()
                let base = Int32(round * 7)
                text.withUnsafeBufferPointer {
                    splitter.split($0, sourceBase: base, into: &fast)
                    splitter.splitUsingReferencePath($0, sourceBase: base, into: &slow)
                }
                let label = "\(options) input \(text)"
                XCTAssertEqual(fast.bytes, slow.bytes, label)
                XCTAssertEqual(fast.sourceStart, slow.sourceStart, label)
                XCTAssertEqual(fast.sourceEnd, slow.sourceEnd, label)
                XCTAssertEqual(fast.words, slow.words, label)
                if fast.words != slow.words || fast.bytes != slow.bytes { return }
                let before = appendedTo.bytes.count
                text.withUnsafeBufferPointer { splitter.split($0, sourceBase: base, into: &appendedTo) }
                XCTAssertEqual(Array(appendedTo.bytes[before...]), fast.bytes)
            }
        }
    }

    /// Inputs larger than the first output reservation, full of expanding scalars.
    func testOutputGrowsForExpandingInput() throws {
        let splitter = try BertTextSplitter(options: NormalizerOptions())
        let text = String(repeating: "İ\u{1F82}가ﬃ中 ", count: 5_000)
        var fast = PreTokenizedText(), slow = PreTokenizedText()
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer {
            splitter.split($0, into: &fast)
            splitter.splitUsingReferencePath($0, into: &slow)
        }
        XCTAssertEqual(fast.bytes, slow.bytes)
        XCTAssertEqual(fast.words, slow.words)
        XCTAssertEqual(fast.sourceStart, slow.sourceStart)
    }
}
