//! Benchmark (not a test): how fast signed Discord interactions are acknowledged on loopback
//! (see `commandpost::testing::acks::discord`).
//!
//! `cargo run --release -p commandpost --example discord_ack_bench -- --rate 200 --seconds 20`

use commandpost::bench::load::LoadArgs;

#[tokio::main]
async fn main() {
    for report in commandpost::testing::acks::discord::run(LoadArgs::from_command_line()).await {
        println!("{report}");
    }
}
