//! Acknowledgement benchmarks against the fake chat services: the examples `slack_ack_bench`
//! and `discord_ack_bench` run them at full load; a test runs them briefly so they keep working.

pub mod discord;
pub mod slack;
