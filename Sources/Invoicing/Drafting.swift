import Foundation

/// Where "now" comes from: injected, so that every rule that depends on the date (issue and due dates, "today" in the
/// profile's time zone, overdue, numbering years) is tested on a fixed clock.
public struct InvoiceClock: Sendable {
    public let now: @Sendable () -> Date

    public init(_ now: @escaping @Sendable () -> Date) { self.now = now }

    /// A clock stopped at `date`.
    public static func fixed(_ date: Date) -> InvoiceClock { InvoiceClock { date } }
}

/// One draft, from what was said or typed to the invoice to store: the client matched against the address book (by
/// name or alias, folded) unless one was chosen, the usual rates of that client and of the catalog, then
/// `DraftBuilder` (validation, the client's and the profile's defaults, dates in the profile's time zone, warnings,
/// every amount in minor units). No storage and no HTTP: the role stores what this returns.
public struct Drafting: Sendable {
    public var builder = DraftBuilder()

    public init() {}

    public struct Request: Sendable {
        public var id: String
        public var ownerId: String
        public var profile: BusinessProfile
        public var source: InvoiceSource
        public var transcript: String?
        /// The client chosen explicitly (a form's `clientId`), which wins over matching by name.
        public var client: Client?

        public init(id: String, ownerId: String, profile: BusinessProfile, source: InvoiceSource, transcript: String?, client: Client? = nil) {
            self.id = id
            self.ownerId = ownerId
            self.profile = profile
            self.source = source
            self.transcript = transcript
            self.client = client
        }
    }

    public struct Draft: Sendable {
        public var invoice: Invoice
        /// The address-book entry the invoice is for, when the book knows it.
        public var client: Client?
    }

    /// The draft at `now`; "today" is the profile's.
    public func draft(_ extracted: ExtractedInvoice, request: Request, memory: BusinessMemory, now: Date) throws(DraftError) -> Draft {
        var matched = request.client
        if matched == nil, let name = extracted.clientName { matched = memory.match(name) }
        let context = DraftContext(
            id: request.id, ownerId: request.ownerId, profile: request.profile, today: request.profile.today(at: now), now: now, source: request.source,
            transcript: request.transcript, client: matched?.known, usualRates: memory.usualRates(for: matched)
        )
        var invoice = try self.builder.draft(from: extracted, context: context)
        invoice.timeZone = request.profile.timeZone
        return Draft(invoice: invoice, client: matched)
    }
}
