//! The Slack Web API description (Swagger 2.0) loaded into per-method rules, with the
//! corrections live Slack needs where the published file is out of date.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::http::Method;
use serde_json::{Map, Value};

use crate::server::FakeError;

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/specs/slack/slack_web_openapi_v2_without_examples.json"
);

/// Methods the file describes as GET that live Slack only serves as POST with a JSON (or
/// form) body: the file predates Block Kit surfaces and lists them with query parameters.
const LIVE_POST_ONLY: &[&str] = &["views.open", "views.publish", "views.push", "views.update"];

/// Parameters live Slack accepts that the file (last updated years ago) does not list.
const LIVE_EXTRA_PARAMS: &[(&str, &str, ParamType)] = &[
    ("chat.postMessage", "metadata", ParamType::String),
    ("chat.update", "metadata", ParamType::String),
    ("chat.update", "reply_broadcast", ParamType::Boolean),
    ("chat.update", "file_ids", ParamType::String),
    ("conversations.create", "team_id", ParamType::String),
    ("conversations.invite", "force", ParamType::Boolean),
    ("views.open", "interactivity_pointer", ParamType::String),
    ("views.push", "interactivity_pointer", ParamType::String),
];

/// Parameters the live documentation marks required although the file leaves them optional.
const LIVE_REQUIRED: &[(&str, &str)] = &[
    ("conversations.create", "name"),
    ("conversations.invite", "channel"),
    ("conversations.invite", "users"),
    ("conversations.setTopic", "channel"),
    ("conversations.setTopic", "topic"),
    ("conversations.info", "channel"),
    ("conversations.join", "channel"),
    ("users.info", "user"),
    ("views.update", "view"),
];

/// Parameters carrying JSON. The file types them as strings (a URL-encoded JSON string in a
/// form body); in a JSON body live Slack takes the array or object itself, which is what
/// slack-morphism sends (`blocks` as an array, `view` as an object, `users` as an array).
const JSON_VALUED: &[&str] = &[
    "blocks",
    "attachments",
    "view",
    "metadata",
    "users",
    "file_ids",
];

/// The scalar type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamType {
    String,
    Boolean,
    Integer,
    Number,
}

#[derive(Clone, Debug)]
pub(crate) struct ParamSpec {
    pub(crate) name: String,
    pub(crate) ty: ParamType,
    pub(crate) required: bool,
}

/// Which token family a method wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Bot,
    App,
}

#[derive(Clone, Debug)]
pub(crate) struct MethodSpec {
    pub(crate) name: String,
    pub(crate) get: bool,
    pub(crate) post: bool,
    pub(crate) accepts_json: bool,
    pub(crate) token: TokenKind,
    pub(crate) params: Vec<ParamSpec>,
}

/// How the arguments arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    None,
    Form,
    Json,
}

/// Why a request was refused before reaching the method.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rejection {
    pub(crate) status: u16,
    pub(crate) error: String,
    pub(crate) messages: Vec<String>,
}

impl Rejection {
    pub(crate) fn new(error: &str) -> Self {
        Rejection {
            status: 200,
            error: error.to_string(),
            messages: Vec::new(),
        }
    }

    pub(crate) fn invalid(messages: Vec<String>) -> Self {
        Rejection {
            status: 200,
            error: "invalid_arguments".to_string(),
            messages,
        }
    }
}

/// All methods of the Web API, by name.
#[derive(Debug)]
pub(crate) struct SlackSpec {
    methods: HashMap<String, MethodSpec>,
}

impl SlackSpec {
    /// Loads and indexes the description once per process.
    pub(crate) fn shared() -> Result<Arc<SlackSpec>, FakeError> {
        static SPEC: OnceLock<Result<Arc<SlackSpec>, String>> = OnceLock::new();
        SPEC.get_or_init(|| Self::load().map(Arc::new))
            .clone()
            .map_err(|reason| FakeError::Spec {
                path: SPEC_PATH.to_string(),
                reason,
            })
    }

    fn load() -> Result<SlackSpec, String> {
        let text = std::fs::read_to_string(SPEC_PATH).map_err(|e| e.to_string())?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no paths object")?;
        let mut methods = HashMap::new();
        for (path, ops) in paths {
            let name = path.trim_start_matches('/').to_string();
            let Some(ops) = ops.as_object() else { continue };
            for (verb, op) in ops {
                let mut spec = method_from_operation(&name, op);
                match verb.as_str() {
                    "get" if LIVE_POST_ONLY.contains(&name.as_str()) => spec.post = true,
                    "get" => {
                        // Every Web API method also takes a form POST (live documentation).
                        spec.get = true;
                        spec.post = true;
                    }
                    "post" => spec.post = true,
                    _ => continue,
                }
                methods.insert(name.clone(), spec);
            }
        }
        for (method, param, ty) in LIVE_EXTRA_PARAMS {
            if let Some(spec) = methods.get_mut(*method) {
                spec.params.push(ParamSpec {
                    name: param.to_string(),
                    ty: *ty,
                    required: false,
                });
            }
        }
        for (method, param) in LIVE_REQUIRED {
            let found = methods
                .get_mut(*method)
                .and_then(|m| m.params.iter_mut().find(|p| p.name == *param));
            if let Some(p) = found {
                p.required = true;
            }
        }
        // Socket Mode's connection method is missing from the file; live it is a POST that
        // takes no arguments and an app-level (`xapp-`) token.
        methods.insert(
            "apps.connections.open".to_string(),
            MethodSpec {
                name: "apps.connections.open".to_string(),
                get: false,
                post: true,
                accepts_json: true,
                token: TokenKind::App,
                params: Vec::new(),
            },
        );
        Ok(SlackSpec { methods })
    }

    pub(crate) fn method(&self, name: &str) -> Option<&MethodSpec> {
        self.methods.get(name)
    }
}

fn method_from_operation(name: &str, op: &Value) -> MethodSpec {
    let accepts_json = op
        .get("consumes")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|t| t == "application/json"));
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    if name == "token" {
                        return None;
                    }
                    let ty = match p.get("type").and_then(Value::as_str) {
                        Some("boolean") => ParamType::Boolean,
                        Some("integer") => ParamType::Integer,
                        Some("number") => ParamType::Number,
                        _ => ParamType::String,
                    };
                    let required = p.get("required").and_then(Value::as_bool) == Some(true);
                    Some(ParamSpec {
                        name: name.to_string(),
                        ty,
                        required,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    MethodSpec {
        name: name.to_string(),
        get: false,
        post: false,
        accepts_json,
        token: TokenKind::Bot,
        params,
    }
}

impl MethodSpec {
    /// Checks the HTTP verb and the body encoding.
    pub(crate) fn check_transport(&self, verb: &Method, body: Body) -> Result<(), Rejection> {
        if *verb == Method::GET && !self.get {
            return Err(Rejection::invalid(vec![format!(
                "[ERROR] {} must be called with POST",
                self.name
            )]));
        }
        if *verb != Method::GET && *verb != Method::POST {
            return Err(Rejection::new("invalid_post_type"));
        }
        if *verb == Method::POST && !self.post {
            return Err(Rejection::invalid(vec![format!(
                "[ERROR] {} must be called with GET",
                self.name
            )]));
        }
        if body == Body::Json && !self.accepts_json {
            // Live Slack ignores a JSON body here, so every argument would be missing.
            return Err(Rejection::invalid(vec![format!(
                "[ERROR] {} does not accept application/json bodies; send form data",
                self.name
            )]));
        }
        Ok(())
    }

    /// Checks the arguments against the method's parameter list.
    pub(crate) fn check_params(&self, params: &Map<String, Value>) -> Result<(), Rejection> {
        let mut messages = Vec::new();
        for (key, value) in params {
            if key == "token" {
                continue;
            }
            match self.params.iter().find(|p| p.name == *key) {
                None => messages.push(format!("[ERROR] unknown parameter: {key}")),
                Some(p) => {
                    if let Err(expected) = check_type(p, value) {
                        messages.push(format!(
                            "[ERROR] invalid type for field: {key} (expected {expected})"
                        ));
                    }
                }
            }
        }
        for p in self.params.iter().filter(|p| p.required) {
            if !params.contains_key(&p.name) {
                messages.push(format!("[ERROR] missing required field: {}", p.name));
            }
        }
        if messages.is_empty() {
            Ok(())
        } else {
            Err(Rejection::invalid(messages))
        }
    }
}

fn check_type(p: &ParamSpec, value: &Value) -> Result<(), &'static str> {
    let json_valued = JSON_VALUED.contains(&p.name.as_str());
    match (p.ty, value) {
        (ParamType::String, Value::String(s)) if json_valued && p.name != "users" => {
            // A form body carries these as JSON text; it has to parse.
            serde_json::from_str::<Value>(s)
                .map(|_| ())
                .map_err(|_| "a JSON-encoded string")
        }
        (ParamType::String, Value::String(_)) => Ok(()),
        (ParamType::String, Value::Array(items)) if json_valued => {
            if p.name == "users" && !items.iter().all(Value::is_string) {
                Err("an array of user ids")
            } else {
                Ok(())
            }
        }
        (ParamType::String, Value::Object(_)) if json_valued && p.name != "users" => Ok(()),
        (ParamType::String, _) => Err("string"),
        (ParamType::Boolean, Value::Bool(_)) => Ok(()),
        (ParamType::Boolean, Value::String(s))
            if ["true", "false", "1", "0"].contains(&s.as_str()) =>
        {
            Ok(())
        }
        (ParamType::Boolean, _) => Err("boolean"),
        (ParamType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (ParamType::Integer, Value::String(s)) if s.parse::<i64>().is_ok() => Ok(()),
        (ParamType::Integer, _) => Err("integer"),
        (ParamType::Number, Value::Number(_)) => Ok(()),
        (ParamType::Number, Value::String(s)) if s.parse::<f64>().is_ok() => Ok(()),
        (ParamType::Number, _) => Err("number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_methods_with_live_corrections() {
        let spec = SlackSpec::shared().unwrap();
        let open = spec.method("views.open").unwrap();
        assert!(open.post && !open.get);
        let info = spec.method("conversations.info").unwrap();
        assert!(info.get && info.post && !info.accepts_json);
        assert_eq!(
            spec.method("apps.connections.open").unwrap().token,
            TokenKind::App
        );
        assert!(spec.method("chat.postMessage").unwrap().accepts_json);
    }

    #[test]
    fn params_are_checked() {
        let spec = SlackSpec::shared().unwrap();
        let post = spec.method("chat.postMessage").unwrap();
        let ok = json!({"channel": "C1", "text": "hi", "blocks": [{"type": "divider"}]});
        assert!(post.check_params(ok.as_object().unwrap()).is_ok());
        let bad = json!({"text": "hi", "colour": "red", "mrkdwn": "maybe"});
        let err = post.check_params(bad.as_object().unwrap()).unwrap_err();
        assert_eq!(err.error, "invalid_arguments");
        assert_eq!(err.messages.len(), 3, "{:?}", err.messages);
        let form_blocks = json!({"channel": "C1", "blocks": "not json"});
        assert!(post.check_params(form_blocks.as_object().unwrap()).is_err());
    }
}
