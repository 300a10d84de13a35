//! Health and metrics over HTTP.

use commandpost::testing::app::spawn_app;

const CONFIG: &str = r#"
database_url = "sqlite://{dir}/test.db"
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
"#;

#[tokio::test]
async fn healthz_follows_the_store() {
    let app = spawn_app(CONFIG, false, Vec::new()).await;
    let client = reqwest::Client::new();
    let ok = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    // The database goes away while the process runs.
    app.app.store.close().await;
    let down = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(down.status(), 503);
    assert!(down.text().await.unwrap().contains("database"));
}

#[tokio::test]
async fn metrics_are_prometheus_text_on_the_private_listener_only() {
    let app = spawn_app(CONFIG, false, Vec::new()).await;
    let public = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(public.status(), 404, "/metrics must not face the internet");
    let response = reqwest::get(app.metrics_url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    // Every counter exists from start, so dashboards and alerts see 0 rather than nothing.
    for kind in ["room", "webhook", "client_channel", "status_page", "pager"] {
        for gauge in [
            "commandpost_outbox_depth",
            "commandpost_outbox_oldest_seconds",
        ] {
            let series = format!("{gauge}{{destination=\"{kind}\"}}");
            assert!(text.contains(&series), "{series} is missing from /metrics");
        }
    }
    for counter in commandpost::telemetry::COUNTERS {
        assert!(
            text.lines().any(|line| line.starts_with(counter.name)),
            "{} is missing from /metrics",
            counter.name
        );
    }
}
