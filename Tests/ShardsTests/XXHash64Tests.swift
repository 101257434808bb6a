import XCTest
@testable import Shards

/// XXH64 against values from the reference C implementation (via Python `xxhash`,
/// see Scripts/reference/xxhash-vectors), one-shot and streamed in every split.
final class XXHash64Tests: XCTestCase {
    func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 * 131 + 7) } }

    func testPatternVectors() {
        XCTAssertGreaterThan(xxh64PatternVectors.count, 50)
        for v in xxh64PatternVectors {
            XCTAssertEqual(XXHash64.hash(pattern(v.length), seed: v.seed), v.hash, "length \(v.length) seed \(v.seed)")
        }
    }

    func testStringVectors() {
        for v in xxh64StringVectors {
            XCTAssertEqual(XXHash64.hash(Array(v.text.utf8), seed: v.seed), v.hash, "'\(v.text)' seed \(v.seed)")
        }
        // The empty-input value printed in the xxHash specification.
        XCTAssertEqual(XXHash64.hex(XXHash64.hash([])), "ef46db3751d8e999")
    }

    func testStreamingEqualsOneShotForEverySplit() {
        for v in xxh64PatternVectors where v.length <= 100 && v.seed == 1 {
            let bytes = pattern(v.length)
            for cut in 0...bytes.count {
                var h = XXHash64(seed: 1)
                h.update(Array(bytes[..<cut]))
                XCTAssertEqual(h.digest(), h.digest(), "digest must not consume state")
                h.update(Array(bytes[cut...]))
                XCTAssertEqual(h.digest(), v.hash, "length \(v.length) split at \(cut)")
            }
        }
        // Many small pieces of a long input.
        let long = xxh64PatternVectors.first { $0.length == 10007 && $0.seed == 0 }!
        let bytes = pattern(long.length)
        var h = XXHash64()
        var k = 0, step = 1
        while k < bytes.count {
            let end = min(bytes.count, k + step)
            h.update(Array(bytes[k..<end]))
            k = end; step = step % 37 + 1
        }
        XCTAssertEqual(h.digest(), long.hash)
    }
}
