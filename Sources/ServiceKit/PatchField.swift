import Foundation
import WireFormat

/// A field of a PATCH body: absent (leave it), null (clear it) or a value (set it).
public enum PatchField<Value: Decodable>: Decodable {
    case absent
    case null
    case value(Value)

    /// The value when set, nil when absent or null; `isNull` tells the two apart.
    public var value: Value? { if case .value(let value) = self { value } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }
}

extension KeyedDecodingContainer {
    public func decode<Value>(_ type: PatchField<Value>.Type, forKey key: Key) throws -> PatchField<Value> {
        // Not decodeIfPresent: it reports an explicit null as absent, and null must clear the field.
        guard self.contains(key) else { return .absent }
        if try self.decodeNil(forKey: key) { return .null }
        return .value(try self.decode(Value.self, forKey: key))
    }
}

extension PatchField where Value == String {
    /// An optional text field of a PATCH: `nil` when absent (leave it), `.some(nil)` when null or blank (clear it),
    /// else the value trimmed. Longer than `max` characters is recorded in `problems` (and leaves the field).
    /// Control and bidi characters are refused (`TextRules`); `multiline` fields may hold line breaks.
    public func text(_ name: String, max: Int, multiline: Bool = false, problems: inout [Problem.FieldProblem]) -> String?? {
        switch self {
        case .absent: return .none
        case .null: return .some(nil)
        case .value(let raw):
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard value.count <= max else {
                problems.append(.init(field: name, message: "must be at most \(max) characters"))
                return .none
            }
            guard multiline ? !TextRules.containsForbidden(multiline: value) : !TextRules.containsForbidden(value) else {
                problems.append(.init(field: name, message: "must not contain control characters"))
                return .none
            }
            return .some(value.isEmpty ? nil : value)
        }
    }
}

extension PatchField: Equatable where Value: Equatable {}
extension PatchField: Hashable where Value: Hashable {}
extension PatchField: Sendable where Value: Sendable {}
