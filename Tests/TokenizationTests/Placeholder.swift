import XCTest
final class TokenizationTestsPlaceholder: XCTestCase { func testBuilds() {} }
