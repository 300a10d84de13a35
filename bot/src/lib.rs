//! Command Post: an incident-command chat bot for managed service providers.

pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod effects;
pub mod store;
#[doc(hidden)]
pub mod testing;
