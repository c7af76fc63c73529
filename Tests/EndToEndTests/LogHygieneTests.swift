import HTTPTypes
import OpenAPIRuntime
import ServiceKit
import Testing

/// A generated server's error describes the whole request, Authorization included: the log line of an unhandled error
/// must carry its cause, never the token.
@Suite("Log hygiene") struct LogHygieneTests {
    @Test func serverErrorsAreLoggedWithoutTheRequest() {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
        var request = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/api/invoices/voice")
        request.headerFields[.authorization] = "Bearer \(token)"
        struct Broken: Error, CustomStringConvertible { var description: String { "the renderer failed" } }
        let error = ServerError(
            operationID: "createFromVoice", request: request, requestBody: nil, requestMetadata: .init(), causeDescription: "User handler threw an error.",
            underlyingError: Broken()
        )
        #expect(String(reflecting: error).contains(token), "the runtime's description does include the request (why this rule exists)")
        let logged = Problem.logDescription(error)
        #expect(!logged.contains(token))
        #expect(logged.contains("createFromVoice") && logged.contains("the renderer failed"))
        // And the client sees a bare 500, nothing of the cause.
        let (problem, isInternal) = Problem.from(error)
        #expect(isInternal && problem.status == .internalServerError && problem.detail == "An internal error occurred.")
    }
}
