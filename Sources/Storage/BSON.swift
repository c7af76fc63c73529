import CMongoC
import Foundation

/// A BSON value as this project uses it. Codable types go to and from this tree (`BSONEncoder`, `BSONDecoder`), and
/// the tree to and from libbson's `bson_t` — so `Date` becomes a BSON datetime, every Swift integer an int64, `nil`
/// optionals are absent (not null), and nested structs and arrays stay nested.
///
/// Written by hand because the one Swift BSON library (mongo-swift-driver's, archived) is not available here, and
/// Foundation's coders only speak JSON, which cannot tell an int64 from an int32 or a date from a string.
public indirect enum BSONValue: Sendable, Equatable {
    case double(Double)
    case string(String)
    case document([(String, BSONValue)])
    case array([BSONValue])
    case bool(Bool)
    case null
    case int32(Int32)
    case int64(Int64)
    case datetime(Int64)

    public static func == (lhs: BSONValue, rhs: BSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.document(let a), .document(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let a), .array(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.int32(let a), .int32(let b)): a == b
        case (.int64(let a), .int64(let b)): a == b
        case (.datetime(let a), .datetime(let b)): a == b
        default: false
        }
    }

    subscript(_ key: String) -> BSONValue? {
        guard case .document(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    var int64Value: Int64? {
        switch self {
        case .int64(let value): value
        case .int32(let value): Int64(value)
        case .double(let value) where value.rounded(.down) == value: Int64(exactly: value)
        default: nil
        }
    }
}

// MARK: - bson_t ⟷ BSONValue

/// Owns one `bson_t`. `@unchecked Sendable`: never mutated after init, and handed to one thread-pool job at a time.
final class BSONDocument: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Builds a `bson_t` from a `.document` tree.
    init(_ fields: [(String, BSONValue)]) {
        // bson_new only fails on allocation failure.
        self.pointer = bson_new()!
        Self.append(fields, to: self.pointer)
    }

    deinit { bson_destroy(self.pointer) }

    var value: BSONValue { .document(Self.read(self.pointer)) }

    private static func append(_ fields: [(String, BSONValue)], to bson: OpaquePointer) {
        for (key, value) in fields { self.append(value, key: key, to: bson) }
    }

    private static func append(_ value: BSONValue, key: String, to bson: OpaquePointer) {
        let keyLength = Int32(key.utf8.count)
        switch value {
        case .double(let number): bson_append_double(bson, key, keyLength, number)
        case .string(let text): bson_append_utf8(bson, key, keyLength, text, Int32(text.utf8.count))
        case .bool(let flag): bson_append_bool(bson, key, keyLength, flag)
        case .null: bson_append_null(bson, key, keyLength)
        case .int32(let number): bson_append_int32(bson, key, keyLength, number)
        case .int64(let number): bson_append_int64(bson, key, keyLength, number)
        case .datetime(let milliseconds): bson_append_date_time(bson, key, keyLength, milliseconds)
        case .document(let fields):
            let child = bson_new()!
            defer { bson_destroy(child) }
            self.append(fields, to: child)
            bson_append_document(bson, key, keyLength, child)
        case .array(let values):
            let child = bson_new()!
            defer { bson_destroy(child) }
            for (index, element) in values.enumerated() { self.append(element, key: String(index), to: child) }
            bson_append_array(bson, key, keyLength, child)
        }
    }

    /// Runs `body` with a `bson_iter_t` in memory we own: Swift imports the type opaquely (libbson declares it
    /// 128-byte aligned), so it lives in a raw allocation of that alignment for exactly this scope.
    private static func withIterator<T>(_ body: (OpaquePointer) -> T) -> T {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 128)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        return body(OpaquePointer(memory))
    }

    static func read(_ bson: OpaquePointer) -> [(String, BSONValue)] {
        self.withIterator { iterator in
            guard bson_iter_init(iterator, bson) else { return [] }
            return self.read(iterator: iterator)
        }
    }

    private static func read(iterator: OpaquePointer) -> [(String, BSONValue)] {
        var fields: [(String, BSONValue)] = []
        while bson_iter_next(iterator) {
            let key = String(cString: bson_iter_key(iterator))
            fields.append((key, self.value(iterator)))
        }
        return fields
    }

    private static func value(_ iterator: OpaquePointer) -> BSONValue {
        switch bson_iter_type(iterator) {
        case BSON_TYPE_DOUBLE: return .double(bson_iter_double(iterator))
        case BSON_TYPE_UTF8:
            var length: UInt32 = 0
            guard let text = bson_iter_utf8(iterator, &length) else { return .null }
            return .string(String(decoding: UnsafeRawBufferPointer(start: text, count: Int(length)), as: UTF8.self))
        case BSON_TYPE_BOOL: return .bool(bson_iter_bool(iterator))
        case BSON_TYPE_INT32: return .int32(bson_iter_int32(iterator))
        case BSON_TYPE_INT64: return .int64(bson_iter_int64(iterator))
        case BSON_TYPE_DATE_TIME: return .datetime(bson_iter_date_time(iterator))
        case BSON_TYPE_DOCUMENT:
            return .document(self.withIterator { child in bson_iter_recurse(iterator, child) ? self.read(iterator: child) : [] })
        case BSON_TYPE_ARRAY:
            return .array(self.withIterator { child in bson_iter_recurse(iterator, child) ? self.read(iterator: child).map(\.1) : [] })
        default:
            return .null
        }
    }
}

// MARK: - Codable ⟷ BSONValue

/// Encodes `Encodable` values into a BSON tree: integers as int64, `Date` as datetime (milliseconds), nil absent.
struct BSONEncoder {
    func encode(_ value: some Encodable) throws -> BSONValue {
        let node = EncodingNode()
        try Self.encode(value, into: node, codingPath: [])
        return node.value
    }

    static func encode(_ value: some Encodable, into node: EncodingNode, codingPath: [any CodingKey]) throws {
        if let date = value as? Date {
            node.kind = .single(.datetime(StoreDates.milliseconds(date)))
        } else {
            try value.encode(to: _Encoder(node: node, codingPath: codingPath))
        }
    }

    final class EncodingNode {
        enum Kind {
            case unset
            case single(BSONValue)
            case keyed([(String, EncodingNode)])
            case unkeyed([EncodingNode])
        }
        var kind: Kind = .unset

        var value: BSONValue {
            switch self.kind {
            case .unset: return .document([])
            case .single(let value): return value
            case .keyed(let fields): return .document(fields.map { ($0.0, $0.1.value) })
            case .unkeyed(let nodes): return .array(nodes.map(\.value))
            }
        }

        func child(forKey key: String) -> EncodingNode {
            let child = EncodingNode()
            if case .keyed(var fields) = self.kind {
                fields.removeAll { $0.0 == key }
                fields.append((key, child))
                self.kind = .keyed(fields)
            } else {
                self.kind = .keyed([(key, child)])
            }
            return child
        }

        func appendChild() -> EncodingNode {
            let child = EncodingNode()
            if case .unkeyed(var nodes) = self.kind {
                nodes.append(child)
                self.kind = .unkeyed(nodes)
            } else {
                self.kind = .unkeyed([child])
            }
            return child
        }
    }

    struct _Encoder: Encoder {
        let node: EncodingNode
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .keyed = self.node.kind {} else { self.node.kind = .keyed([]) }
            return KeyedEncodingContainer(Keyed<Key>(node: self.node, codingPath: self.codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .unkeyed = self.node.kind {} else { self.node.kind = .unkeyed([]) }
            return Unkeyed(node: self.node, codingPath: self.codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: self.node, codingPath: self.codingPath) }
    }

    static func scalar(_ value: some Encodable) -> BSONValue? {
        switch value {
        case let v as String: .string(v)
        case let v as Bool: .bool(v)
        case let v as Double: .double(v)
        case let v as Float: .double(Double(v))
        case let v as Int: .int64(Int64(v))
        case let v as Int64: .int64(v)
        case let v as Int32: .int64(Int64(v))
        case let v as Int16: .int64(Int64(v))
        case let v as Int8: .int64(Int64(v))
        case let v as UInt8: .int64(Int64(v))
        case let v as UInt16: .int64(Int64(v))
        case let v as UInt32: .int64(Int64(v))
        case let v as Date: .datetime(StoreDates.milliseconds(v))
        default: nil
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: EncodingNode
        var codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { self.node.child(forKey: key.stringValue).kind = .single(.null) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let child = self.node.child(forKey: key.stringValue)
            if let scalar = BSONEncoder.scalar(value) {
                child.kind = .single(scalar)
            } else {
                try BSONEncoder.encode(value, into: child, codingPath: self.codingPath + [key])
            }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = self.node.child(forKey: key.stringValue)
            child.kind = .keyed([])
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: self.codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = self.node.child(forKey: key.stringValue)
            child.kind = .unkeyed([])
            return Unkeyed(node: child, codingPath: self.codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { _Encoder(node: self.node.child(forKey: "super"), codingPath: self.codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            _Encoder(node: self.node.child(forKey: key.stringValue), codingPath: self.codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: EncodingNode
        var codingPath: [any CodingKey]
        var count: Int {
            if case .unkeyed(let nodes) = self.node.kind { return nodes.count }
            return 0
        }

        mutating func encodeNil() throws { self.node.appendChild().kind = .single(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = self.node.appendChild()
            if let scalar = BSONEncoder.scalar(value) {
                child.kind = .single(scalar)
            } else {
                try BSONEncoder.encode(value, into: child, codingPath: self.codingPath)
            }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = self.node.appendChild()
            child.kind = .keyed([])
            return KeyedEncodingContainer(Keyed<NestedKey>(node: child, codingPath: self.codingPath))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = self.node.appendChild()
            child.kind = .unkeyed([])
            return Unkeyed(node: child, codingPath: self.codingPath)
        }

        mutating func superEncoder() -> any Encoder { _Encoder(node: self.node.appendChild(), codingPath: self.codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: EncodingNode
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { self.node.kind = .single(.null) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            if let scalar = BSONEncoder.scalar(value) {
                self.node.kind = .single(scalar)
            } else {
                try BSONEncoder.encode(value, into: self.node, codingPath: self.codingPath)
            }
        }
    }
}

/// Decodes `Decodable` values from a BSON tree (accepting int32 where int64 is expected, as mongod may return either).
struct BSONDecoder {
    func decode<T: Decodable>(_ type: T.Type, from value: BSONValue) throws -> T {
        try Self.decode(type, from: value, codingPath: [])
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: BSONValue, codingPath: [any CodingKey]) throws -> T {
        if type == Date.self {
            guard case .datetime(let milliseconds) = value else { throw mismatch(type, codingPath, value) }
            return StoreDates.date(milliseconds: milliseconds) as! T
        }
        return try T(from: _Decoder(value: value, codingPath: codingPath))
    }

    static func mismatch(_ type: Any.Type, _ codingPath: [any CodingKey], _ value: BSONValue) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(value)"))
    }

    struct _Decoder: Decoder {
        let value: BSONValue
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .document(let fields) = self.value else { throw BSONDecoder.mismatch([String: Any].self, self.codingPath, self.value) }
            return KeyedDecodingContainer(Keyed<Key>(fields: Dictionary(fields, uniquingKeysWith: { first, _ in first }), codingPath: self.codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let values) = self.value else { throw BSONDecoder.mismatch([Any].self, self.codingPath, self.value) }
            return Unkeyed(values: values, codingPath: self.codingPath)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: self.value, codingPath: self.codingPath) }
    }

    static func scalar<T>(_ type: T.Type, _ value: BSONValue, _ codingPath: [any CodingKey]) throws -> T? {
        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            guard let wide = value.int64Value, let narrow = I(exactly: wide) else { throw mismatch(I.self, codingPath, value) }
            return narrow
        }
        switch type {
        case is String.Type:
            guard case .string(let text) = value else { throw mismatch(type, codingPath, value) }
            return text as? T
        case is Bool.Type:
            guard case .bool(let flag) = value else { throw mismatch(type, codingPath, value) }
            return flag as? T
        case is Double.Type:
            switch value {
            case .double(let number): return number as? T
            case .int32(let number): return Double(number) as? T
            case .int64(let number): return Double(number) as? T
            default: throw mismatch(type, codingPath, value)
            }
        case is Int.Type: return try integer(Int.self) as? T
        case is Int64.Type: return try integer(Int64.self) as? T
        case is Int32.Type: return try integer(Int32.self) as? T
        case is Int16.Type: return try integer(Int16.self) as? T
        case is Int8.Type: return try integer(Int8.self) as? T
        case is UInt8.Type: return try integer(UInt8.self) as? T
        case is UInt16.Type: return try integer(UInt16.self) as? T
        case is UInt32.Type: return try integer(UInt32.self) as? T
        default: return nil
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let fields: [String: BSONValue]
        var codingPath: [any CodingKey]
        var allKeys: [Key] { self.fields.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { self.fields[key.stringValue] != nil }

        func value(_ key: Key) throws -> BSONValue {
            guard let value = self.fields[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: self.codingPath, debugDescription: "missing \(key.stringValue)"))
            }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool { (try? self.value(key)) == .null }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let value = try self.value(key)
            if let scalar = try BSONDecoder.scalar(type, value, self.codingPath + [key]) { return scalar }
            return try BSONDecoder.decode(type, from: value, codingPath: self.codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try _Decoder(value: try self.value(key), codingPath: self.codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try _Decoder(value: try self.value(key), codingPath: self.codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { _Decoder(value: self.fields["super"] ?? .null, codingPath: self.codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { _Decoder(value: try self.value(key), codingPath: self.codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let values: [BSONValue]
        var codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { self.values.count }
        var isAtEnd: Bool { self.currentIndex >= self.values.count }

        init(values: [BSONValue], codingPath: [any CodingKey]) {
            self.values = values
            self.codingPath = codingPath
        }

        mutating func next() throws -> BSONValue {
            guard !self.isAtEnd else { throw DecodingError.valueNotFound(BSONValue.self, .init(codingPath: self.codingPath, debugDescription: "array ended")) }
            defer { self.currentIndex += 1 }
            return self.values[self.currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !self.isAtEnd, self.values[self.currentIndex] == .null else { return false }
            self.currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let value = try self.next()
            if let scalar = try BSONDecoder.scalar(type, value, self.codingPath) { return scalar }
            return try BSONDecoder.decode(type, from: value, codingPath: self.codingPath)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try _Decoder(value: try self.next(), codingPath: self.codingPath).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try _Decoder(value: try self.next(), codingPath: self.codingPath).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { _Decoder(value: try self.next(), codingPath: self.codingPath) }
    }

    struct Single: SingleValueDecodingContainer {
        let value: BSONValue
        var codingPath: [any CodingKey]

        func decodeNil() -> Bool { self.value == .null }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let scalar = try BSONDecoder.scalar(type, self.value, self.codingPath) { return scalar }
            return try BSONDecoder.decode(type, from: self.value, codingPath: self.codingPath)
        }
    }
}
