//! What the review-page tests share: an app with a recording console, commands typed as a
//! person, the sign-in flow over HTTP, and a resolved incident to review.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use commandpost::chat::ChatPlatform;
use commandpost::commands;
use commandpost::domain::UserId;
use commandpost::effects::Destination;
use commandpost::engine::Response;
use commandpost::store::Store;
use commandpost::testing::app::{spawn_app, TestApp};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;

pub const CONFIG: &str = r#"
database_url = "sqlite://{dir}/test.db"
timezone = "Europe/Berlin"
[policy]
managers = ["console:maria"]
[[clients]]
id = "acme"
name = "Acme Corp"
status_token = "acme-status-token-0123456789"
[[clients]]
id = "globex"
name = "Globex"
status_token = "globex-status-token-0123456789"
[[clients]]
id = "initech"
name = "Initech"
public_status = true
"#;

/// 25 Nov 2026, 09:00 UTC: every test starts here, so pages render the same each run.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

pub struct World {
    pub app: TestApp,
    pub chat: Arc<RecordingPlatform>,
    pub http: reqwest::Client,
}

impl World {
    pub async fn new() -> Self {
        let chat = Arc::new(RecordingPlatform::new("console"));
        let app = spawn_app(CONFIG, false, vec![chat.clone() as Arc<dyn ChatPlatform>]).await;
        app.clock.set(t0());
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self { app, chat, http }
    }

    pub fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    pub fn minutes(&self, minutes: i64) {
        self.app
            .clock
            .set(self.app.clock.now_for_test() + chrono::Duration::minutes(minutes));
    }

    pub async fn run(
        &self,
        user: &str,
        room: Option<&str>,
        line: &str,
    ) -> Result<Response, String> {
        let request = console::request(
            user,
            room,
            commands::parse(line).map_err(|e| e.to_string())?,
        );
        self.app
            .app
            .engine
            .handle(request)
            .await
            .map_err(|e| e.user_message())
    }

    /// Declares, publishes one update and resolves; returns the room and the incident id.
    pub async fn resolved_incident(&self, client: &str, title: &str) -> (String, String) {
        let declared = self
            .run(
                "alice",
                None,
                &format!("/incident declare P1 {client} {title}"),
            )
            .await
            .unwrap();
        self.app.settle().await;
        let room = format!("R-{}", declared.opened_room.unwrap());
        self.minutes(4);
        self.run("alice", Some(&room), "/incident assign comms @bob")
            .await
            .unwrap();
        self.minutes(8);
        self.run(
            "bob",
            Some(&room),
            "/incident update We are investigating an email outage.",
        )
        .await
        .unwrap();
        self.app.settle().await;
        self.minutes(25);
        self.run(
            "alice",
            Some(&room),
            "/incident resolve Certificate renewed",
        )
        .await
        .unwrap();
        self.app.settle().await;
        let id = self
            .app
            .app
            .store
            .incident_by_room("console", &room)
            .await
            .unwrap()
            .unwrap()
            .incident
            .id
            .to_string();
        (room, id)
    }

    /// The last direct message to `user`.
    pub fn last_dm(&self, user: &str) -> Option<String> {
        let wanted = UserId::new(format!("console:{user}"));
        self.chat
            .delivered()
            .into_iter()
            .rev()
            .find(|d| matches!(&d.destination, Destination::DirectMessage { user, .. } if *user == wanted))
            .map(|d| d.text)
    }

    /// `/incident review` as maria; the path of the link she gets by direct message.
    pub async fn sign_in_link(&self, room: Option<&str>) -> String {
        self.run("maria", room, "/incident review").await.unwrap();
        // The link goes through the outbox like every message.
        self.app.settle().await;
        let dm = self
            .last_dm("maria")
            .expect("a direct message with the link");
        let start = dm.find("/signin/").expect("a sign-in link in the message");
        dm[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Opens the link's page and presses its button; the response to the POST.
    pub async fn use_link(&self, path: &str) -> reqwest::Response {
        let page = self.http.get(self.url(path)).send().await.unwrap();
        let cookie = set_cookie(&page, "cp_signin").unwrap_or_default();
        let html = page.text().await.unwrap();
        let csrf = input_value(&html, "csrf").unwrap_or_default();
        self.http
            .post(self.url(path))
            .header(COOKIE, format!("cp_signin={cookie}"))
            .form(&[("csrf", csrf)])
            .send()
            .await
            .unwrap()
    }

    /// Signs maria in; the session cookie header to send with later requests.
    pub async fn signed_in(&self) -> String {
        let path = self.sign_in_link(None).await;
        let response = self.use_link(&path).await;
        assert_eq!(response.status(), 303, "signing in redirects");
        assert_eq!(response.headers()[LOCATION], "/incidents");
        format!(
            "cp_session={}",
            set_cookie(&response, "cp_session").unwrap()
        )
    }

    pub async fn get(&self, path: &str, cookie: &str) -> (u16, String) {
        let response = self
            .http
            .get(self.url(path))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// The value of a cookie the response sets.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))?
                .split(';')
                .next()
                .map(str::to_owned)
        })
}

/// The full `Set-Cookie` line for a cookie.
pub fn set_cookie_line(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The `value` of the first `<input name="…">` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Hides random tokens (64 hex characters) so snapshots stay the same from run to run.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        if run.len() == 64 {
            out.push_str("[token]");
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}
