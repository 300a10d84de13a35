//! Command Post: an incident-command chat bot for managed service providers.

pub mod alerts;
pub mod backup;
pub mod bench;
pub mod chat;
pub mod check;
pub mod client_text;
pub mod clock;
pub mod commands;
pub mod config;
pub mod domain;
pub mod effects;
pub mod email;
pub mod engine;
pub mod kb;
pub mod paging;
pub mod postmortem;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod templates;
#[doc(hidden)]
pub mod testing;
pub mod views;
pub mod web;
pub mod webhook;
