import Core
import XCTest

final class ReconnectBackoffTests: XCTestCase {
    func testDoublesToTheCeilingAndResetsOnSuccess() {
        var b = ReconnectBackoff(initial: .seconds(1), ceiling: .seconds(10))
        XCTAssertEqual((0..<6).map { _ in b.failed() }, [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        b.succeeded()
        XCTAssertEqual(b.current, .seconds(1))
    }
}
