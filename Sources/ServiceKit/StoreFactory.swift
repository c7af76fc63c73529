import Foundation
import Logging
import Storage
import Synchronization

/// Chooses the storage engine for a role: MongoDB through libmongoc when `MONGODB_URI` is set, else the embedded
/// SQLite engine with one file per role under `DATA_DIR`. Each role owns its collections either way.
public enum StoreFactory {
    /// One MongoDB client pool per process, shared by the roles of `serve all` (each still uses only its collections).
    private static let mongoStores = Mutex<[String: MongoStore]>([:])

    public static func open(settings: Settings, role: Role, logger: Logger) throws -> any DocumentStore {
        if let uri = settings.mongoURI {
            let key = uri + "|" + (settings.mongoDatabase ?? "")
            let store = try self.mongoStores.withLock { stores -> MongoStore in
                if let existing = stores[key] { return existing }
                let store = try MongoStore(
                    uri: uri, database: settings.mongoDatabase, appName: "voice-invoice-\(role.rawValue)",
                    serverSelectionTimeoutMS: Int32(settings.mongoServerSelectionTimeoutMS)
                )
                stores[key] = store
                return store
            }
            // Never the URI in a log line: it carries the password.
            logger.info(
                "store opened", metadata: ["engine": "mongodb", "database": .string(store.databaseName), "libmongoc": .string(MongoStore.driverVersion)])
            return MeteredStore(store)
        }
        let path = (settings.dataDirectory as NSString).appendingPathComponent("\(role.rawValue).sqlite")
        logger.info("store opened", metadata: ["engine": "sqlite", "path": .string(path)])
        return MeteredStore(try SQLiteStore(path: path))
    }
}
