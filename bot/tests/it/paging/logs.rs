//! The routing key never appears in what is logged nor in what the room is told, even when
//! PagerDuty refuses: everything logged on the test's thread is captured and searched.

use super::*;

#[tokio::test]
async fn the_routing_key_never_appears_in_logs_or_errors() {
    let captured = commandpost::testing::logs::capture_on_this_thread();

    let pager = FakePagerDuty::start().await.unwrap();
    pager.answer_next(429, None);
    pager.answer_next(400, None);
    let world = World::new(Some(&pager)).await;
    let (_, room) = world.declare().await;
    world.at_minute(35).await;
    world.retry_for(6).await;
    world.at_minute(40).await;
    world.run(Some(&room), "/incident status").await;
    assert_eq!(pager.calls().len(), 3, "429, 400, then the repeat accepted");

    let logs = captured.text();
    assert!(
        logs.contains("PagerDuty answered HTTP 400"),
        "the failures were logged: {logs}"
    );
    assert!(!logs.contains(KEY), "the routing key was logged");
    let said: Vec<String> = world
        .chat
        .delivered()
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(said.iter().any(|t| t.contains("HTTP 400")));
    assert!(
        !said.iter().any(|t| t.contains(KEY)),
        "the routing key reached a chat"
    );
    let config = config("sqlite://x.db", Some(&pager));
    assert!(
        !format!("{config:?}").contains(KEY),
        "the key is in the config's debug form"
    );
    let statuses: Vec<Value> = pager.calls().iter().map(|c| c.status.into()).collect();
    assert_eq!(statuses, [429, 400, 202]);
}
