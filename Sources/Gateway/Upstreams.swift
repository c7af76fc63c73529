import ServiceKit

/// The three services behind the gateway, as base URLs (scheme added to Render's bare host names).
public struct Upstreams: Sendable {
    public var auth: String
    public var user: String
    public var invoice: String

    public init(auth: String, user: String, invoice: String) {
        self.auth = auth
        self.user = user
        self.invoice = invoice
    }

    init(settings: Settings) throws {
        guard let auth = settings.authServiceURL.flatMap(ServiceURL.parse), let user = settings.userServiceURL.flatMap(ServiceURL.parse),
            let invoice = settings.invoiceServiceURL.flatMap(ServiceURL.parse)
        else { throw SettingsError(problems: ["AUTH_SERVICE_URL, USER_SERVICE_URL and INVOICE_SERVICE_URL must be valid service addresses"]) }
        self.init(auth: auth, user: user, invoice: invoice)
    }
}
