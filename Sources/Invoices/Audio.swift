import Foundation
import Hummingbird
import NIOCore
import ServiceKit
import WireFormat

/// An audio file received as multipart/form-data (field `audio`), checked before any provider sees it.
struct AudioUpload {
    var fileName: String
    var contentType: String
    /// The file's bytes, held once: a view into the request's own buffer when the body was read whole, else the one
    /// buffer the parts were gathered into. Nothing copies it on its way to the provider.
    var bytes: ByteBuffer

    /// Declared types we accept (what the transcription API accepts: webm, ogg, mp3, mp4/m4a, wav, mpeg).
    static let acceptedTypes: Set<String> = [
        "audio/webm", "video/webm", "audio/ogg", "application/ogg", "audio/mpeg", "audio/mp3", "audio/mp4", "audio/x-m4a", "audio/m4a",
        "video/mp4", "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "video/mpeg",
    ]

    /// Bounds on the framing, whatever the body's size: a form of an audio file and a few fields has a handful of parts
    /// with short headers.
    static let formLimits = MultipartFormReader.Limits(parts: 8, headersPerPart: 8, headerBytes: 1024, otherPartBytes: 16 * 1024)

    /// Reads the `audio` part of a multipart body: 415 for another media type or a file that is not audio of an
    /// accepted container, 413 over `limit`, 400 for a malformed body, too many parts or headers, or a missing part.
    static func read(_ request: Request, limit: Int) async throws -> AudioUpload {
        guard let contentType = request.headers[.contentType], HeaderValues.mediaType(contentType) == "multipart/form-data",
            let boundary = HeaderValues.parameter("boundary", in: contentType), (1...70).contains(boundary.utf8.count)
        else { throw Problem(.unsupportedMediaType, detail: "Send the audio as multipart/form-data with the file in the field `audio`.") }
        // Room for the multipart framing and small form fields around the file; refused before a byte is read when declared over it.
        let total = limit + 16 * 1024
        try Body.checkDeclaredLength(request, limit: total)
        let body = request.body
        // Parsed as it arrives (no copy of the whole upload is gathered first), within the body deadline like any read.
        let audio = try await Body.withReadDeadline {
            var form = MultipartFormReader(boundary: boundary, keep: "audio", limits: Self.formLimits)
            var received = 0
            for try await chunk in body {
                received += chunk.readableBytes
                guard received <= total else { throw Problem(.contentTooLarge, detail: "Audio files may not exceed \(limit) bytes.", headers: [.connection: "close"]) }
                do { try form.feed(chunk) } catch let error as MultipartFormReader.Malformed { throw Problem.badRequest(error.description) }
            }
            return form.kept
        }
        guard let part = audio else { throw Problem.badRequest("The field `audio` with a file is required.") }
        guard part.body.readableBytes <= limit else { throw Problem(.contentTooLarge, detail: "Audio files may not exceed \(limit) bytes.") }
        guard part.body.readableBytes > 0 else { throw Problem.unprocessable("The audio file is empty.") }
        let declared = HeaderValues.mediaType(part.headers["content-type"] ?? "") ?? ""
        guard Self.acceptedTypes.contains(declared), Self.looksLikeAudio(part.body) else {
            throw Problem(.unsupportedMediaType, detail: "Send webm, ogg, mp3, mp4/m4a, wav or mpeg audio.")
        }
        let fileName = HeaderValues.parameter("filename", in: part.headers["content-disposition"] ?? "") ?? "audio"
        return AudioUpload(fileName: String(fileName.prefix(100)), contentType: declared, bytes: part.body)
    }

    /// The container signature must be one of the accepted formats, whatever the declared type says.
    static func looksLikeAudio(_ buffer: ByteBuffer) -> Bool {
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(16, buffer.readableBytes)) ?? []
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool { bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return true }  // wav
        if starts(Array("OggS".utf8)) { return true }  // ogg / opus
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return true }  // webm (EBML)
        if starts(Array("ftyp".utf8), at: 4) { return true }  // mp4 / m4a
        if starts(Array("ID3".utf8)) || (bytes.count > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) { return true }  // mp3
        if starts([0x00, 0x00, 0x01, 0xBA]) || starts([0x00, 0x00, 0x01, 0xB3]) { return true }  // mpeg
        return false
    }

}
