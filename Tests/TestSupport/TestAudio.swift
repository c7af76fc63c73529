/// Audio for upload tests.
public enum TestAudio {
    /// A valid RIFF/WAVE file (16 kHz, 16-bit mono) of `bytes` bytes of silence.
    public static func silentWAV(bytes: Int) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let data = [UInt8](repeating: 0, count: bytes)
        return Array("RIFF".utf8) + le32(UInt32(36 + data.count)) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(16_000) + le32(32_000)
            + le16(2) + le16(16) + Array("data".utf8) + le32(UInt32(data.count)) + data
    }
}
