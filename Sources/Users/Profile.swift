import Foundation
import Invoicing
import ServiceKit
import Storage

/// A user's business profile, owned by the user role (collection `profiles`, one document per user, id = user id).
struct StoredProfile: StoredDocument, Equatable {
    var id: String
    var profile: BusinessProfile
    var updatedAt: Date
}

/// The profile as the API shows it.
public struct ProfileView: Codable, Sendable, Hashable {
    public var userId: String
    public var companyName: String?
    public var address: String?
    public var phone: String?
    public var email: String?
    public var defaultCurrency: Currency
    public var defaultPaymentTermsDays: Int
    public var taxRate: TaxRate
    public var invoicePrefix: String
    public var paperSize: PaperSize
    public var timeZone: String
    public var defaultTerms: String?
    public var updatedAt: Date?

    init(userID: String, profile: BusinessProfile, updatedAt: Date?) {
        self.userId = userID
        self.companyName = profile.companyName
        self.address = profile.address
        self.phone = profile.phone
        self.email = profile.email
        self.defaultCurrency = profile.defaultCurrency
        self.defaultPaymentTermsDays = profile.defaultPaymentTermsDays
        self.taxRate = profile.taxRate
        self.invoicePrefix = profile.invoicePrefix
        self.paperSize = profile.paperSize
        self.timeZone = profile.timeZone
        self.defaultTerms = profile.defaultTerms
        self.updatedAt = updatedAt
    }
}

struct ProfilePatch: Decodable, Sendable, Hashable {
    var companyName: PatchField<String> = .absent
    var address: PatchField<String> = .absent
    var phone: PatchField<String> = .absent
    var email: PatchField<String> = .absent
    var defaultCurrency: PatchField<Currency> = .absent
    var defaultPaymentTermsDays: PatchField<Int> = .absent
    var taxRate: PatchField<TaxRate> = .absent
    var invoicePrefix: PatchField<String> = .absent
    var paperSize: PatchField<PaperSize> = .absent
    var timeZone: PatchField<String> = .absent
    var defaultTerms: PatchField<String> = .absent

    /// Applies the patch, collecting every field problem rather than stopping at the first.
    func apply(to profile: BusinessProfile) throws -> BusinessProfile {
        var profile = profile
        var problems: [Problem.FieldProblem] = []
        if let value = self.companyName.text("companyName", max: 200, problems: &problems) { profile.companyName = value }
        if let value = self.address.text("address", max: 500, multiline: true, problems: &problems) { profile.address = value }
        if let value = self.phone.text("phone", max: 50, problems: &problems) { profile.phone = value }
        if let value = self.email.text("email", max: 254, problems: &problems) {
            if let email = value, Email.normalise(email) == nil {
                problems.append(.init(field: "email", message: "is not a valid email address"))
            } else {
                profile.email = value
            }
        }
        switch self.defaultCurrency {
        case .absent: break
        case .null: problems.append(.init(field: "defaultCurrency", message: "cannot be null"))
        case .value(let currency): profile.defaultCurrency = currency
        }
        switch self.defaultPaymentTermsDays {
        case .absent: break
        case .null: problems.append(.init(field: "defaultPaymentTermsDays", message: "cannot be null"))
        case .value(let days):
            if (0...3650).contains(days) {
                profile.defaultPaymentTermsDays = days
            } else {
                problems.append(.init(field: "defaultPaymentTermsDays", message: "must be between 0 and 3650"))
            }
        }
        switch self.taxRate {
        case .absent: break
        case .null: problems.append(.init(field: "taxRate", message: "cannot be null"))
        case .value(let rate): profile.taxRate = rate
        }
        switch self.invoicePrefix {
        case .absent: break
        case .null: profile.invoicePrefix = BusinessProfile.defaultInvoicePrefix
        case .value(let prefix):
            // The prefix becomes part of invoice numbers and file names: letters, digits and "-" only.
            if BusinessProfile.isValidPrefix(prefix) {
                profile.invoicePrefix = prefix
            } else {
                problems.append(.init(field: "invoicePrefix", message: "must be 1 to 12 letters, digits or \"-\""))
            }
        }
        switch self.paperSize {
        case .absent: break
        case .null: profile.paperSize = .a4
        case .value(let size): profile.paperSize = size
        }
        switch self.timeZone {
        case .absent: break
        case .null: profile.timeZone = "UTC"
        case .value(let name):
            if name.count <= 64, TimeZone(identifier: name) != nil {
                profile.timeZone = name
            } else {
                problems.append(.init(field: "timeZone", message: "must be an IANA time zone such as Europe/Paris"))
            }
        }
        if let value = self.defaultTerms.text("defaultTerms", max: 2000, multiline: true, problems: &problems) { profile.defaultTerms = value }
        if !problems.isEmpty { throw Problem.unprocessable("The profile update is invalid.", errors: problems) }
        return profile
    }
}

struct ProfileRepository: Sendable {
    static let collection = "profiles"
    static let collections = [CollectionSpec(name: collection)]
    let store: any DocumentStore

    func find(userID: String) async throws -> StoredProfile? {
        try await self.store.findOne(StoredProfile.self, in: Self.collection, where: .equal("id", .string(userID)))
    }

    /// Replace, or insert when the user has none yet; a concurrent first insert loses the race and replaces instead.
    func save(_ profile: StoredProfile) async throws {
        if try await self.store.replaceOne(profile, in: Self.collection, where: .equal("id", .string(profile.id))) { return }
        do {
            try await self.store.insert(profile, into: Self.collection)
        } catch let error as StoreError where error.code == .duplicateKey {
            _ = try await self.store.replaceOne(profile, in: Self.collection, where: .equal("id", .string(profile.id)))
        }
    }
}
