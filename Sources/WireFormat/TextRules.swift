/// Characters that must not be in a name or an address: C0 and C1 controls, DEL, and the bidirectional controls
/// (U+061C, U+200E/F, U+202A–E, U+2066–9), which can make "evil.com‮gpj.exe" read as something else in a list, a
/// log line or an email header.
public enum TextRules {
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    public static func containsForbidden(_ text: String) -> Bool { text.unicodeScalars.contains(where: Self.isForbidden) }

    /// The same, but line breaks are allowed (an address, notes, terms).
    public static func containsForbidden(multiline text: String) -> Bool {
        text.unicodeScalars.contains { $0 != "\n" && $0 != "\r" && Self.isForbidden($0) }
    }

    /// For text that is printed as said (a spoken description): forbidden characters become spaces, so words joined by
    /// a control stay apart.
    public static func replacingForbidden(_ text: String) -> String {
        guard Self.containsForbidden(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(Self.isForbidden(scalar) ? " " : scalar) }
        return String(scalars)
    }
}
