//! The store's error type.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or migrated.
    #[error("cannot open the database at {path}")]
    Open {
        /// The database file.
        path: String,
        /// What went wrong.
        #[source]
        source: sqlx::Error,
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
    pub fn query(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
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
