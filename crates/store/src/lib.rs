//! Metadata store on sea-orm: SQLite and PostgreSQL.
