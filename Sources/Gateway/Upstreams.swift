import ServiceKit

/// The three services behind the gateway, each one instance or several (replicas), with the scheme added to Render's
/// bare host names.
public struct Upstreams: Sendable {
    public var auth: ServicePool
    public var user: ServicePool
    public var invoice: ServicePool

    public init(auth: ServicePool, user: ServicePool, invoice: ServicePool) {
        self.auth = auth
        self.user = user
        self.invoice = invoice
    }

    public init(auth: String, user: String, invoice: String) {
        self.init(auth: ServicePool([auth], name: "auth"), user: ServicePool([user], name: "user"), invoice: ServicePool([invoice], name: "invoice"))
    }

    init(settings: Settings) throws {
        guard let auth = ServicePool(setting: settings.authServiceURL, name: "auth"), let user = ServicePool(setting: settings.userServiceURL, name: "user"),
            let invoice = ServicePool(setting: settings.invoiceServiceURL, name: "invoice")
        else { throw SettingsError(problems: ["AUTH_SERVICE_URL, USER_SERVICE_URL and INVOICE_SERVICE_URL must be valid service addresses"]) }
        self.init(auth: auth, user: user, invoice: invoice)
    }
}
