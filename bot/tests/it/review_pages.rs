//! The review and status pages over HTTP: sign-in through a single-use link, access refused
//! without a session, for non-managers, with a reused or expired link, without the CSRF token,
//! or with another client's status token; and snapshots of every page.

use crate::review_support;

use reqwest::header::{AUTHORIZATION, LOCATION};
use review_support::{input_value, redact, set_cookie_line, World};

#[tokio::test]
async fn every_page_renders_for_a_signed_in_manager() {
    let world = World::new().await;
    let (_, id) = world.resolved_incident("acme", "Email is down").await;
    let cookie = world.signed_in().await;
    let pages = [
        ("incidents_list", "/incidents".to_owned()),
        (
            "incidents_filtered",
            "/incidents?client=acme&severity=P1&month=2026-11&state=draft".to_owned(),
        ),
        ("incident_page", format!("/incidents/{id}")),
        ("incident_markdown", format!("/incidents/{id}.md")),
        ("monthly_report", "/reports/acme/2026-11".to_owned()),
    ];
    for (name, path) in pages {
        let (status, body) = world.get(&path, &cookie).await;
        assert_eq!(status, 200, "{path}: {body}");
        insta::assert_snapshot!(name, redact(&body));
    }
    let (_, list) = world.get("/incidents?state=approved", &cookie).await;
    assert!(
        list.contains("0 incident(s)"),
        "the review-state filter applies"
    );
    let (status, _) = world.get("/incidents?severity=P9", &cookie).await;
    assert_eq!(status, 400);
    let (status, _) = world.get("/reports/acme/2026-13", &cookie).await;
    assert_eq!(status, 400);
    let (status, _) = world.get("/incidents/INC-2026-9999", &cookie).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_sign_in_link_works_once_sets_a_safe_cookie_and_lands_on_the_incident() {
    let world = World::new().await;
    let (room, id) = world.resolved_incident("acme", "Email is down").await;
    let path = world.sign_in_link(Some(&room)).await;
    let (status, page) = world.get(&path, "").await;
    assert_eq!(status, 200);
    insta::assert_snapshot!(
        "sign_in_page",
        redact(&page).replace(&path, "/signin/[link]")
    );
    let response = world.use_link(&path).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], format!("/incidents/{id}"));
    let line = set_cookie_line(&response, "cp_session").unwrap();
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Lax"),
        "{line}"
    );
    assert!(!line.contains("Secure"), "not Secure over http: {line}");
    // The same link again: refused, on the page and on the button.
    let (status, body) = world.get(&path, "").await;
    assert_eq!(status, 403);
    assert!(body.contains("already used"), "{body}");
    assert_eq!(world.use_link(&path).await.status(), 403);
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let world = World::new().await;
    let path = world.sign_in_link(None).await;
    world.minutes(16);
    let (status, body) = world.get(&path, "").await;
    assert_eq!(status, 403);
    assert!(body.contains("expired"), "{body}");
    assert_eq!(world.use_link(&path).await.status(), 403);
    let (status, _) = world.get("/signin/0123456789abcdef", "").await;
    assert_eq!(status, 403, "a made-up link is refused");
}

#[tokio::test]
async fn only_managers_get_a_link_and_nobody_gets_in_without_a_session() {
    let world = World::new().await;
    let (_, id) = world.resolved_incident("acme", "Email is down").await;
    let refusal = world
        .run("alice", None, "/incident review")
        .await
        .unwrap_err();
    assert!(refusal.contains("policy.managers"), "{refusal}");
    assert!(
        world.last_dm("alice").is_none(),
        "no link for a non-manager"
    );

    for path in [
        "/incidents",
        &format!("/incidents/{id}"),
        "/reports/acme/2026-11",
        &format!("/incidents/{id}.md"),
    ] {
        let response = world.http.get(world.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert!(response.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/signin?next="));
    }
    let forged = world
        .post(
            &format!("/incidents/{id}/transition"),
            "cp_session=forged",
            &[("to", "approve")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let (status, _) = world.get("/incidents", "cp_session=0000").await;
    assert_eq!(status, 303, "an unknown session cookie is no session");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let world = World::new().await;
    let (_, id) = world.resolved_incident("acme", "Email is down").await;
    let cookie = world.signed_in().await;
    let save = format!("/incidents/{id}/postmortem");
    let missing = world
        .post(&save, &cookie, &[("version", "1"), ("summary", "forged")])
        .await;
    assert_eq!(missing.status(), 403);
    let wrong = world
        .post(
            &save,
            &cookie,
            &[
                ("csrf", "0".repeat(64).as_str()),
                ("version", "1"),
                ("summary", "forged"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    let (_, page) = world.get(&format!("/incidents/{id}.md"), &cookie).await;
    assert!(!page.contains("forged"), "nothing was saved");
}

#[tokio::test]
async fn a_postmortem_is_edited_reviewed_approved_and_published_to_the_client() {
    let world = World::new().await;
    let (_, id) = world.resolved_incident("acme", "Email is down").await;
    let cookie = world.signed_in().await;
    let (_, page) = world.get(&format!("/incidents/{id}"), &cookie).await;
    let csrf = input_value(&page, "csrf").unwrap();
    let saved = world
        .post(
            &format!("/incidents/{id}/postmortem"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("summary", "The relay certificate expired."),
                ("impact", "No mail for 37 minutes."),
                ("contributing_factors", "Manual renewal."),
                ("went_well", "Quick first update."),
                ("client_summary", ""),
                ("internal_notes", "Ask <@console:carol> about alerts."),
                ("item", "Automate renewal"),
                ("owner", "bob"),
                ("due", "2026-12-15"),
                ("item", ""),
                ("owner", ""),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    // A second save from the stale page (version 1) is refused, not silently merged.
    let stale = world
        .post(
            &format!("/incidents/{id}/postmortem"),
            &cookie,
            &[("csrf", &csrf), ("version", "1"), ("summary", "old")],
        )
        .await;
    assert_eq!(stale.status(), 409);
    let early = world
        .post(
            &format!("/incidents/{id}/publish"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(early.status(), 409, "a draft is not published");
    for (step, version) in [("submit", "2"), ("approve", "3")] {
        let moved = world
            .post(
                &format!("/incidents/{id}/transition"),
                &cookie,
                &[("csrf", &csrf), ("version", version), ("to", step)],
            )
            .await;
        assert_eq!(moved.status(), 303, "{step}");
    }
    let (_, page) = world.get(&format!("/incidents/{id}"), &cookie).await;
    assert!(page.contains("Approved by @maria"), "{page}");
    assert!(page.contains("moved the postmortem from in review to approved"));
    let published = world
        .post(
            &format!("/incidents/{id}/publish"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(published.status(), 303);
    world.app.settle().await;
    let (status, status_page) = world
        .get("/status/acme?token=acme-status-token-0123456789", "")
        .await;
    assert_eq!(status, 200);
    assert!(status_page.contains("Automate renewal"), "{status_page}");
    assert!(!status_page.contains("carol") && !status_page.contains("Manual renewal"));
    let sent = world
        .chat
        .texts_to(|d| matches!(d, commandpost::effects::Destination::ClientChannel { .. }));
    assert!(
        sent.last().unwrap().starts_with("*Incident report"),
        "{sent:?}"
    );
    let again = world
        .post(
            &format!("/incidents/{id}/publish"),
            &cookie,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status(), 409, "published once");
}

#[tokio::test]
async fn a_status_page_opens_only_with_its_own_clients_token() {
    let world = World::new().await;
    world.resolved_incident("acme", "Email is down").await;
    world.resolved_incident("globex", "VPN is down").await;
    let acme_only = |body: &str| body.contains("Email is down") && !body.contains("VPN is down");
    let (status, body) = world
        .get("/status/acme?token=acme-status-token-0123456789", "")
        .await;
    assert_eq!(status, 200);
    assert!(acme_only(&body), "{body}");
    insta::assert_snapshot!("status_page", body);
    let bearer = world
        .http
        .get(world.url("/status/acme"))
        .header(AUTHORIZATION, "Bearer acme-status-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);
    let (status, _) = world
        .get("/status/acme?token=globex-status-token-0123456789", "")
        .await;
    assert_eq!(status, 403, "another client's token is refused");
    let (status, _) = world.get("/status/acme", "").await;
    assert_eq!(status, 401);
    let (status, feed) = world
        .get(
            "/status/acme/feed.atom?token=acme-status-token-0123456789",
            "",
        )
        .await;
    assert_eq!(status, 200);
    assert!(acme_only(&feed));
    insta::assert_snapshot!("status_feed", feed);
    let (status, _) = world
        .get(
            "/status/acme/feed.atom?token=globex-status-token-0123456789",
            "",
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = world.get("/status/initech", "").await;
    assert_eq!(status, 200, "a public status page needs no token");
    assert!(body.contains("All systems operational"));
    let (status, _) = world
        .get("/status/nobody?token=acme-status-token-0123456789", "")
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_and_survive_absurd_page_numbers() {
    let world = World::new().await;
    world.resolved_incident("acme", "Email is down").await;
    let cookie = world.signed_in().await;
    for path in [
        "/incidents",
        "/incidents?page=9223372036854775807",
        "/signin",
    ] {
        let response = world
            .http
            .get(world.url(path))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_a_tls_proxy() {
    let world = World::new().await;
    let path = world.sign_in_link(None).await;
    let page = world.http.get(world.url(&path)).send().await.unwrap();
    let signin = review_support::set_cookie(&page, "cp_signin").unwrap();
    let csrf = input_value(&page.text().await.unwrap(), "csrf").unwrap();
    let response = world
        .http
        .post(world.url(&path))
        .header("x-forwarded-proto", "https")
        .header(reqwest::header::COOKIE, format!("cp_signin={signin}"))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let line = set_cookie_line(&response, "cp_session").unwrap();
    assert!(line.contains("; Secure"), "{line}");
}

#[tokio::test]
async fn a_sign_in_link_that_failed_to_send_is_retried_with_a_fresh_link_that_works() {
    let world = World::new().await;
    world
        .chat
        .fail_next(commandpost::chat::DeliveryError::transient(
            "the chat service is down",
        ));
    let answer = world.run("maria", None, "/incident review").await.unwrap();
    assert!(answer.text.contains("on its way"), "{}", answer.text);
    world.app.settle().await;
    assert!(world.last_dm("maria").is_none(), "the first attempt failed");
    world.minutes(1);
    world.app.settle().await;
    let dm = world.last_dm("maria").expect("the retry delivered a link");
    let start = dm.find("/signin/").expect("a sign-in link");
    let path = dm[start..].split_whitespace().next().unwrap().to_owned();
    assert_eq!(world.use_link(&path).await.status(), 303, "the link works");
}
