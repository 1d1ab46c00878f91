import GRDB

/// The index schema: the SQL files of the top-level `Migrations/` folder (compiled in by the
/// EmbedMigrations plugin), registered in file-name order with GRDB's migrator.
enum IndexMigrations {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (name, sql) in EmbeddedMigrations.all {
            migrator.registerMigration(name) { db in try db.execute(sql: sql) }
        }
        return migrator
    }
}
