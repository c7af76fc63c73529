import CMongoC

/// libmongoc, the production engine's driver. This issue links it and reports its version; the MongoDB
/// `DocumentStore` engine on a `mongoc_client_pool` arrives with the MongoDB issue.
public enum MongoDriver {
    public static var version: String { String(cString: mongoc_get_version()) }
}
