import XCTest
final class prepTestsPlaceholder: XCTestCase { func testBuilds() {} }
