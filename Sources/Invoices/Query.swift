import ServiceKit

/// Query-string helpers shared by the invoice role's lists.
enum Query {
    static let maximumPageSize = 100

    static func limit(_ given: Int?, default value: Int) throws -> Int {
        guard let limit = given else { return value }
        guard (1...Self.maximumPageSize).contains(limit) else {
            throw Problem.badRequest("limit must be an integer from 1 to \(Self.maximumPageSize).")
        }
        return limit
    }
}
