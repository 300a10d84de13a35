//! Discord-shaped validation errors: codes, messages and the nested `_errors` tree.

use serde_json::{json, Map, Value};

use super::schema::Found;
pub(crate) fn type_error(expected: &str, value: &Value) -> Value {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match expected {
        "integer" => item(
            "NUMBER_TYPE_COERCE",
            &format!("Value \"{shown}\" is not int."),
        ),
        "number" => item(
            "NUMBER_TYPE_COERCE",
            &format!("Value \"{shown}\" is not a number."),
        ),
        "boolean" => item(
            "BOOLEAN_TYPE_COERCE",
            &format!("Value \"{shown}\" is not a boolean."),
        ),
        "object" => item(
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        ),
        "array" => item(
            "LIST_TYPE_CONVERT",
            "Only iterables may be used in a ListType",
        ),
        "string" => item(
            "STRING_TYPE_CONVERT",
            &format!("Could not interpret \"{shown}\" as string."),
        ),
        _ => item("BASE_TYPE_CHOICES", "Value must be null."),
    }
}

pub(crate) fn check_number(
    s: &Map<String, Value>,
    value: &Value,
    path: &[String],
    out: &mut Found,
) {
    let Some(n) = value.as_f64() else { return };
    let int = s.get("type").is_some_and(|t| {
        t == "integer" || t.as_array().is_some_and(|a| a.contains(&json!("integer")))
    });
    let kind = if int { "int" } else { "float" };
    if let Some(min) = s.get("minimum").and_then(Value::as_f64).filter(|m| n < *m) {
        out.push((
            path.to_vec(),
            item(
                "NUMBER_TYPE_MIN",
                &format!("{kind} value should be greater than or equal to {min}."),
            ),
        ));
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64).filter(|m| n > *m) {
        out.push((
            path.to_vec(),
            item(
                "NUMBER_TYPE_MAX",
                &format!("{kind} value should be less than or equal to {max}."),
            ),
        ));
    }
}

/// Equality that lets `4` and `4.0` (and a numeric string for an integer) compare equal.
pub(crate) fn same_value(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        _ => expected == actual,
    }
}

pub(crate) fn choices(options: &[Value]) -> Value {
    let list: Vec<String> = options.iter().map(Value::to_string).collect();
    item(
        "BASE_TYPE_CHOICES",
        &format!("Value must be one of {{{}}}.", list.join(", ")),
    )
}

/// The two patterns the description uses; `None` for any other (not checked).
pub(crate) fn known_pattern(pattern: &str, text: &str) -> Option<bool> {
    match pattern {
        "^(0|[1-9][0-9]*)$" => Some(
            text == "0"
                || (!text.starts_with('0')
                    && !text.is_empty()
                    && text.bytes().all(|b| b.is_ascii_digit())),
        ),
        "^#(([0-9a-fA-F]{2}){3}|([0-9a-fA-F]){3})$" => {
            let hex = text.strip_prefix('#')?;
            Some((hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        _ => None,
    }
}

pub(crate) fn item(code: &str, message: &str) -> Value {
    json!({"code": code, "message": message})
}

/// Folds flat errors into Discord's tree, e.g. `{"embeds":{"0":{"title":{"_errors":[…]}}}}`.
pub(crate) fn error_tree(found: Found) -> Value {
    let mut root = Map::new();
    for (path, err) in found {
        let mut node = &mut root;
        for seg in path {
            let entry = node.entry(seg).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else {
                unreachable!("just made an object")
            };
            node = next;
        }
        let list = node
            .entry("_errors")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            if !items.contains(&err) {
                items.push(err);
            }
        }
    }
    Value::Object(root)
}
