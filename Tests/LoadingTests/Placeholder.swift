import XCTest
final class LoadingTestsPlaceholder: XCTestCase { func testBuilds() {} }
