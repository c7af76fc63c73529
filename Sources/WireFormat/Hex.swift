/// Lower-case hexadecimal text, by table. Request ids, document ids and rate-limit keys are made on every request;
/// `String(format:)` goes through Foundation's formatter for each, which showed in the per-request profiles.
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    /// The bytes as two digits each, in order.
    public static func lowercase<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            Self.digits.withUTF8Buffer { table in
                var index = 0
                for byte in bytes {
                    buffer[index] = table[Int(byte >> 4)]
                    buffer[index + 1] = table[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }

    /// The value as 16 digits, most significant first (zero-padded).
    public static func lowercase(_ value: UInt64) -> String {
        Self.lowercase((0..<8).lazy.map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
    }
}
