//! What every family of attacks shares: one runtime and one cloud per family, the snapshot
//! that proves an attack changed nothing, forged tokens, and the refusal checks.

pub(crate) mod forge;
pub(crate) mod refusal;
pub(crate) mod shared;
pub(crate) mod snapshot;
pub(crate) mod vault;
