import XCTest
@testable import Shards

/// FIPS 180-4 test vectors (the digests `sha256sum` prints).
final class SHA256Tests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256Hasher.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            SHA256Hasher.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256Hasher.hex(of: Array(String(repeating: "a", count: 1000).utf8)),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
