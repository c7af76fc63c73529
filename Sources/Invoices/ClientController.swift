import Foundation
import Hummingbird
import Invoicing
import OpenSSLSupport
import ServiceKit
import Storage
import WireFormat

// The address-book entry is the domain's (`Invoicing.Client`); stored as it is.
extension Client: StoredDocument {}

/// The address book's storage. Matching loads the owner's book (bounded by `maximumClients`) and compares folded
/// names in memory: the same code on both engines, and a book of a few hundred names is one small query.
struct ClientRepository: Sendable {
    static let collection = "clients"
    static let maximumClients = BusinessMemory.maximumClients
    static let collections = [
        CollectionSpec(
            name: collection,
            indexes: [
                IndexSpec(name: "owner_name", fields: ["ownerId", "nameKey"], unique: true),
                IndexSpec(name: "owner_recent", fields: ["ownerId", "lastInvoicedAt"]),
                // Aliases: a multikey index in MongoDB; in SQLite an expression index on the array's text serves nothing,
                // and the owner's rows are few enough for json_each (see `match`).
                IndexSpec(name: "owner_match", fields: ["ownerId", "matchKeys"], engines: ["mongodb"]),
                IndexSpec(name: "owner_idempotency", fields: ["ownerId", "idempotencyKey"], unique: true, sparse: true),
            ]
        )
    ]
    let store: any DocumentStore

    func all(ownerID: String) async throws -> [Client] {
        try await self.store.find(
            Client.self, in: Self.collection, where: .equal("ownerId", .string(ownerID)), sort: [SortField("nameKey")], limit: Self.maximumClients
        )
    }

    /// The client a spoken or typed name means: case-, accent-, punctuation- and alias-insensitive. Read by index,
    /// never by reading the book: the name's key on the unique (owner, nameKey) index, else an alias among the
    /// owner's match keys (MongoDB: the multikey index; SQLite: json_each over the owner's rows, in the engine).
    func match(name: String, ownerID: String) async throws -> Client? {
        let key = SearchText.fold(name)
        guard !key.isEmpty else { return nil }
        let owner: Filter = .equal("ownerId", .string(ownerID))
        if let named = try await self.store.findOne(Client.self, in: Self.collection, where: .and([owner, .equal("nameKey", .string(key))])) {
            return named
        }
        return try await self.store.find(
            Client.self, in: Self.collection, where: .and([owner, .hasElement("matchKeys", .string(key))]), sort: [SortField("nameKey")], limit: 1
        ).first
    }

    /// How many clients the owner's book holds (counted by the engine).
    func count(ownerID: String) async throws -> Int {
        try await self.store.count(in: Self.collection, where: .equal("ownerId", .string(ownerID)))
    }

    func find(id: String, ownerID: String) async throws -> Client? {
        guard DocumentID.isWellFormed(id) else { return nil }
        return try await self.store.findOne(Client.self, in: Self.collection, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))]))
    }

    func page(ownerID: String, after nameKey: String?, limit: Int) async throws -> [Client] {
        var filter: Filter = .equal("ownerId", .string(ownerID))
        if let nameKey { filter = .and([filter, .greater("nameKey", .string(nameKey))]) }
        return try await self.store.find(Client.self, in: Self.collection, where: filter, sort: [SortField("nameKey")], limit: limit)
    }

    /// Most recently invoiced first: the "frequent clients" given to extraction as context. The range on
    /// `lastInvoicedAt` keeps the (owner, lastInvoicedAt) index scan to invoiced clients: a book full of clients never
    /// invoiced (imported, typed in) is not walked to find the ten recent ones. The bound is 1970, not `distantPast`,
    /// which lies before year 1 and is no date every MongoDB driver can read.
    func recent(ownerID: String, limit: Int) async throws -> [Client] {
        try await self.store.find(
            Client.self, in: Self.collection,
            where: .and([
                .equal("ownerId", .string(ownerID)), .greater("lastInvoicedAt", .date(Date(timeIntervalSince1970: 0))), .greater("invoiceCount", .int(0)),
            ]),
            sort: [SortField("lastInvoicedAt", descending: true)], limit: limit
        )
    }

    func find(idempotencyKey: String, ownerID: String) async throws -> Client? {
        try await self.store.findOne(
            Client.self, in: Self.collection, where: .and([.equal("ownerId", .string(ownerID)), .equal("idempotencyKey", .string(idempotencyKey))])
        )
    }

    func insert(_ client: Client) async throws {
        do { try await self.store.insert(client, into: Self.collection) } catch let error as StoreError where error.code == .duplicateKey {
            throw Problem.conflict("A client named \"\(client.name)\" is already in the address book.")
        }
    }

    func save(_ client: Client) async throws -> Bool {
        do {
            return try await self.store.replaceOne(
                client, in: Self.collection, where: .and([.equal("id", .string(client.id)), .equal("ownerId", .string(client.ownerId))])
            )
        } catch let error as StoreError where error.code == .duplicateKey {
            throw Problem.conflict("A client named \"\(client.name)\" is already in the address book.")
        }
    }

    func delete(id: String, ownerID: String) async throws -> Bool {
        guard DocumentID.isWellFormed(id) else { return false }
        return try await self.store.delete(in: Self.collection, where: .and([.equal("id", .string(id)), .equal("ownerId", .string(ownerID))])) > 0
    }
}

/// `/api/clients`: the address book (bearer token; every query scoped to its user).
///
/// - `GET /api/clients?limit=&cursor=` → {items, nextCursor} by name; `GET /api/clients?sort=recent` → the frequent ones
/// - `POST /api/clients` {name, aliases?, email?, address?, phone?, currency?, paymentTermsDays?, taxRate?} → 201
/// - `GET|PATCH|DELETE /api/clients/{id}` (PATCH: absent leaves a field, null clears it)
struct ClientController {
    let clients: ClientRepository

    static let bodyLimit = 64 * 1024

    /// `GET /api/clients?limit=&cursor=` (by name) or `?sort=recent` (most recently invoiced first).
    func list(limit: Int?, cursor: String?, recent: Bool, user: AuthenticatedUser) async throws -> ClientPage {
        let limit = try Query.limit(limit, default: 50)
        if recent {
            return ClientPage(items: try await self.clients.recent(ownerID: user.id, limit: limit).map(ClientView.init), nextCursor: nil)
        }
        var after: String?
        if let cursor {
            guard let bytes = Base64URL.decode(cursor), let key = String(bytes: bytes, encoding: .utf8) else {
                throw Problem.badRequest("cursor is not one this API returned.")
            }
            after = key
        }
        var items = try await self.clients.page(ownerID: user.id, after: after, limit: limit + 1)
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map { Base64URL.encode(Array($0.nameKey.utf8)) }
        }
        return ClientPage(items: items.map(ClientView.init), nextCursor: next)
    }

    struct ClientInput: Decodable, Hashable, Sendable {
        var name: PatchField<String> = .absent
        var aliases: PatchField<[String]> = .absent
        var email: PatchField<String> = .absent
        var address: PatchField<String> = .absent
        var phone: PatchField<String> = .absent
        var currency: PatchField<Currency> = .absent
        var paymentTermsDays: PatchField<Int> = .absent
        var taxRate: PatchField<TaxRate> = .absent

        /// Applies the fields, collecting every problem; `creating` requires a name.
        func apply(to client: inout Client, creating: Bool) throws {
            var problems: [Problem.FieldProblem] = []
            switch self.name {
            case .value(let raw):
                let name = DraftBuilder.clean(raw)
                if name.isEmpty || name.count > 200 || SearchText.fold(name).isEmpty {
                    problems.append(.init(field: "name", message: "must be 1 to 200 characters with a letter or digit"))
                } else {
                    client.name = name
                }
            case .null: problems.append(.init(field: "name", message: "cannot be null"))
            case .absent: if creating { problems.append(.init(field: "name", message: "is required")) }
            }
            switch self.aliases {
            case .value(let aliases):
                let cleaned = aliases.map(DraftBuilder.clean).filter { !SearchText.fold($0).isEmpty }
                if cleaned.count > 20 || cleaned.contains(where: { $0.count > 200 }) {
                    problems.append(.init(field: "aliases", message: "at most 20 aliases of at most 200 characters"))
                } else {
                    client.aliases = cleaned
                }
            case .null: client.aliases = []
            case .absent: break
            }
            if let value = self.email.text("email", max: 254, problems: &problems) {
                if let email = value, Email.normalise(email) == nil {
                    problems.append(.init(field: "email", message: "is not a valid email address"))
                } else {
                    client.email = value
                }
            }
            if let value = self.address.text("address", max: 500, multiline: true, problems: &problems) { client.address = value }
            if let value = self.phone.text("phone", max: 50, problems: &problems) { client.phone = value }
            if case .value(let currency) = self.currency { client.currency = currency } else if self.currency.isNull { client.currency = nil }
            switch self.paymentTermsDays {
            case .value(let days):
                if (0...3650).contains(days) {
                    client.paymentTermsDays = days
                } else {
                    problems.append(.init(field: "paymentTermsDays", message: "must be between 0 and 3650"))
                }
            case .null: client.paymentTermsDays = nil
            case .absent: break
            }
            if case .value(let rate) = self.taxRate { client.taxRate = rate } else if self.taxRate.isNull { client.taxRate = nil }
            if !problems.isEmpty { throw Problem.unprocessable("The client is invalid.", errors: problems) }
            client.refreshKeys()
        }
    }

    /// Names and aliases must stay unambiguous: one spoken name, one client.
    func checkUnambiguous(_ client: Client, among book: [Client]) throws {
        for other in book where other.id != client.id {
            if let clash = client.matchKeys.first(where: other.matchKeys.contains) {
                throw Problem.conflict("\"\(clash)\" already names the client \"\(other.name)\".")
            }
        }
    }

    func create(_ input: ClientInput, user: AuthenticatedUser) async throws -> Client {
        let key = IdempotencyMiddleware.current
        // A keyed create whose first attempt stored the client before its process died: answered with that client.
        if let key, let existing = try await self.clients.find(idempotencyKey: key, ownerID: user.id) { return existing }
        let now = Date.storeNow
        var client = Client.new(id: DocumentID.make(), ownerID: user.id, name: "", now: now)
        client.idempotencyKey = key
        try input.apply(to: &client, creating: true)
        let book = try await self.clients.all(ownerID: user.id)
        guard book.count < ClientRepository.maximumClients else {
            throw Problem.conflict("The address book is full (\(ClientRepository.maximumClients) clients); delete some first.")
        }
        try self.checkUnambiguous(client, among: book)
        try await self.clients.insert(client)
        return client
    }

    func load(id: String, user: AuthenticatedUser) async throws -> Client {
        guard let client = try await self.clients.find(id: id, ownerID: user.id) else {
            throw Problem.notFound("No client with this id.")
        }
        return client
    }

    func update(id: String, input: ClientInput, user: AuthenticatedUser) async throws -> Client {
        var client = try await self.load(id: id, user: user)
        try input.apply(to: &client, creating: false)
        client.updatedAt = .storeNow
        try self.checkUnambiguous(client, among: try await self.clients.all(ownerID: user.id))
        guard try await self.clients.save(client) else { throw Problem.notFound("No client with this id.") }
        return client
    }

    /// Removes the entry (and what was remembered about it); invoices keep their own copy of the client.
    func delete(id: String, user: AuthenticatedUser) async throws {
        guard try await self.clients.delete(id: id, ownerID: user.id) else { throw Problem.notFound("No client with this id.") }
    }
}

typealias ClientInput = ClientController.ClientInput
