import Foundation
import Invoicing

struct ClientView: Encodable, Hashable, Sendable {
    var id: String
    var name: String
    var aliases: [String]
    var email: String?
    var address: String?
    var phone: String?
    var currency: Currency?
    var paymentTermsDays: Int?
    var taxRate: TaxRate?
    var invoiceCount: Int
    var lastInvoicedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    init(_ client: Client) {
        self.id = client.id
        self.name = client.name
        self.aliases = client.aliases
        self.email = client.email
        self.address = client.address
        self.phone = client.phone
        self.currency = client.currency
        self.paymentTermsDays = client.paymentTermsDays
        self.taxRate = client.taxRate
        self.invoiceCount = client.invoiceCount
        self.lastInvoicedAt = client.lastInvoicedAt
        self.createdAt = client.createdAt
        self.updatedAt = client.updatedAt
    }
}

/// A page of the address book.
struct ClientPage: Encodable, Hashable, Sendable {
    var items: [ClientView]
    var nextCursor: String?
}
