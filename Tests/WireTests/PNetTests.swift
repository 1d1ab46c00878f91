import Wire
import XCTest

final class PNetTests: XCTestCase {
    let key = try! PreSharedKey(bytes: (0..<32).map { UInt8($0) })

    func testChunksLineUpWithTheKeystream() {
        let nonce = PNetCipher.randomNonce()
        var whole = PNetCipher(key: key, nonce: nonce)
        var pieces = PNetCipher(key: key, nonce: nonce)
        let data = (0..<1000).map { UInt8($0 % 251) }
        let once = whole.apply(data)
        var chunked: [UInt8] = []
        var i = 0
        for size in [1, 63, 64, 65, 7, 300, 500] where i < data.count {
            let end = min(i + size, data.count)
            chunked += pieces.apply(Array(data[i..<end]))
            i = end
        }
        XCTAssertEqual(chunked, once)
        XCTAssertNotEqual(once, data)
        var decrypt = PNetCipher(key: key, nonce: nonce)
        XCTAssertEqual(decrypt.apply(once), data)
    }

    func testKeyFiles() throws {
        XCTAssertEqual(try PreSharedKey(fileContents: Array(key.fileContents.utf8)), key)
        let b64 = "/key/swarm/psk/1.0.0/\n/base64/\n" + Data(key.bytes).base64EncodedString() + "\n"
        XCTAssertEqual(try PreSharedKey(fileContents: Array(b64.utf8)), key)
        XCTAssertThrowsError(try PreSharedKey(fileContents: Array("/key/swarm/psk/1.0.0/\n/base16/\nabcd\n".utf8)))
        XCTAssertThrowsError(try PreSharedKey(fileContents: Array("hello".utf8)))
        XCTAssertThrowsError(try PreSharedKey(fileContents: Array("/key/swarm/psk/1.0.0/\n/base58/\nx\n".utf8)))
    }
}
