//! The review and status pages' HTML templates: handlebars with HTML escaping on (unlike the
//! chat templates), built into the binary, sharing one layout.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use handlebars::Handlebars;
use serde::Serialize;
use serde_json::json;

const PAGES: [(&str, &str); 8] = [
    ("layout", include_str!("../../templates-web/layout.hbs")),
    ("message", include_str!("../../templates-web/message.hbs")),
    ("signin", include_str!("../../templates-web/signin.hbs")),
    (
        "incidents",
        include_str!("../../templates-web/incidents.hbs"),
    ),
    ("incident", include_str!("../../templates-web/incident.hbs")),
    ("report", include_str!("../../templates-web/report.hbs")),
    ("status", include_str!("../../templates-web/status.hbs")),
    ("feed", include_str!("../../templates-web/feed.atom.hbs")),
];

#[derive(Debug)]
pub struct Pages {
    registry: Handlebars<'static>,
}

impl Default for Pages {
    fn default() -> Self {
        Self::new()
    }
}

impl Pages {
    pub fn new() -> Self {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, text) in PAGES {
            registry
                .register_template_string(name, text)
                .expect("built-in page templates compile");
        }
        Self { registry }
    }

    /// Renders a page; a failure is logged and answered with a plain 500.
    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, Box<Response>> {
        self.registry.render(name, data).map_err(|error| {
            tracing::error!(%error, page = name, "page template failed");
            Box::new(
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the page could not be rendered\n",
                )
                    .into_response(),
            )
        })
    }

    pub fn html(&self, status: StatusCode, name: &str, data: &impl Serialize) -> Response {
        match self.render(name, data) {
            Ok(body) => (status, Html(body)).into_response(),
            Err(response) => *response,
        }
    }

    /// A page with one message: refusals, expired links, errors.
    pub fn message(
        &self,
        status: StatusCode,
        heading: &str,
        message: &str,
        link: Option<(&str, &str)>,
    ) -> Response {
        let data = json!({
            "title": heading,
            "signed_in": null,
            "kind": if status.is_success() { "notice" } else { "error" },
            "heading": heading,
            "message": message,
            "link": link.map(|(href, _)| href),
            "link_text": link.map(|(_, text)| text),
        });
        let mut response = self.html(status, "message", &data);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            "no-store".parse().expect("a valid header"),
        );
        response
    }
}
