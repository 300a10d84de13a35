//! What reaches the bot from Discord only when signed, and the commands it registers.

use super::*;

#[tokio::test]
async fn forged_and_stale_signatures_get_401_and_change_nothing() {
    let h = Harness::start("", false).await;
    let payload = declare_p1("x");
    let body = serde_json::to_vec(&payload).unwrap();
    let now = h.now().to_string();

    let other_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let forged = sign_interaction(&other_key, &now, &body);
    assert_eq!(h.post_raw(&body, Some(&forged), Some(&now)).await.0, 401);
    let genuine = sign_interaction(&h.key, &now, &body);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        h.post_raw(&tampered, Some(&genuine), Some(&now)).await.0,
        401
    );
    assert_eq!(h.post_raw(&body, None, Some(&now)).await.0, 401);
    assert_eq!(h.post_raw(&body, Some(&genuine), None).await.0, 401);
    assert_eq!(h.post_raw(&body, Some("not hex"), Some(&now)).await.0, 401);
    for skew in [-301, 301] {
        let at = (h.now() + skew).to_string();
        let signature = sign_interaction(&h.key, &at, &body);
        assert_eq!(
            h.post_raw(&body, Some(&signature), Some(&at)).await.0,
            401,
            "skew {skew}"
        );
    }
    // Freshness is judged by the app's clock: ten minutes on, the once-fresh signature is stale.
    h.app.clock.advance(Duration::from_secs(600));
    assert_eq!(h.post_raw(&body, Some(&genuine), Some(&now)).await.0, 401);

    h.app.settle().await;
    assert!(h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert!(h.fake.calls().is_empty(), "nothing reached Discord");
    // The same request, genuinely signed now, is handled (the id was not burnt by the refusals).
    let fresh = h.now().to_string();
    let signature = sign_interaction(&h.key, &fresh, &body);
    let (status, answer) = h.post_raw(&body, Some(&signature), Some(&fresh)).await;
    assert_eq!(status, 200);
    assert!(
        Harness::reply_text(&answer).starts_with("Declared"),
        "{answer}"
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn commands_are_registered_at_start_and_not_again_when_unchanged() {
    let h = Harness::start("", true).await;
    let guild = h.fake.guild_id();
    h.wait_for("registration", |fake| {
        !fake.commands(Some(guild)).is_empty()
    })
    .await;
    let registered = h.fake.commands(Some(guild));
    let names: Vec<&str> = registered
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["incident", "help"]);
    assert!(h.fake.commands(None).is_empty(), "guild-scoped, not global");
    let puts = || {
        h.fake
            .calls_to(
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
            )
            .len()
    };
    let gets = || {
        h.fake
            .calls_to(
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
            )
            .len()
    };
    assert_eq!(puts(), 1);

    // A second start against the same application finds them unchanged.
    let again = commandpost::testing::app::spawn_app(
        &config(&h.fake, "sqlite://{dir}/again.db", ""),
        true,
        Vec::new(),
    )
    .await;
    h.wait_for("the second look", |_| gets() == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(puts(), 1, "nothing changed, nothing overwritten");
    drop(again);

    // `commandpost discord-commands` prints exactly what is registered.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .arg("discord-commands")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, commandpost::chat::discord::command_definitions());
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_signed_body_that_is_not_a_discord_interaction_is_refused_and_changes_nothing() {
    let h = Harness::start("", false).await;
    let declare = declare_p1("Email is down");
    let incidents = |h: &Harness| {
        let store = h.app.app.store.clone();
        async move {
            store
                .incidents(&IncidentFilter::default())
                .await
                .unwrap()
                .len()
        }
    };
    for missing in ["token", "application_id", "version", "data", "channel_id"] {
        let mut partial = declare.clone();
        partial.as_object_mut().unwrap().remove(missing);
        let (status, _) = h.post_signed(&partial).await;
        assert_eq!(status, 400, "without {missing}");
    }
    let mut unknown_kind = declare.clone();
    unknown_kind["type"] = json!(42);
    assert_eq!(h.post_signed(&unknown_kind).await.0, 400);
    let body = b"{not json";
    let timestamp = h.now().to_string();
    let signature = sign_interaction(&h.key, &timestamp, body);
    let (status, _) = h.post_raw(body, Some(&signature), Some(&timestamp)).await;
    assert_eq!(status, 400);
    assert_eq!(incidents(&h).await, 0, "refused bodies store nothing");
    // The same interaction with every field declares, once: its id was not recorded above.
    let answer = h.interact(&declare).await;
    assert!(
        Harness::reply_text(&answer).contains("Declared INC-"),
        "{answer}"
    );
    assert_eq!(incidents(&h).await, 1);
    h.assert_no_rejected_calls();
}
