//! Fake Slack, Discord, PagerDuty and SMTP servers for tests: loopback HTTP (and WebSocket) servers that accept
//! only what the platforms' published API descriptions (bundled under `specs/`) and their live
//! behaviour accept, answer with the platforms' shapes, keep enough state for an incident bot,
//! and record every call so tests can assert on them.

pub mod discord;
pub mod pagerduty;
pub mod signing;
pub mod slack;
pub mod smtp;

mod server;

pub use discord::FakeDiscord;
pub use pagerduty::FakePagerDuty;
pub use server::FakeError;
pub use signing::{discord_test_keys, sign_interaction, sign_slack};
pub use slack::FakeSlack;
pub use smtp::FakeSmtp;
