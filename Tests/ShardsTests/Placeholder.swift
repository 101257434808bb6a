import XCTest
final class ShardsTestsPlaceholder: XCTestCase { func testBuilds() {} }
