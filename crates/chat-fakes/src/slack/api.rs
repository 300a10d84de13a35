//! The Web API entry point: method lookup, transport, token and argument checks, injected
//! faults, plus the Socket Mode upgrade and the `response_url` sink.

use super::*;

fn slack_json(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (code, Json(body)).into_response()
}

struct Request {
    method: String,
    verb: Method,
    params: Map<String, Value>,
    token: Option<String>,
}

pub(super) async fn api(
    State(inner): State<Arc<Inner>>,
    Path(method): Path<String>,
    verb: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut req = Request {
        method,
        verb,
        params: query.as_deref().map(parse_form).unwrap_or_default(),
        token: None,
    };
    let outcome = validate(&inner, &mut req, &headers, &body);
    let params_for_record = {
        let mut p = req.params.clone();
        p.remove("token");
        p
    };
    let record = |status: u16, response: &Value| SlackCall {
        method: req.method.clone(),
        http_method: req.verb.to_string(),
        params: params_for_record.clone(),
        status,
        response: response.clone(),
        error: response
            .get("error")
            .and_then(Value::as_str)
            .map(str::to_string),
        at: SystemTime::now(),
        held: None,
    };
    if let Err(rejection) = outcome {
        let mut body = json!({"ok": false, "error": rejection.error});
        if !rejection.messages.is_empty() {
            body["response_metadata"] = json!({"messages": rejection.messages});
        }
        if rejection.error == "unknown_method" {
            body["req_method"] = json!(req.method);
        }
        lock(&inner.rejected).push(record(rejection.status, &body));
        return slack_json(rejection.status, body);
    }
    let fault = lock(&inner.faults)
        .get_mut(&req.method)
        .and_then(VecDeque::pop_front);
    let held = match fault {
        Some(Fault::Timeout(delay)) => Some(delay),
        _ => None,
    };
    let (status, body, retry_after) = match fault {
        Some(Fault::RateLimited { retry_after_secs }) => (
            429,
            json!({"ok": false, "error": "ratelimited"}),
            Some(retry_after_secs),
        ),
        Some(Fault::ServerError) => (500, json!({"ok": false, "error": "internal_error"}), None),
        Some(Fault::SlackError(code)) => (200, json!({"ok": false, "error": code}), None),
        Some(Fault::Timeout(delay)) => {
            tokio::time::sleep(delay).await;
            (200, run_method(&inner, &req), None)
        }
        None => (200, run_method(&inner, &req), None),
    };
    lock(&inner.calls).push(SlackCall {
        held,
        ..record(status, &body)
    });
    let mut response = slack_json(status, body);
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

fn run_method(inner: &Inner, req: &Request) -> Value {
    let mut params = req.params.clone();
    params.remove("token");
    match lock(&inner.world).handle(&req.method, &params) {
        Ok(Value::Object(mut fields)) => {
            let mut body = Map::new();
            body.insert("ok".into(), Value::Bool(true));
            body.append(&mut fields);
            Value::Object(body)
        }
        Ok(_) => json!({"ok": true}),
        Err(code) => json!({"ok": false, "error": code}),
    }
}

fn validate(
    inner: &Inner,
    req: &mut Request,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), Rejection> {
    let Some(spec) = inner.spec.method(&req.method) else {
        return Err(Rejection {
            status: 404,
            ..Rejection::new("unknown_method")
        });
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = if body.is_empty() {
        Body::None
    } else if content_type.starts_with("application/json") {
        Body::Json
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Body::Form
    } else {
        return Err(Rejection::new("invalid_post_type"));
    };
    if kind != Body::None && req.verb == Method::GET {
        return Err(Rejection::invalid(vec![
            "[ERROR] GET requests take no body".into(),
        ]));
    }
    // A `token` argument counts only from the query string or a form body; live Slack
    // reads no token from a JSON body.
    let arg_token = req
        .params
        .get("token")
        .and_then(Value::as_str)
        .map(str::to_string);
    match kind {
        Body::Json => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => req.params.extend(fields),
            Ok(_) => return Err(Rejection::new("json_not_object")),
            Err(_) => return Err(Rejection::new("invalid_json")),
        },
        Body::Form => {
            let text = std::str::from_utf8(body).map_err(|_| Rejection::new("invalid_charset"))?;
            req.params.extend(parse_form(text));
        }
        Body::None => {}
    }
    spec.check_transport(&req.verb, kind)?;
    let form_token = if kind == Body::Form {
        req.params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        None
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    req.token = bearer.or(form_token).or(arg_token);
    match (req.token.as_deref(), spec.token) {
        (None | Some(""), _) => return Err(Rejection::new("not_authed")),
        (Some(BOT_TOKEN), TokenKind::Bot) | (Some(APP_TOKEN), TokenKind::App) => {}
        (Some(BOT_TOKEN | APP_TOKEN), _) => return Err(Rejection::new("not_allowed_token_type")),
        (Some(_), _) => return Err(Rejection::new("invalid_auth")),
    }
    spec.check_params(&req.params)
}

pub(super) async fn socket_mode(
    State(inner): State<Arc<Inner>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hub = Arc::clone(&inner.socket);
    upgrade.on_upgrade(move |ws| socket::run_connection(ws, hub))
}

pub(super) async fn response_url(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = String::from_utf8_lossy(&body).into_owned();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let parsed = if is_form {
        parse_form(&text)
            .get("payload")
            .and_then(Value::as_str)
            .and_then(|p| serde_json::from_str(p).ok())
    } else {
        serde_json::from_str(&text).ok()
    };
    lock(&inner.response_posts).push(ResponsePost {
        id,
        body: parsed.unwrap_or(Value::String(text)),
        at: SystemTime::now(),
    });
    slack_json(200, json!({"ok": true}))
}
