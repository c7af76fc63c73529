import Foundation
import MultipartKit
import NIOCore
import ServiceKit
import WireFormat

/// An audio file received as multipart/form-data (field `audio`), checked before any provider sees it.
struct AudioUpload {
    var fileName: String
    var contentType: String
    var bytes: [UInt8]

    /// Declared types we accept (what the transcription API accepts: webm, ogg, mp3, mp4/m4a, wav, mpeg).
    static let acceptedTypes: Set<String> = [
        "audio/webm", "video/webm", "audio/ogg", "application/ogg", "audio/mpeg", "audio/mp3", "audio/mp4", "audio/x-m4a", "audio/m4a",
        "video/mp4", "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "video/mpeg",
    ]

    /// Reads the `audio` part of a multipart body: 415 for another media type or a file that is not audio of an
    /// accepted container, 413 over `limit`, 400 for a malformed body or a missing part.
    static func read(_ request: Request, limit: Int) async throws -> AudioUpload {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: contentType)
        else { throw Problem(.unsupportedMediaType, detail: "Send the audio as multipart/form-data with the file in the field `audio`.") }
        // Room for the multipart framing and small form fields around the file.
        let body = try await Body.collect(request, limit: limit + 16 * 1024)

        var parts: [(headers: [String: String], body: ByteBuffer)] = []
        var headers: [String: String] = [:]
        var content = ByteBuffer()
        // MultipartKit's parser, fed once with the whole body; it calls back per header, body chunk and part end.
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append((headers, content))
            headers = [:]
            content = ByteBuffer()
        }
        do { try parser.execute(body) } catch { throw Problem.badRequest("The multipart body is malformed.") }

        guard let part = parts.first(where: { Self.parameter("name", in: $0.headers["content-disposition"] ?? "") == "audio" }) else {
            throw Problem.badRequest("The field `audio` with a file is required.")
        }
        guard part.body.readableBytes <= limit else { throw Problem(.contentTooLarge, detail: "Audio files may not exceed \(limit) bytes.") }
        guard part.body.readableBytes > 0 else { throw Problem.unprocessable("The audio file is empty.") }
        let declared = HeaderValues.mediaType(part.headers["content-type"] ?? "") ?? ""
        let bytes = Array(buffer: part.body)
        guard Self.acceptedTypes.contains(declared), Self.looksLikeAudio(bytes) else {
            throw Problem(.unsupportedMediaType, detail: "Send webm, ogg, mp3, mp4/m4a, wav or mpeg audio.")
        }
        let fileName = Self.parameter("filename", in: part.headers["content-disposition"] ?? "") ?? "audio"
        return AudioUpload(fileName: String(fileName.prefix(100)), contentType: declared, bytes: bytes)
    }

    /// The container signature must be one of the accepted formats, whatever the declared type says.
    static func looksLikeAudio(_ bytes: [UInt8]) -> Bool {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool { bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return true }  // wav
        if starts(Array("OggS".utf8)) { return true }  // ogg / opus
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return true }  // webm (EBML)
        if starts(Array("ftyp".utf8), at: 4) { return true }  // mp4 / m4a
        if starts(Array("ID3".utf8)) || (bytes.count > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) { return true }  // mp3
        if starts([0x00, 0x00, 0x01, 0xBA]) || starts([0x00, 0x00, 0x01, 0xB3]) { return true }  // mpeg
        return false
    }

    /// A parameter of a header value such as `form-data; name="audio"; filename="a.webm"`.
    static func parameter(_ name: String, in header: String) -> String? { HeaderValues.parameter(name, in: header) }
}
