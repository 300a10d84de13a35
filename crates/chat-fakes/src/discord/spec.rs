//! Discord's HTTP API description (OpenAPI 3.1) indexed by path template and method, with the
//! checks a request must pass before it reaches the fake's state.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::schema::Validator;
use crate::server::FakeError;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/discord/openapi.json");

/// Whether an operation wants `Authorization: Bot <token>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BotAuth {
    Required,
    Optional,
    /// Only OAuth2 bearer tokens (a bot token is refused).
    NotAccepted,
}

#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) template: String,
    pub(crate) auth: BotAuth,
    body_schema: Option<Value>,
    body_required: bool,
    params: Vec<(String, String, Value, bool)>,
}

#[derive(Debug)]
struct Route {
    segments: Vec<String>,
    ops: BTreeMap<String, Operation>,
}

/// The indexed description.
#[derive(Debug)]
pub(crate) struct DiscordSpec {
    doc: Value,
    routes: Vec<Route>,
}

/// Result of looking a request up.
pub(crate) enum Lookup<'a> {
    Found(&'a Operation, BTreeMap<String, String>),
    MethodNotAllowed,
    NotFound,
}

/// A request refused with an HTTP status and Discord's JSON error body.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl Refusal {
    pub(crate) fn new(status: u16, code: u64, message: &str) -> Self {
        Refusal {
            status,
            body: json!({"message": message, "code": code}),
        }
    }

    pub(crate) fn form(errors: Value) -> Self {
        Refusal {
            status: 400,
            body: json!({"code": 50035, "errors": errors, "message": "Invalid Form Body"}),
        }
    }
}

impl DiscordSpec {
    pub(crate) fn shared() -> Result<Arc<DiscordSpec>, FakeError> {
        static SPEC: OnceLock<Result<Arc<DiscordSpec>, String>> = OnceLock::new();
        SPEC.get_or_init(|| Self::load().map(Arc::new))
            .clone()
            .map_err(|reason| FakeError::Spec {
                path: SPEC_PATH.to_string(),
                reason,
            })
    }

    fn load() -> Result<DiscordSpec, String> {
        let text = std::fs::read_to_string(SPEC_PATH).map_err(|e| e.to_string())?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no paths")?;
        let mut routes = Vec::new();
        for (template, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            let shared_params = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut ops = BTreeMap::new();
            for (verb, op) in item.iter().filter(|(k, _)| *k != "parameters") {
                let mut params = Vec::new();
                let own = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for p in shared_params.iter().chain(own.iter()) {
                    let (Some(name), Some(place)) = (
                        p.get("name").and_then(Value::as_str),
                        p.get("in").and_then(Value::as_str),
                    ) else {
                        continue;
                    };
                    let schema = p.get("schema").cloned().unwrap_or(json!({}));
                    let required = p.get("required") == Some(&Value::Bool(true));
                    params.push((name.to_string(), place.to_string(), schema, required));
                }
                let body = op.get("requestBody");
                ops.insert(
                    verb.to_ascii_uppercase(),
                    Operation {
                        template: template.clone(),
                        auth: bot_auth(op.get("security")),
                        body_schema: body
                            .and_then(|b| b.pointer("/content/application~1json/schema"))
                            .cloned(),
                        body_required: body.and_then(|b| b.get("required"))
                            == Some(&Value::Bool(true)),
                        params,
                    },
                );
            }
            let segments = template
                .trim_start_matches('/')
                .split('/')
                .map(str::to_string)
                .collect();
            routes.push(Route { segments, ops });
        }
        Ok(DiscordSpec { doc, routes })
    }

    /// Finds the operation for a path below `/api/v10`, preferring literal segments
    /// (`/users/@me`) over parameters (`/users/{user_id}`).
    pub(crate) fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(usize, &Route, BTreeMap<String, String>)> = None;
        for route in &self.routes {
            if route.segments.len() != parts.len() {
                continue;
            }
            let mut literal = 0;
            let mut params = BTreeMap::new();
            let matched = route.segments.iter().zip(&parts).all(|(seg, part)| {
                if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    params.insert(name.to_string(), (*part).to_string());
                    !part.is_empty()
                } else {
                    literal += 1;
                    seg == part
                }
            });
            if matched && best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
                best = Some((literal, route, params));
            }
        }
        match best {
            None => Lookup::NotFound,
            Some((_, route, params)) => match route.ops.get(method.as_str()) {
                Some(op) => Lookup::Found(op, params),
                None => Lookup::MethodNotAllowed,
            },
        }
    }

    /// Checks path and query parameters and the JSON body; returns the parsed body.
    pub(crate) fn check(
        &self,
        op: &Operation,
        path_params: &BTreeMap<String, String>,
        query: &Map<String, Value>,
        content_type: &str,
        body: &[u8],
    ) -> Result<Option<Value>, Refusal> {
        let validator = Validator::new(&self.doc);
        let mut errors = Map::new();
        for (name, place, schema, required) in &op.params {
            let raw = match place.as_str() {
                "path" => path_params.get(name).map(|s| Value::String(s.clone())),
                "query" => query.get(name).cloned(),
                _ => continue,
            };
            let Some(raw) = raw else {
                if *required {
                    errors.insert(name.clone(), json!({"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}));
                }
                continue;
            };
            if let Some(e) = validator.validate(schema, &query_value(schema, raw)) {
                errors.insert(name.clone(), e);
            }
        }
        if !errors.is_empty() {
            return Err(Refusal::form(Value::Object(errors)));
        }
        let Some(schema) = &op.body_schema else {
            return Ok(None);
        };
        if body.is_empty() {
            if op.body_required {
                return Err(Refusal::form(
                    json!({"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}),
                ));
            }
            return Ok(None);
        }
        if !content_type.starts_with("application/json") {
            return Err(Refusal::new(
                400,
                50035,
                "The fake accepts only application/json bodies (no multipart uploads)",
            ));
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|_| Refusal::new(400, 50109, "The request body contains invalid JSON."))?;
        match validator.validate(schema, &value) {
            Some(errors) => Err(Refusal::form(errors)),
            None => Ok(Some(value)),
        }
    }
}

/// Query strings carry text; turn `true`/`5` into JSON for non-string schemas.
fn query_value(schema: &Value, raw: Value) -> Value {
    let Value::String(s) = &raw else { return raw };
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => raw,
        },
        Some("integer") | Some("number") => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_number)
            .unwrap_or(raw),
        _ => raw,
    }
}

fn bot_auth(security: Option<&Value>) -> BotAuth {
    let Some(Value::Array(options)) = security else {
        return BotAuth::Optional;
    };
    let has_bot = options.iter().any(|o| o.get("BotToken").is_some());
    let has_none = options
        .iter()
        .any(|o| o.as_object().is_some_and(Map::is_empty));
    match (has_bot, has_none) {
        (true, false) => BotAuth::Required,
        (true, true) => BotAuth::Optional,
        (false, true) => BotAuth::Optional,
        (false, false) => BotAuth::NotAccepted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_prefer_literals_and_know_methods() {
        let spec = DiscordSpec::shared().unwrap();
        match spec.lookup(&Method::GET, "/users/@me") {
            Lookup::Found(op, params) => {
                assert_eq!(op.template, "/users/@me");
                assert!(params.is_empty());
            }
            _ => panic!("users/@me not found"),
        }
        match spec.lookup(&Method::PATCH, "/webhooks/1/tok/messages/@original") {
            Lookup::Found(op, _) => assert_eq!(
                op.template,
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
            ),
            _ => panic!("@original not found"),
        }
        assert!(matches!(
            spec.lookup(&Method::PUT, "/channels/1/messages"),
            Lookup::MethodNotAllowed
        ));
        assert!(matches!(
            spec.lookup(&Method::GET, "/nope"),
            Lookup::NotFound
        ));
    }
}
