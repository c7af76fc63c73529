import Foundation
import Logging
import Storage

/// Chooses the storage engine for a role. Each role has its own database (its own SQLite file here), so roles
/// own their collections and can be deployed apart.
public enum StoreFactory {
    public static func open(settings: Settings, role: Role, logger: Logger) throws -> any DocumentStore {
        let path = (settings.dataDirectory as NSString).appendingPathComponent("\(role.rawValue).sqlite")
        logger.info("store opened", metadata: ["engine": "sqlite", "path": .string(path)])
        return try SQLiteStore(path: path)
    }
}
