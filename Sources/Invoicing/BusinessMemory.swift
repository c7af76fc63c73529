import Foundation

/// An address-book entry: who a user bills, under which names, with which defaults. It is also the "frequent clients"
/// memory: an invoice for a name the book does not know adds the client, and every invoice bumps `invoiceCount` and
/// `lastInvoicedAt` and remembers the rates charged (`remember(_:at:)`).
public struct Client: Codable, Sendable, Hashable {
    public var id: String
    public var ownerId: String
    public var name: String
    public var aliases: [String]
    /// `SearchText.fold` of the name, unique per owner.
    public var nameKey: String
    /// Folded name and aliases: what a spoken name is matched against.
    public var matchKeys: [String]
    public var email: String?
    public var address: String?
    public var phone: String?
    public var currency: Currency?
    public var paymentTermsDays: Int?
    public var taxRate: TaxRate?
    /// The rates last charged to this client, most recent first (at most `maximumRates`).
    public var rates: [ServiceRate]
    public var invoiceCount: Int
    public var lastInvoicedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The `Idempotency-Key` digest of the request that created it (a retry after a crash finds it).
    public var idempotencyKey: String?

    public static let maximumRates = 50

    public struct ServiceRate: Codable, Sendable, Hashable {
        /// Folded description.
        public var service: String
        public var description: String
        public var unitPrice: Int64
        public var currency: Currency
    }

    /// A new entry with just a name (what a first invoice for an unknown name adds).
    public static func new(id: String, ownerID: String, name: String, now: Date) -> Client {
        var client = Client(
            id: id, ownerId: ownerID, name: name, aliases: [], nameKey: "", matchKeys: [], rates: [], invoiceCount: 0, lastInvoicedAt: nil, createdAt: now,
            updatedAt: now
        )
        client.refreshKeys()
        return client
    }

    public var party: Party { Party(name: self.name, address: self.address, phone: self.phone, email: self.email) }

    public var known: KnownClient {
        KnownClient(id: self.id, party: self.party, currency: self.currency, paymentTermsDays: self.paymentTermsDays, taxRate: self.taxRate)
    }

    public mutating func refreshKeys() {
        self.nameKey = SearchText.fold(self.name)
        var keys = [self.nameKey]
        for alias in self.aliases.map(SearchText.fold) where !keys.contains(alias) { keys.append(alias) }
        self.matchKeys = keys
    }

    /// What an invoice for this client teaches: one more invoice, its date, and its rates first (the newest rate of a
    /// service replaces the older one; at most `maximumRates` kept).
    public mutating func remember(_ invoice: Invoice, at now: Date) {
        self.invoiceCount = self.invoiceCount.addingReportingOverflow(1).overflow ? self.invoiceCount : self.invoiceCount + 1
        self.lastInvoicedAt = invoice.createdAt
        for item in invoice.items.reversed() where item.unitPrice > 0 {
            let service = SearchText.fold(item.description)
            self.rates.removeAll { $0.service == service && $0.currency == invoice.currency }
            self.rates.insert(.init(service: service, description: item.description, unitPrice: item.unitPrice, currency: invoice.currency), at: 0)
        }
        self.rates = Array(self.rates.prefix(Self.maximumRates))
        self.updatedAt = now
    }
}

/// A service the user has billed, with the rate last charged: the "common services" memory, given to extraction (and
/// transcription) as vocabulary and to drafting as usual rates.
public struct CatalogEntry: Codable, Sendable, Hashable {
    public var id: String
    public var ownerId: String
    /// Folded description and currency, unique per owner.
    public var key: String
    public var description: String
    public var unit: String?
    public var unitPrice: Int64
    public var currency: Currency
    public var useCount: Int
    public var lastUsedAt: Date
    public var createdAt: Date

    /// The memory is bounded: the least recently used entries beyond this are forgotten.
    public static let maximumEntries = 200

    /// The key of an invoice line in the catalog: one entry per service and currency.
    public static func key(_ description: String, _ currency: Currency) -> String { SearchText.fold(description) + "|" + currency.code }

    /// A first entry for a line of `invoice`.
    public static func first(id: String, item: LineItem, of invoice: Invoice) -> CatalogEntry {
        CatalogEntry(
            id: id, ownerId: invoice.ownerId, key: Self.key(item.description, invoice.currency), description: item.description, unit: item.unit,
            unitPrice: item.unitPrice, currency: invoice.currency, useCount: 1, lastUsedAt: invoice.createdAt, createdAt: invoice.createdAt
        )
    }

    /// The same service billed again: its latest wording, unit and rate.
    public mutating func remember(_ item: LineItem, of invoice: Invoice) {
        self.description = item.description
        self.unit = item.unit
        self.unitPrice = item.unitPrice
        self.useCount = self.useCount.addingReportingOverflow(1).overflow ? self.useCount : self.useCount + 1
        self.lastUsedAt = invoice.createdAt
    }
}

/// What a request knows of a user: the clients it needs (the most recently invoiced, for the vocabulary, and the one
/// a name matched) and the catalog entries it needs (the most recent, and those of the services being billed). The
/// storage reads these by index (never the whole book); matching, vocabulary and usual rates are computed from them
/// here, in memory, so the rules stay testable without a store.
public struct BusinessMemory: Sendable, Equatable {
    public var clients: [Client]
    public var catalog: [CatalogEntry]

    /// The address book is bounded: an invoice for a new name adds no entry beyond this.
    public static let maximumClients = 1000
    /// The vocabulary's size: the recently invoiced clients and the recent services given to the provider and parser.
    public static let vocabularyClients = 10
    public static let vocabularyServices = 15

    public init(clients: [Client], catalog: [CatalogEntry]) {
        self.clients = clients
        self.catalog = catalog
    }

    /// Known client names (most recently invoiced first, with aliases) and services, for the prompts.
    public var vocabulary: (clients: [String], services: [String]) {
        let recent = self.clients.filter { $0.invoiceCount > 0 }.sorted { ($0.lastInvoicedAt ?? .distantPast) > ($1.lastInvoicedAt ?? .distantPast) }
        return (
            recent.prefix(Self.vocabularyClients).flatMap { [$0.name] + $0.aliases }, self.catalog.prefix(Self.vocabularyServices).map(\.description)
        )
    }

    /// The client a spoken or typed name means: case-, accent-, punctuation- and alias-insensitive.
    public func match(_ name: String) -> Client? {
        let key = SearchText.fold(name)
        return key.isEmpty ? nil : self.clients.first { $0.matchKeys.contains(key) }
    }

    /// The usual rate per folded service: this client's own history first, then what any client was charged.
    public func usualRates(for client: Client?) -> [String: Money] {
        var rates: [String: Money] = [:]
        for entry in self.catalog.reversed() { rates[SearchText.fold(entry.description)] = Money(minorUnits: entry.unitPrice, currency: entry.currency) }
        for rate in client?.rates.reversed() ?? [] { rates[rate.service] = Money(minorUnits: rate.unitPrice, currency: rate.currency) }
        return rates
    }

    /// Whether an invoice for a name the book does not know may add it to a book of `size` clients.
    public static func hasRoom(bookSize size: Int) -> Bool { size < Self.maximumClients }
}
