//! Command Post: an incident-command chat bot for managed service providers.

pub mod alerts;
pub mod backup;
pub mod bench;
pub mod chat;
pub mod check;
pub mod client_text;
pub mod clock;
// The pure core lives in its own crate so the compiler keeps it free of IO; re-exported here so
// the rest of the bot names it as before (`crate::domain::…`, `crate::commands::…`).
pub use commandpost_core::{commands, domain};
pub mod config;
pub mod effects;
pub mod email;
pub mod engine;
pub mod kb;
pub mod kb_cli;
pub mod paging;
pub mod postmortem;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod templates;
// The test harness is not part of the production library: only this crate's own tests turn
// on the `testing` feature (through the dev-dependency on itself in Cargo.toml).
#[cfg(test)]
mod layering_tests;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod views;
pub mod web;
pub mod webhook;
