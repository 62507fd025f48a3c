//! The store's error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened.
    #[error("cannot open the database at {path}")]
    Open {
        /// The database file.
        path: String,
        /// What went wrong.
        #[source]
        source: sqlx::Error,
    },
    /// [`crate::Store::open_existing`] found no database file.
    #[error("there is no azsim database at {path}")]
    Missing {
        /// Where the database was expected.
        path: String,
    },
    /// [`crate::Store::open_existing`] found a database whose schema is not this binary's.
    #[error("{}", schema_mismatch_message(.path, .database_schema, .binary_schema, .newer))]
    SchemaMismatch {
        /// The database file.
        path: String,
        /// The newest migration applied to the database (0 if none).
        database_schema: i64,
        /// The newest migration this binary carries.
        binary_schema: i64,
        /// Whether the database holds migrations this binary does not know.
        newer: bool,
    },
    /// The migrations could not be applied.
    #[error("cannot apply the database migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A row that must be unique exists already (what is named says which).
    #[error("{what} already exists")]
    Conflict {
        /// What already exists, for the caller's message.
        what: String,
    },
    /// A query failed.
    #[error("database query failed while {context}")]
    Query {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A stored value could not be read back (corrupt JSON, bad time).
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Wraps a driver error with what the store was doing, turning unique-constraint
    /// violations into [`StoreError::Conflict`].
    pub(crate) fn query(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| {
            if let sqlx::Error::Database(database_error) = &source
                && database_error.is_unique_violation()
            {
                return StoreError::Conflict {
                    what: context.to_owned(),
                };
            }
            StoreError::Query { context, source }
        }
    }
}

/// What [`StoreError::SchemaMismatch`] tells the user: which side is ahead, and both schemas.
fn schema_mismatch_message(path: &str, database: &i64, binary: &i64, newer: &bool) -> String {
    if *newer {
        format!(
            "the database at {path} was written by a newer azsim (schema {database}, this \
             binary knows up to {binary}); use that azsim or a newer one"
        )
    } else if *database == 0 {
        format!(
            "the database at {path} has no azsim schema (this binary knows schema {binary}); \
             is it an azsim database?"
        )
    } else {
        format!(
            "the database at {path} was written by an older azsim (schema {database}, this \
             binary knows {binary}); start the cloud with this azsim once to migrate it"
        )
    }
}
