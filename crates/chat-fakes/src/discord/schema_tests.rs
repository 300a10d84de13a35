//! Unit tests of the schema validator.

use super::*;

fn root() -> Value {
    json!({"components": {"schemas": {
        "Snowflake": {"type": "string", "pattern": "^(0|[1-9][0-9]*)$", "format": "snowflake"},
        "Thing": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 5},
            "kind": {"type": "integer", "enum": [0, 4]},
            "parent": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Snowflake"}]},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 2}
        }}
    }}})
}

#[test]
fn accepts_valid_and_coerced_values() {
    let root = root();
    let v = Validator::new(&root);
    let schema = json!({"$ref": "#/components/schemas/Thing"});
    assert_eq!(
        v.validate(
            &schema,
            &json!({"name": "abc", "kind": "4", "parent": 123, "tags": null})
        ),
        None
    );
    assert_eq!(
        v.validate(&schema, &json!({"name": "abc", "parent": null})),
        None
    );
}

#[test]
fn reports_in_discord_shape() {
    let root = root();
    let v = Validator::new(&root);
    let schema = json!({"$ref": "#/components/schemas/Thing"});
    let errors = v
        .validate(
            &schema,
            &json!({"kind": 2, "parent": "x1", "tags": ["a", 1, "c"], "extra": true}),
        )
        .unwrap();
    assert_eq!(errors["name"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
    assert_eq!(errors["kind"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
    assert_eq!(errors["parent"]["_errors"][0]["code"], "NUMBER_TYPE_COERCE");
    assert_eq!(errors["tags"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    assert_eq!(
        errors["tags"]["1"]["_errors"][0]["code"],
        "STRING_TYPE_CONVERT"
    );
    assert_eq!(errors["extra"]["_errors"][0]["code"], "UNKNOWN_FIELD");
}
