import Foundation
import XCTest
@testable import Tokenization

final class WordCountTableTests: XCTestCase {
    func testCountsGrowAndMerge() {
        let a = WordCountTable(minimumCapacity: 16)
        let b = WordCountTable(minimumCapacity: 16)
        var expected: [String: UInt64] = [:]
        for i in 0..<20_000 {
            let word = "w\(i % 7_000)-\(String(repeating: "x", count: i % 23))"
            (i.isMultiple(of: 3) ? b : a).add(word)
            expected[word, default: 0] += 1
        }
        a.merge(b)
        XCTAssertEqual(a.dictionary, expected)
        XCTAssertEqual(a.count, expected.count)
        XCTAssertEqual(a.totalOccurrences, 20_000)
        XCTAssertEqual(a.occurrences(of: "w5-xxxxx"), expected["w5-xxxxx"])
        XCTAssertEqual(a.occurrences(of: "absent"), 0)
    }

    func testBytesNotCanonicalEquivalence() {
        let t = WordCountTable()
        t.add("\u{E9}")
        t.add("e\u{301}", occurrences: 3)
        t.add("")
        XCTAssertEqual(t.count, 2)
        XCTAssertEqual(t.occurrences(at: 0), 1)
        XCTAssertEqual(t.occurrences(at: 1), 3)
        XCTAssertEqual(Array(t.word(at: 1)), Array("e\u{301}".utf8))
    }
}
