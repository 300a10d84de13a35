//! Benchmark (not a test): how fast signed Slack slash commands are acknowledged on loopback
//! (see `commandpost::testing::acks::slack`).
//!
//! `cargo run --release -p commandpost --example slack_ack_bench -- --rate 200 --seconds 20`

use commandpost::bench::load::LoadArgs;

#[tokio::main]
async fn main() {
    for report in commandpost::testing::acks::slack::run(LoadArgs::from_command_line()).await {
        println!("{report}");
    }
}
