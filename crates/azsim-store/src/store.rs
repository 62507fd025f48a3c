//! Opening the SQLite file with the settings the life-cycle rules rely on, and the two ways in:
//! a pooled connection for reads, a write transaction for changes.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use azsim_core::{FlowEvent, SharedEventSink};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use crate::{Connection, StoreError};

/// The migrations in the workspace's `migrations/` folder, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A handle on the database: cheap to clone, shared by every component of a cloud.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file at `path` and applies the migrations.
    ///
    /// Foreign keys are switched on for every connection: the life-cycle rules are foreign keys
    /// and would silently do nothing without it. WAL journaling lets readers run beside the
    /// one writer, and `synchronous = FULL` makes every committed transaction survive a crash.
    ///
    /// The file holds private keys, so it is created owner-only (0600) before SQLite opens
    /// it, and an existing one (with its `-wal` and `-shm`) is tightened to that.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        create_owner_only(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source: sqlx::Error::Io(source),
        })?;
        let pool = connect(path, true).await?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        // What the migrations deleted leaves the write-ahead log for the main file now (and
        // the log is emptied), rather than at some later checkpoint.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .map_err(StoreError::query("checkpointing after the migrations"))?;
        Ok(Self { pool })
    }

    /// Opens the database a cloud already created at `path`, without migrating it: for tools
    /// that work beside a running cloud, which must never change its schema under it.
    ///
    /// [`StoreError::Missing`] if there is no file; [`StoreError::SchemaMismatch`] if the
    /// migrations applied to it are not exactly this binary's [`MIGRATOR`].
    pub async fn open_existing(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let pool = connect(path, false).await?;
        let store = Self { pool };
        store.check_schema(path).await?;
        Ok(store)
    }

    /// A pooled connection outside any transaction: for reads, and for single statements
    /// that need no transaction of their own.
    pub async fn read(&self) -> Result<ReadConnection, StoreError> {
        let connection = self
            .pool
            .acquire()
            .await
            .map_err(StoreError::query("acquiring a connection"))?;
        Ok(ReadConnection { connection })
    }

    /// Starts a write transaction; it commits with [`WriteTransaction::commit`] and rolls
    /// back when dropped uncommitted.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock up front, so two writers never deadlock on a lock
    /// upgrade; the other one waits (busy timeout) and then runs.
    pub async fn write(&self) -> Result<WriteTransaction, StoreError> {
        let transaction = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::query("starting a transaction"))?;
        Ok(WriteTransaction {
            transaction,
            events_after_commit: Vec::new(),
        })
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Compares the migrations recorded in the database with the ones this binary carries.
    async fn check_schema(&self, path: &Path) -> Result<(), StoreError> {
        let known: BTreeSet<i64> = MIGRATOR.iter().map(|migration| migration.version).collect();
        let mut connection = self.read().await?;
        let has_table: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master \
             WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&mut *connection)
        .await
        .map_err(StoreError::query("looking for the migrations table"))?;
        let applied: BTreeSet<i64> = if has_table {
            sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&mut *connection)
                .await
                .map_err(StoreError::query("reading the applied migrations"))?
                .into_iter()
                .collect()
        } else {
            BTreeSet::new()
        };
        if applied == known {
            return Ok(());
        }
        Err(StoreError::SchemaMismatch {
            path: path.display().to_string(),
            database_schema: applied.last().copied().unwrap_or(0),
            binary_schema: known.last().copied().unwrap_or(0),
            // A version this binary does not know can only come from a later azsim.
            newer: !applied.is_subset(&known),
        })
    }
}

/// Creates the database file with mode 0600 if it is missing, and tightens it and its `-wal`
/// and `-shm` to 0600 if they exist. SQLite's unix VFS creates `-wal` and `-shm` with the main
/// file's mode, so they are owner-only from their first byte too: there is no window between
/// creating a file and restricting it.
fn create_owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Neither truncates nor rewrites an existing file.
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .mode(OWNER_ONLY)
            .open(path)?;
        for file in [
            path.to_owned(),
            sidecar(path, "-wal"),
            sidecar(path, "-shm"),
        ] {
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(OWNER_ONLY)) {
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Read and write for the owner, nothing for anyone else.
#[cfg(unix)]
const OWNER_ONLY: u32 = 0o600;

/// SQLite's name for a file beside the database (`azsim.db-wal`).
#[cfg(unix)]
fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Builds the pool with the settings every connection needs.
async fn connect(path: &Path, create_if_missing: bool) -> Result<SqlitePool, StoreError> {
    let display = path.display().to_string();
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{display}"))
        .map_err(|source| StoreError::Open {
            path: display.clone(),
            source,
        })?
        .create_if_missing(create_if_missing)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        // Deleted rows are overwritten with zeros: a deleted identity's private key (or the
        // plaintext secret an older azsim kept) does not linger in free pages of the file.
        .pragma("secure_delete", "ON")
        // Each connection's page cache is capped at 1 MiB (SQLite's default is 2 MB), so the
        // pool's caches together stay under 8 MiB however large the event log grows.
        .pragma("cache_size", "-1024");
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| StoreError::Open {
            path: display,
            source,
        })
}

/// A connection borrowed from the store's pool; it goes back to the pool when dropped.
#[derive(Debug)]
pub struct ReadConnection {
    connection: sqlx::pool::PoolConnection<Sqlite>,
}

impl Deref for ReadConnection {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl DerefMut for ReadConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }
}

/// A write transaction (`BEGIN IMMEDIATE`): every query run on it takes effect together at
/// [`WriteTransaction::commit`], or not at all if it is dropped first.
pub struct WriteTransaction {
    transaction: sqlx::Transaction<'static, Sqlite>,
    /// Flow events describing this write, held back so that a rollback leaves none behind.
    events_after_commit: Vec<(SharedEventSink, FlowEvent)>,
}

impl WriteTransaction {
    /// Commits every change made in the transaction, then records the events held for it.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.transaction
            .commit()
            .await
            .map_err(StoreError::query("committing a transaction"))?;
        for (sink, event) in self.events_after_commit {
            sink.record(event);
        }
        Ok(())
    }

    /// Records `event` to `sink` once the transaction has committed; a rollback drops it, so
    /// the event log never tells of a change that did not happen.
    pub fn record_after_commit(&mut self, sink: &SharedEventSink, event: FlowEvent) {
        self.events_after_commit.push((sink.clone(), event));
    }
}

impl fmt::Debug for WriteTransaction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("WriteTransaction")
            .field("events_after_commit", &self.events_after_commit.len())
            .finish_non_exhaustive()
    }
}

impl Deref for WriteTransaction {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.transaction
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.transaction
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use azsim_core::EventSink;

    use super::*;
    use crate::settings::{get_setting, put_setting};

    async fn created() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("azsim.db");
        Store::open(&path).await.unwrap().close().await;
        (dir, path)
    }

    async fn run(path: &Path, sql: &str) {
        let store = Store::open(path).await.unwrap();
        let mut conn = store.read().await.unwrap();
        sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
        drop(conn);
        store.close().await;
    }

    fn newest_known() -> i64 {
        MIGRATOR
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap()
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_database_and_its_journal_files_are_owner_only_and_tightened_on_open() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("azsim.db");
        let files = [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")];

        let store = Store::open(&path).await.unwrap();
        let mut conn = store.read().await.unwrap();
        put_setting(&mut conn, "k", "v").await.unwrap();
        for file in &files {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        drop(conn);
        store.close().await;

        for file in &files {
            if file.exists() {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        let store = Store::open(&path).await.unwrap();
        for file in files.iter().filter(|file| file.exists()) {
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        store.close().await;
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_migration_forgets_the_plaintext_admin_secret_and_shared_agent_addresses() {
        const PLAINTEXT: &[u8] = b"Plain~Text.Secret_0123456789abcdefXYZ";
        let (_dir, path) = created().await;
        // A database as the schema before 20261202000001 left it.
        run(
            &path,
            "DROP INDEX virtual_machines_imds_address;
             DELETE FROM _sqlx_migrations WHERE version = 20261202000001;
             INSERT INTO cloud_settings (key, value)
                 VALUES ('admin_client_secret', 'Plain~Text.Secret_0123456789abcdefXYZ');
             INSERT INTO tenants VALUES ('t1', 'Tenant', 'tenant.onmicrosoft.com', 0);
             INSERT INTO subscriptions VALUES ('s1', 't1', 'Sub', 'Enabled', 0);
             INSERT INTO resource_groups (resource_group_row, subscription_id, name, location,
                 created_at) VALUES (1, 's1', 'rg', 'westeurope', 0);
             INSERT INTO virtual_machines (vm_row, resource_group_row, name, vm_id, location,
                 imds_address, created_at, updated_at) VALUES
                 (10, 1, 'vm1', 'vmid-1', 'westeurope', '127.0.0.1:50001', 0, 0),
                 (11, 1, 'vm2', 'vmid-2', 'westeurope', '127.0.0.1:50001', 0, 0),
                 (12, 1, 'vm3', 'vmid-3', 'westeurope', '127.0.0.1:50003', 0, 0);",
        )
        .await;

        let store = Store::open(&path).await.unwrap();
        let mut conn = store.read().await.unwrap();
        assert_eq!(
            get_setting(&mut conn, "admin_client_secret").await.unwrap(),
            None
        );
        // Nor do its bytes linger in the files.
        for file in [path.clone(), sidecar(&path, "-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(
                    !bytes
                        .windows(PLAINTEXT.len())
                        .any(|window| window == PLAINTEXT),
                    "{} still holds the old plaintext secret",
                    file.display()
                );
            }
        }
        let addresses: Vec<Option<String>> =
            sqlx::query_scalar("SELECT imds_address FROM virtual_machines ORDER BY vm_row")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(addresses, [None, None, Some("127.0.0.1:50003".to_owned())]);
    }

    #[tokio::test]
    async fn open_existing_opens_a_database_of_this_schema() {
        let (_dir, path) = created().await;
        let store = Store::open_existing(&path).await.unwrap();
        let mut conn = store.read().await.unwrap();
        put_setting(&mut conn, "k", "v").await.unwrap();
        assert_eq!(
            get_setting(&mut conn, "k").await.unwrap().as_deref(),
            Some("v")
        );
    }

    #[tokio::test]
    async fn open_existing_refuses_a_missing_file_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.db");
        let error = Store::open_existing(&path).await.unwrap_err();
        assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
        assert!(error.to_string().contains("absent.db"), "{error}");
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn open_existing_refuses_an_older_schema_without_migrating_it() {
        let (_dir, path) = created().await;
        let newest = newest_known();
        run(
            &path,
            &format!("DELETE FROM _sqlx_migrations WHERE version = {newest}"),
        )
        .await;

        let error = Store::open_existing(&path).await.unwrap_err();
        match &error {
            StoreError::SchemaMismatch {
                database_schema,
                binary_schema,
                newer,
                ..
            } => {
                assert!(*database_schema < newest);
                assert_eq!(*binary_schema, newest);
                assert!(!newer);
            }
            other => panic!("expected a schema mismatch, got {other:?}"),
        }
        assert!(error.to_string().contains("older azsim"), "{error}");
        // Nothing was migrated: the missing migration is still missing.
        let error = Store::open_existing(&path).await.unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaMismatch { .. }),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn open_existing_refuses_a_newer_schema() {
        let (_dir, path) = created().await;
        let future = newest_known() + 1;
        run(
            &path,
            &format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
                 execution_time) VALUES ({future}, 'from the future', 1, x'00', 0)"
            ),
        )
        .await;

        let error = Store::open_existing(&path).await.unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaMismatch { database_schema, newer: true, .. }
                if database_schema == future),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("newer azsim"), "{message}");
        assert!(message.contains(&future.to_string()), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    #[derive(Debug, Default)]
    struct Recorded(Mutex<Vec<FlowEvent>>);

    impl EventSink for Recorded {
        fn record(&self, event: FlowEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    fn event(summary: &str) -> FlowEvent {
        FlowEvent {
            source: "test".into(),
            target: "store".into(),
            step: None,
            correlation_id: "c".into(),
            summary: summary.into(),
        }
    }

    #[tokio::test]
    async fn a_dropped_write_rolls_back_and_records_nothing() {
        let (_dir, path) = created().await;
        let store = Store::open(&path).await.unwrap();
        let recorded = Arc::new(Recorded::default());
        let sink: SharedEventSink = recorded.clone();

        let mut write = store.write().await.unwrap();
        put_setting(&mut write, "k", "rolled back").await.unwrap();
        write.record_after_commit(&sink, event("rolled back"));
        drop(write);

        let mut write = store.write().await.unwrap();
        put_setting(&mut write, "k", "committed").await.unwrap();
        write.record_after_commit(&sink, event("committed"));
        assert!(
            recorded.0.lock().unwrap().is_empty(),
            "recorded before the commit"
        );
        write.commit().await.unwrap();

        let mut conn = store.read().await.unwrap();
        assert_eq!(
            get_setting(&mut conn, "k").await.unwrap().as_deref(),
            Some("committed")
        );
        assert_eq!(*recorded.0.lock().unwrap(), vec![event("committed")]);
    }
}
