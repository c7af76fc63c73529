import Foundation
import WireFormat

/// Email addresses as both the auth role (accounts) and the user role (business profile) accept them.
public enum Email {
    /// Trims and lower-cases, then checks the shape (one @, a dotted domain, no spaces, at most 254 characters).
    /// Lower-casing the local part is a deliberate choice: no mainstream provider distinguishes case, and two
    /// accounts differing only in case are always a mistake.
    public static func normalise(_ raw: String) -> String? {
        // Controls and bidi controls are refused, not trimmed: an address that hides characters is not an address.
        guard raw.utf8.count <= 1024, !TextRules.containsForbidden(raw) else { return nil }
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.count <= 254, !email.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return nil }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return nil }
        return email
    }
}
