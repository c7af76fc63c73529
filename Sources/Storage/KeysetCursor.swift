import Foundation
import OpenSSLSupport
import WireFormat

/// An opaque page cursor for keyset paging on (createdAt, id): base64url of "<createdAt>|<id>". Anything a client
/// sends that this API did not return is nil (a 400), never a query.
public struct KeysetCursor: Sendable, Equatable {
    public var createdAt: Date
    public var id: String

    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    public init?(_ text: String) {
        // A cursor this API made is under 100 characters; anything far longer is refused before decoding.
        guard text.utf8.count <= 256, let bytes = Base64URL.decode(text), let decoded = String(bytes: bytes, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = parts.first, let last = parts.last, let date = StoreDates.date(String(first)), DocumentID.isWellFormed(String(last))
        else { return nil }
        self.init(createdAt: date, id: String(last))
    }

    public var encoded: String { Base64URL.encode(Array("\(StoreDates.string(self.createdAt))|\(self.id)".utf8)) }
}
