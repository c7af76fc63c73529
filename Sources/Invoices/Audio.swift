import Foundation
import NIOCore
import OpenAPIRuntime
import ServiceKit

/// An audio file received as multipart/form-data (field `audio`), checked before any provider sees it.
struct AudioUpload {
    var fileName: String
    var contentType: String
    /// The file's bytes, held once: a view into the request's own buffer when the body was read whole, else the one
    /// buffer the parts were gathered into. Nothing copies it on its way to the provider.
    var bytes: ByteBuffer

    /// The `audio` part of an upload, as the generated server hands it over (its framing parsed by OpenAPIRuntime
    /// from the bytes `BodyLimitMiddleware` read within the route's limit): 413 over `limit`, 422 when empty, 415 for
    /// a file that is not audio of an accepted container, whatever it was called. The media type sent on is the
    /// one the bytes show.
    static func read(_ body: HTTPBody, fileName: String?, limit: Int) async throws -> AudioUpload {
        let bytes = try await Body.bytes(of: body, limit: limit, tooLarge: Problem(.contentTooLarge, detail: "Audio files may not exceed \(limit) bytes."))
        guard !bytes.isEmpty else { throw Problem.unprocessable("The audio file is empty.") }
        let buffer = ByteBuffer(bytes: bytes)
        guard let contentType = Self.sniff(buffer) else {
            throw Problem(.unsupportedMediaType, detail: "Send webm, ogg, mp3, mp4/m4a, wav or mpeg audio.")
        }
        let name = (fileName ?? "audio").filter { !$0.isNewline && $0 != "\"" && $0 != "\\" }
        return AudioUpload(fileName: String(name.prefix(100)), contentType: contentType, bytes: buffer)
    }

    /// The first `audio` part of a generated multipart body. Every part's body is read (the runtime's parser needs
    /// each consumed before the next), others to their end and dropped; the whole form is within the body limit
    /// already. A framing the parser refuses — no closing boundary, a part without a name, `audio` missing — is a 400.
    static func first<Part: Sendable>(
        in form: MultipartBody<Part>, limit: Int, body: (Part) -> (HTTPBody, String?)?, isAudio: (Part) -> Bool
    ) async throws -> AudioUpload {
        var audio: AudioUpload?
        do {
            for try await part in form {
                guard let (content, fileName) = body(part) else { continue }
                if isAudio(part), audio == nil {
                    audio = try await Self.read(content, fileName: fileName, limit: limit)
                } else {
                    for try await _ in content {}
                }
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.badRequest("The multipart body is malformed: \(error)")
        }
        guard let audio else { throw Problem.badRequest("The field `audio` with a file is required.") }
        return audio
    }

    static func looksLikeAudio(_ buffer: ByteBuffer) -> Bool { Self.sniff(buffer) != nil }

    /// The container signature, which must be one of the accepted formats: its media type, or nil.
    static func sniff(_ buffer: ByteBuffer) -> String? {
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(16, buffer.readableBytes)) ?? []
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return "audio/wav" }
        if starts(Array("OggS".utf8)) { return "audio/ogg" }  // ogg / opus
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "audio/webm" }  // EBML
        if starts(Array("ftyp".utf8), at: 4) { return "audio/mp4" }  // mp4 / m4a
        if starts(Array("ID3".utf8)) || (bytes.count > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) { return "audio/mpeg" }  // mp3
        if starts([0x00, 0x00, 0x01, 0xBA]) || starts([0x00, 0x00, 0x01, 0xB3]) { return "video/mpeg" }
        return nil
    }

}
