//! The acknowledgement benchmarks run briefly, so they keep working as the adapters change
//! (their payloads must stay what Slack and Discord send). Counts only: speed is for the
//! benchmarks themselves, never for a test.

use commandpost::bench::load::LoadArgs;

const BRIEF: LoadArgs = LoadArgs {
    rate: 20,
    seconds: 1,
    concurrency: 2,
    saturation_seconds: 1,
};

fn assert_all_acknowledged(reports: &[commandpost::bench::load::LoadReport; 2]) {
    for report in reports {
        assert_eq!(report.failed, 0, "{report}");
        assert!(!report.latencies.is_empty(), "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slack_ack_benchmark_runs_and_every_command_is_acknowledged() {
    assert_all_acknowledged(&commandpost::testing::acks::slack::run(BRIEF).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_discord_ack_benchmark_runs_and_every_interaction_is_acknowledged() {
    assert_all_acknowledged(&commandpost::testing::acks::discord::run(BRIEF).await);
}
