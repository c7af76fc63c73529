import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenSSLSupport
import ServiceKit
import WireFormat

/// The web app (`WebApp/`: standard ES modules, one stylesheet, no build step), compiled into the binary and served
/// by the gateway: `index.html` for every client-side route, the assets under `/assets/<version>/` with a year of
/// immutable caching (the version is a digest of every file, so a new release is new URLs), and under `/assets/`
/// unversioned with revalidation. Everything carries an ETag, and `If-None-Match` is a 304. Each file is gzipped once,
/// at start (zlib through CompressNIO), and sent so to a browser that accepts it: a few milliseconds at start-up
/// instead of compressing on every request.
///
/// The page's Content-Security-Policy admits only this origin's scripts and styles, no inline script, API calls to
/// this origin, blob: frames and media (the PDF preview, the recording) and Trusted Types with no policy at all, so
/// an HTML string can never reach the DOM: user data is rendered as text, and a mistake that would render it as
/// markup throws in the browser instead.
struct WebAppController: Sendable {
    /// Every file of WebApp/, as Package.swift embeds them (a test checks the folder and this list agree).
    static let files: [(name: String, bytes: [UInt8])] = [
        ("index.html", PackageResources.index_html), ("app.css", PackageResources.app_css), ("icon.svg", PackageResources.icon_svg),
        ("app.js", PackageResources.app_js), ("api.js", PackageResources.api_js), ("dom.js", PackageResources.dom_js),
        ("format.js", PackageResources.format_js), ("forms.js", PackageResources.forms_js), ("files.js", PackageResources.files_js),
        ("auth-views.js", PackageResources.auth_views_js), ("invoice-list.js", PackageResources.invoice_list_js),
        ("compose.js", PackageResources.compose_js), ("invoice-review.js", PackageResources.invoice_review_js),
        ("memory.js", PackageResources.memory_js), ("settings.js", PackageResources.settings_js),
    ]

    /// The app's client-side routes: each answers index.html (the app's router takes it from there). Listed rather
    /// than a catch-all, so that any other path stays the API's 404 problem.
    static let pages = [
        "/", "/signin", "/register", "/auth/callback", "/invoices/new", "/invoices/{id}", "/clients", "/services", "/settings",
    ]

    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "media-src 'self' blob:",
        "connect-src 'self'", "frame-src blob:", "font-src 'self'", "manifest-src 'self'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'",
    ].joined(separator: "; ")

    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
        /// The gzip encoding, when it is smaller, with its own entity tag (a different representation).
        let gzip: ByteBuffer?
        let gzipETag: String
    }

    let version: String
    let index: Asset
    let assets: [String: Asset]

    /// `googleSignIn`: whether the page offers "Sign in with Google" (the web flow is configured).
    init(googleSignIn: Bool) {
        var digest: [UInt8] = []
        for file in Self.files { digest = OpenSSL.sha256(digest + Array(file.name.utf8) + file.bytes) }
        self.version = String(OpenSSL.sha256Hex(digest).prefix(12))
        var assets: [String: Asset] = [:]
        for file in Self.files where file.name != "index.html" {
            assets[file.name] = Self.asset(file.bytes, name: file.name)
        }
        self.assets = assets
        // index.html names the versioned assets and says which features this server offers. Done once, at start.
        var page = String(decoding: Self.files.first { $0.name == "index.html" }?.bytes ?? [], as: UTF8.self)
        page = page.replacingOccurrences(of: "\"/assets/", with: "\"/assets/\(self.version)/")
        page = page.replacingOccurrences(
            of: "<meta name=\"voice-invoice-google\" content=\"off\">",
            with: "<meta name=\"voice-invoice-google\" content=\"\(googleSignIn ? "on" : "off")\">")
        self.index = Self.asset(Array(page.utf8), name: "index.html")
    }

    static func asset(_ bytes: [UInt8], name: String) -> Asset {
        let type: String
        switch name.split(separator: ".").last {
        case "html": type = "text/html; charset=utf-8"
        case "js": type = "text/javascript; charset=utf-8"
        case "css": type = "text/css; charset=utf-8"
        case "svg": type = "image/svg+xml"
        default: type = "application/octet-stream"
        }
        let tag = OpenSSL.sha256Hex(bytes).prefix(32)
        let body = ByteBuffer(bytes: bytes)
        var source = body
        let compressed = try? source.compress(with: .gzip(configuration: .init(compressionLevel: 9)))
        return Asset(
            body: body, contentType: type, etag: "\"\(tag)\"", gzip: compressed.flatMap { $0.readableBytes < body.readableBytes ? $0 : nil },
            gzipETag: "\"\(tag)-gzip\""
        )
    }

    /// Whether `Accept-Encoding` admits gzip (also spelled `x-gzip`); the parsing is WireFormat's, and fuzzed.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return HeaderValues.acceptsCoding(header, "gzip") || HeaderValues.acceptsCoding(header, "x-gzip")
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        for page in Self.pages {
            router.get(RouterPath(page)) { request, _ in self.respond(self.index, to: request, cache: "no-cache", page: true) }
        }
        // One capture name per segment: Hummingbird's trie refuses two names at the same place.
        router.get("/assets/{part}") { request, context in
            try self.respond(self.asset(context.parameters.get("part")), to: request, cache: "no-cache")
        }
        router.get("/assets/{part}/{name}") { request, context in
            // Another version's URL (a page loaded before a deploy) gets today's file, revalidated, not cached for a year.
            let current = context.parameters.get("part") == self.version
            return try self.respond(
                self.asset(context.parameters.get("name")), to: request, cache: current ? "public, max-age=31536000, immutable" : "no-cache")
        }
    }

    func asset(_ name: String?) throws -> Asset {
        guard let name, let asset = self.assets[name] else { throw Problem.notFound("No such file.") }
        return asset
    }

    func respond(_ asset: Asset, to request: Request, cache: String, page: Bool = false) -> Response {
        let gzip = asset.gzip.flatMap { Self.acceptsGzip(request.headers[.acceptEncoding]) ? $0 : nil }
        let etag = gzip == nil ? asset.etag : asset.gzipETag
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cache, .vary: "Accept-Encoding"]
        if page { headers[.contentSecurityPolicy] = Self.contentSecurityPolicy }
        if let condition = request.headers[.ifNoneMatch], HeaderValues.matches(condition, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        let body = gzip ?? asset.body
        headers[.contentType] = asset.contentType
        if gzip != nil { headers[.contentEncoding] = "gzip" }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}
