//! Role-based access control: who may do what, where.
//!
//! Built-in role definitions live in code ([`roles`]); role assignments live in the store
//! (`azsim_store::role_assignments`). [`Authorizer::is_allowed`] answers the question the
//! resource API asks for every request (management actions) and the vault for every secret
//! operation (data actions). The resource API's handlers for
//! `Microsoft.Authorization/roleAssignments` and `roleDefinitions` call the operations
//! re-exported here and serialise the returned types as they are.
//!
//! Role assignments outlive their principal (orphans, as in Azure) and the resource at their
//! scope: they stay until deleted. An orphan names the old object id, so it grants nothing to
//! a principal created later.
//!
//! # Layout
//! - [`Authorizer`]: the decision.
//! - [`evaluate`]: the evaluation rules as pure functions.
//! - [`roles`]: the built-in role catalogue and [`PermissionKind`]; [`pattern`]: action
//!   wildcards.
//! - [`scope`]: scope matching and the ids built on scopes (all [`azsim_core::ResourceId`]s).
//! - [`actions`]: request-to-action mapping and well-known action strings.
//! - [`definition`], [`assignment`]: the ARM resources and their JSON shapes.
//! - [`RbacError`]: refusals in the service's words, without HTTP (the resource API maps them
//!   to its codes and statuses).
//! - [`operations`]: create, view, delete and list role assignments.
//! - [`filter`]: `$filter` parsing.
//! - [`seed`]: many seeded assignments with known answers, for the benchmark and tests.

pub mod actions;
pub mod assignment;
mod authorizer;
pub mod definition;
mod error;
pub mod evaluate;
pub mod filter;
pub mod operations;
pub mod pattern;
pub mod roles;
pub mod scope;
pub mod seed;

pub use actions::{management_action, management_action_on};
pub use assignment::{
    RoleAssignment, RoleAssignmentCreateParameters, RoleAssignmentList, RoleAssignmentProperties,
    RoleAssignmentPropertiesWithScope,
};
pub use authorizer::Authorizer;
pub use definition::{
    RoleDefinition, RoleDefinitionList, role_definition_list, role_definition_view,
};
pub use error::RbacError;

pub use operations::{
    role_assignment_create, role_assignment_delete, role_assignment_list, role_assignment_view,
};
pub use roles::{PermissionKind, resolve_role};
pub use scope::{split_role_assignment_id, split_role_definition_id};
