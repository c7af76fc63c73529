import Foundation
import HTTPClient
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Exactly once through crashes: the invoice role is killed with SIGKILL again and again while clients retry keyed
/// creates, then keyed payments; afterwards every client has its answer, the store holds each invoice exactly once,
/// and each paid invoice exactly one payment.
@Suite("Keyed creates through SIGKILL", .serialized)
struct CrashTests {
    @Test func everyKeyedCreateLandsExactlyOnce() async throws {
        let secret = String(repeating: "c", count: 40)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let user = try await RoleProcess(role: "user", port: try freeLoopbackPort(), environment: ["JWT_SECRET": secret, "DATA_DIR": data + "/user"])
        defer { user.kill() }
        let invoicePort = try freeLoopbackPort()
        let environment = [
            "JWT_SECRET": secret, "DATA_DIR": data + "/invoice", "USER_SERVICE_URL": "127.0.0.1:\(user.port)",
            // A short lease, so that a retry after a kill resumes soon.
            "IDEMPOTENCY_LEASE_SECONDS": "1",
        ]
        let current = Current(try await RoleProcess(role: "invoice", port: invoicePort, environment: environment))
        defer { current.process.withLock { $0?.kill() } }
        let token = try TokenService(secret: Array(secret.utf8), issuer: "voice-invoice", audience: "voice-invoice-api", accessTokenLifetime: 900)
            .issueAccessToken(userID: "0123456789abcdef0123456789abcdef", email: nil, name: nil)
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let base = "http://127.0.0.1:\(invoicePort)"

        let clients = 8
        let perClient = 30
        let killing = Flag()
        // The killer: SIGKILL at random moments, then start again on the same port and store.
        func killer(most: Int, pause: ClosedRange<Int>) -> Task<Int, any Error> {
            Task {
                var kills = 0
                while killing.value.load(ordering: .relaxed), kills < most {
                    try await Task.sleep(for: .milliseconds(Int.random(in: pause)))
                    current.process.withLock { $0?.kill() }
                    kills += 1
                    let restarted = try await RoleProcess(role: "invoice", port: invoicePort, environment: environment)
                    current.process.withLock { $0 = restarted }
                }
                return kills
            }
        }
        let createKiller = killer(most: 12, pause: 150...600)
        let answers = try await withThrowingTaskGroup(of: [(key: String, id: String)].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var got: [(key: String, id: String)] = []
                    for index in 0..<perClient {
                        let key = "crash-\(client)-\(index)"
                        let body = try JSONSerialization.data(withJSONObject: [
                            "client": ["name": "Client \(client)"], "notes": key,
                            "items": [["description": "Work \(index)", "quantity": 1, "unitPrice": 1000 + index]],
                        ])
                        var attempts = 0
                        while true {
                            attempts += 1
                            #expect(attempts < 400, "\(key) never got an answer")
                            if attempts >= 400 { break }
                            let response = try? await http.execute(
                                CurlRequest(
                                    method: "POST", url: base + "/api/invoices",
                                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Idempotency-Key", key)],
                                    body: Array(body),
                                    timeout: .seconds(5), connectTimeout: .seconds(1)
                                )
                            )
                            if let response, response.status == 201,
                                let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], let id = json["id"] as? String
                            {
                                #expect(json["notes"] as? String == key)
                                got.append((key, id))
                                break
                            }
                            // Refused connection (killed), 409 (still leased), 5xx: the client retries the same key.
                            if let response {
                                #expect(
                                    response.status == 409 || response.status >= 500,
                                    "\(key): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
                            }
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    return got
                }
            }
            return try await group.reduce(into: [(key: String, id: String)]()) { $0 += $1 }
        }
        killing.value.store(false, ordering: .relaxed)
        let kills = try await createKiller.value
        #expect(kills >= 3, "the role was killed only \(kills) times")

        // Payments too: 60 invoices finalized, then paid with keyed payments while the role is killed again.
        let call = Caller(http: http, base: base, token: token)
        let paying = Array(answers.prefix(60))
        for answer in paying {
            for _ in 0..<200 {
                let status = await call.send("POST", "/api/invoices/\(answer.id)/finalize")?.status
                if status == 200 || status == 409 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        killing.value.store(true, ordering: .relaxed)
        let payKiller = killer(most: 15, pause: 60...250)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in stride(from: 0, to: paying.count, by: 10) {
                group.addTask {
                    for answer in paying[slice..<min(slice + 10, paying.count)] {
                        for _ in 0..<400 {
                            if let reply = await call.send(
                                "POST", "/api/invoices/\(answer.id)/payments", key: "pay-\(answer.id)", json: ["amount": 100, "method": "card"]),
                                reply.status == 200
                            {
                                break
                            }
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        killing.value.store(false, ordering: .relaxed)
        _ = try await payKiller.value
        for answer in paying {
            let invoice = await call.send("GET", "/api/invoices/\(answer.id)")
            let json = invoice.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] } ?? [:]
            let payments = json["payments"] as? [[String: Any]] ?? []
            #expect(payments.count == 1 && payments.first?["amount"] as? Int == 100, "\(answer.key): \(payments.count) payments")
        }

        // Every client got its answer, and the store holds each exactly once, with the id the client was given.
        #expect(answers.count == clients * perClient)
        var stored: [String: [String]] = [:]
        var cursor: String?
        repeat {
            let page = try await http.execute(
                CurlRequest(url: base + "/api/invoices?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: [("Authorization", "Bearer \(token)")])
            )
            let json = try #require(try JSONSerialization.jsonObject(with: Data(page.body)) as? [String: Any])
            for item in json["items"] as? [[String: Any]] ?? [] {
                stored[item["notes"] as? String ?? "", default: []].append(item["id"] as? String ?? "")
            }
            cursor = json["nextCursor"] as? String
        } while cursor != nil
        #expect(stored.values.reduce(0) { $0 + $1.count } == clients * perClient)
        for answer in answers {
            #expect(stored[answer.key] == [answer.id], "\(answer.key): stored \(stored[answer.key] ?? [])")
        }
    }

    /// The invoice process of the moment (the killer replaces it).
    final class Current: Sendable {
        let process: Mutex<RoleProcess?>
        init(_ process: RoleProcess) { self.process = Mutex(process) }
    }

    /// Whether the killer goes on (shared with its task).
    final class Flag: Sendable {
        let value = Atomic<Bool>(true)
    }

    /// One request with the test's token, nil when the role is down (killed).
    struct Caller: Sendable {
        let http: CurlHTTPClient
        let base: String
        let token: String

        func send(_ method: String, _ path: String, key: String? = nil, json: [String: any Sendable]? = nil) async -> CurlResponse? {
            var headers = [("Authorization", "Bearer \(self.token)")]
            if let key { headers.append(("Idempotency-Key", key)) }
            var body: [UInt8]?
            if let json, let data = try? JSONSerialization.data(withJSONObject: json) {
                body = Array(data)
                headers.append(("Content-Type", "application/json"))
            }
            return try? await self.http.execute(
                CurlRequest(method: method, url: self.base + path, headers: headers, body: body, timeout: .seconds(5), connectTimeout: .seconds(1))
            )
        }
    }
}
