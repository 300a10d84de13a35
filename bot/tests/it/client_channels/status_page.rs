//! The client's status page: the JSON agrees with the HTML and keeps the token rules, and only
//! the origins a client lists may frame it.

use super::*;

#[tokio::test]
async fn the_status_json_agrees_with_the_page_and_keeps_the_token_rules() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.run(Some(&room), "/incident stage identified").await;
    world
        .run(Some(&room), "/incident update Found it: a certificate.")
        .await;
    let resolved = world
        .declare("/incident declare P2 acme Printer offline")
        .await;
    world
        .run(Some(&resolved), "/incident resolve Toner replaced")
        .await;

    let response = world
        .get(&format!("/status/acme.json?token={ACME_TOKEN}"))
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let json: serde_json::Value = response.json().await.unwrap();
    let page = world
        .get(&format!("/status/acme?token={ACME_TOKEN}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(json["client"], "acme");
    assert_eq!(json["current"].as_array().unwrap().len(), 1);
    assert_eq!(json["past"].as_array().unwrap().len(), 1);
    assert_eq!(json["current"][0]["stage"], "identified");
    assert_eq!(json["past"][0]["stage"], "resolved");
    let stages: Vec<_> = json["current"][0]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["stage"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stages, vec!["identified", "investigating"]);
    for incident in json["current"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["past"].as_array().unwrap())
    {
        assert!(page.contains(incident["title"].as_str().unwrap()));
        for post in incident["posts"].as_array().unwrap() {
            assert!(page.contains(post["posted_at"].as_str().unwrap()), "{post}");
            assert!(page.contains(post["message"].as_str().unwrap()), "{post}");
        }
    }
    assert!(page.contains(json["past"][0]["resolved_at"].as_str().unwrap()));

    assert_eq!(world.get("/status/acme.json").await.status(), 401);
    assert_eq!(
        world
            .get(&format!("/status/acme.json?token={GLOBEX_TOKEN}"))
            .await
            .status(),
        403,
        "another client's token"
    );
    let globex: serde_json::Value = world
        .get(&format!("/status/globex.json?token={GLOBEX_TOKEN}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(globex["current"].as_array().unwrap().len(), 0, "{globex}");
    assert_eq!(world.get("/status/nobody.json").await.status(), 404);
}

#[tokio::test]
async fn only_the_origins_a_client_lists_may_frame_its_status_page() {
    let world = World::new().await;
    let acme = world.get(&format!("/status/acme?token={ACME_TOKEN}")).await;
    let policy = acme.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors https://intranet.acme.example"),
        "{policy}"
    );
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(acme.headers().get("x-frame-options").is_none());
    let globex = world
        .get(&format!("/status/globex?token={GLOBEX_TOKEN}"))
        .await;
    let policy = globex.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(globex.headers()["x-frame-options"], "DENY");
}
