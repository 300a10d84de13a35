//! A JSON Schema (OpenAPI 3.1 dialect) validator for the keywords Discord's API description
//! uses, reporting errors in Discord's own nested `{"field":{"_errors":[…]}}` shape.
//!
//! Live Discord coerces some values the description types strictly; the validator follows the
//! live behaviour: integer fields take numeric strings (permissions are sent as strings), and
//! snowflake fields take integers. `oneOf` is checked as a discriminated union (at least one
//! branch must hold), which is how Discord marks its unions (`x-discord-union`).

use serde_json::{json, Map, Value};

use super::schema_errors::{
    check_number, choices, error_tree, item, known_pattern, same_value, type_error,
};

/// One error: where it is (property names and array indexes) and Discord's code and message.
pub(crate) type Found = Vec<(Vec<String>, Value)>;

/// Validates values against schemas that may `$ref` into `root` (the whole API description).
pub(crate) struct Validator<'a> {
    root: &'a Value,
}

impl<'a> Validator<'a> {
    pub(crate) fn new(root: &'a Value) -> Self {
        Validator { root }
    }

    /// `None` when `value` satisfies `schema`; otherwise Discord's `errors` tree.
    pub(crate) fn validate(&self, schema: &Value, value: &Value) -> Option<Value> {
        let mut found = Found::new();
        self.check(schema, value, &mut Vec::new(), &mut found);
        (!found.is_empty()).then(|| error_tree(found))
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        self.root.pointer(reference.strip_prefix('#')?)
    }

    fn check(&self, schema: &Value, value: &Value, path: &mut Vec<String>, out: &mut Found) {
        let Some(s) = schema.as_object() else { return };
        if let Some(target) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.check(target, value, path, out);
        }
        if let Some(types) = s.get("type") {
            let types: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if value.is_null() && types.contains(&"null") {
                return;
            }
            let snowflake = s.get("format").and_then(Value::as_str) == Some("snowflake");
            if !types.iter().any(|t| type_matches(t, value, snowflake)) {
                let first = types
                    .iter()
                    .find(|t| **t != "null")
                    .copied()
                    .unwrap_or("null");
                out.push((path.clone(), type_error(first, value)));
                return;
            }
        }
        if let Some(c) = s.get("const") {
            if !same_value(c, value) {
                out.push((path.clone(), choices(std::slice::from_ref(c))));
            }
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.iter().any(|o| same_value(o, value)) {
                out.push((path.clone(), choices(options)));
            }
        }
        match value {
            Value::String(text) => self.check_string(s, text, path, out),
            Value::Number(_) => check_number(s, value, path, out),
            Value::Array(items) => self.check_array(s, items, path, out),
            Value::Object(fields) => self.check_object(s, fields, path, out),
            _ => {}
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            for part in parts {
                self.check(part, value, path, out);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                self.check_union(branches, value, path, out);
            }
        }
    }

    fn check_string(&self, s: &Map<String, Value>, text: &str, path: &[String], out: &mut Found) {
        if s.get("type").is_some_and(|t| {
            t == "integer" || t.as_array().is_some_and(|a| a.contains(&json!("integer")))
        }) {
            return; // a numeric string coerced to an integer
        }
        let len = text.chars().count() as u64;
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0);
        let max = s.get("maxLength").and_then(Value::as_u64);
        if len < min || max.is_some_and(|m| len > m) {
            let message = match max {
                Some(m) if min > 0 => format!("Must be between {min} and {m} in length."),
                Some(m) => format!("Must be {m} or fewer in length."),
                None => format!("Must be {min} or more in length."),
            };
            let code = if len < min {
                "BASE_TYPE_MIN_LENGTH"
            } else {
                "BASE_TYPE_MAX_LENGTH"
            };
            out.push((path.to_vec(), item(code, &message)));
        }
        if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
            if let Some(false) = known_pattern(pattern, text) {
                let message = if pattern.starts_with("^(0|[1-9]") {
                    format!("Value \"{text}\" is not snowflake.")
                } else {
                    format!("String value did not match validation regex {pattern}.")
                };
                let code = if pattern.starts_with("^(0|[1-9]") {
                    "NUMBER_TYPE_COERCE"
                } else {
                    "STRING_TYPE_REGEX"
                };
                out.push((path.to_vec(), item(code, &message)));
            }
        }
    }

    fn check_array(
        &self,
        s: &Map<String, Value>,
        items: &[Value],
        path: &mut Vec<String>,
        out: &mut Found,
    ) {
        let len = items.len() as u64;
        if let Some(max) = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .filter(|m| len > *m)
        {
            out.push((
                path.clone(),
                item(
                    "BASE_TYPE_MAX_LENGTH",
                    &format!("Must be {max} or fewer in length."),
                ),
            ));
        }
        if let Some(min) = s
            .get("minItems")
            .and_then(Value::as_u64)
            .filter(|m| len < *m)
        {
            out.push((
                path.clone(),
                item(
                    "BASE_TYPE_MIN_LENGTH",
                    &format!("Must be {min} or more in length."),
                ),
            ));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if items[..i].contains(a) {
                    path.push(i.to_string());
                    out.push((
                        path.clone(),
                        item(
                            "ARRAY_ITEM_VALUE_ALREADY_EXISTS",
                            "The specified item already exists in the array.",
                        ),
                    ));
                    path.pop();
                }
            }
        }
        if let Some(schema) = s.get("items") {
            for (i, v) in items.iter().enumerate() {
                path.push(i.to_string());
                self.check(schema, v, path, out);
                path.pop();
            }
        }
    }

    fn check_object(
        &self,
        s: &Map<String, Value>,
        fields: &Map<String, Value>,
        path: &mut Vec<String>,
        out: &mut Found,
    ) {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = s.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    path.push(name.to_string());
                    out.push((
                        path.clone(),
                        item("BASE_TYPE_REQUIRED", "This field is required"),
                    ));
                    path.pop();
                }
            }
        }
        if let Some(max) = s
            .get("maxProperties")
            .and_then(Value::as_u64)
            .filter(|m| fields.len() as u64 > *m)
        {
            out.push((
                path.clone(),
                item(
                    "BASE_TYPE_MAX_LENGTH",
                    &format!("Must be {max} or fewer in length."),
                ),
            ));
        }
        for (name, v) in fields {
            path.push(name.clone());
            match (
                props.and_then(|p| p.get(name)),
                s.get("additionalProperties"),
            ) {
                (Some(schema), _) => self.check(schema, v, path, out),
                (None, Some(Value::Bool(false))) => {
                    out.push((
                        path.clone(),
                        item("UNKNOWN_FIELD", "This field is not allowed"),
                    ));
                }
                (None, Some(schema @ Value::Object(_))) => self.check(schema, v, path, out),
                (None, _) => {}
            }
            path.pop();
        }
    }

    fn check_union(
        &self,
        branches: &[Value],
        value: &Value,
        path: &mut Vec<String>,
        out: &mut Found,
    ) {
        let mut results = Vec::with_capacity(branches.len());
        for branch in branches {
            let mut found = Found::new();
            self.check(branch, value, path, &mut found);
            if found.is_empty() {
                return;
            }
            results.push((branch, found));
        }
        // Report the branch the value most likely meant: one whose `type` discriminator it
        // satisfies, never a bare `{"type":"null"}` for a non-null value, then fewest errors.
        let discriminated = |b: &Value| -> bool {
            let (Some(kind), Some(schema)) = (value.get("type"), self.property_schema(b, "type"))
            else {
                return false;
            };
            let mut f = Found::new();
            self.check(schema, kind, &mut Vec::new(), &mut f);
            f.is_empty()
        };
        let is_null_only = |b: &Value| b.get("type") == Some(&json!("null"));
        let best = results
            .iter()
            .filter(|(b, _)| !is_null_only(b) || value.is_null())
            .min_by_key(|(b, f)| (!discriminated(b), f.len()))
            .or_else(|| results.first());
        if let Some((_, found)) = best {
            out.extend(found.iter().cloned());
        }
    }

    fn property_schema(&self, schema: &'a Value, name: &str) -> Option<&'a Value> {
        let mut s = schema;
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = self.resolve(r)?;
        }
        s.get("properties")?.get(name)
    }
}

fn type_matches(t: &str, value: &Value, snowflake: bool) -> bool {
    match (t, value) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("object", Value::Object(_)) => true,
        ("array", Value::Array(_)) => true,
        ("string", Value::String(_)) => true,
        ("string", Value::Number(n)) => snowflake && n.is_u64(),
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        ("integer", Value::String(s)) => s.parse::<i64>().is_ok() || s.parse::<u64>().is_ok(),
        ("number", Value::String(s)) => s.parse::<f64>().is_ok(),
        _ => false,
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
