import XCTest
final class MaskingTestsPlaceholder: XCTestCase { func testBuilds() {} }
