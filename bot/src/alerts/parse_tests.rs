use super::*;

const ALERTMANAGER: &str = include_str!("../../tests/it/fixtures/alerts/alertmanager.json");
const GRAFANA: &str = include_str!("../../tests/it/fixtures/alerts/grafana.json");

#[test]
fn alertmanager_webhooks_are_read() {
    let alerts = parse(ALERTMANAGER.as_bytes()).unwrap();
    assert_eq!(
        alerts,
        vec![Alert {
            fingerprint: "c4e7a1b2d3f40516".into(),
            title: "Exchange Online MX does not answer".into(),
            severity: "critical".into(),
            firing: true,
            source: "Alertmanager".into(),
            link: Some("https://wiki.msp.example/runbooks/mx".into()),
        }]
    );
}

#[test]
fn grafana_webhooks_are_read() {
    let alerts = parse(GRAFANA.as_bytes()).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].source, "Grafana");
    assert_eq!(alerts[0].fingerprint, "9f1e2d3c4b5a6978");
    assert_eq!(
        alerts[0].title,
        "The Acme VPN gateway has not answered for 5 minutes"
    );
    assert_eq!(
        alerts[0].link.as_deref(),
        Some("https://grafana.msp.example/d/vpn")
    );
}

#[test]
fn the_plain_form_is_read_and_resolved_is_not_firing() {
    let alerts = parse(
        br#"{"title":"Backups failed","severity":"Warning","status":"resolved","fingerprint":"backup-acme","source":"RMM","extra":1}"#,
    )
    .unwrap();
    assert_eq!(alerts[0].severity, "warning");
    assert!(!alerts[0].firing);
    assert_eq!(alerts[0].source, "RMM");
}

#[test]
fn a_missing_or_bad_field_is_named() {
    let missing = parse(br#"{"title":"x","severity":"critical","status":"firing","source":"RMM"}"#);
    assert!(
        matches!(&missing, Err(AlertParseError::Invalid { message, .. }) if message.contains("fingerprint")),
        "{missing:?}"
    );
    let no_labels = parse(br#"{"version":"4","alerts":[{"status":"firing"}]}"#);
    assert!(
        matches!(&no_labels, Err(AlertParseError::Invalid { field, message }) if field == "alerts[0]" && message.contains("labels")),
        "{no_labels:?}"
    );
    let status = parse(br#"{"version":"4","alerts":[{"status":"burning","labels":{}}]}"#);
    assert_eq!(
        status,
        Err(AlertParseError::Invalid {
            field: "alerts[0].status".into(),
            message: "`burning` is not `firing` or `resolved`".into()
        })
    );
    assert!(matches!(
        parse(b"not json"),
        Err(AlertParseError::NotJson(_))
    ));
    assert!(parse(b"[1,2]").is_err());
}

#[test]
fn alerts_without_a_fingerprint_are_grouped_by_their_labels() {
    let body = |instance: &str| {
        format!(
            r#"{{"version":"4","alerts":[{{"status":"firing","labels":{{"alertname":"Down","instance":"{instance}"}}}}]}}"#
        )
    };
    let a = parse(body("a").as_bytes()).unwrap();
    let again = parse(body("a").as_bytes()).unwrap();
    let b = parse(body("b").as_bytes()).unwrap();
    assert_eq!(a[0].fingerprint, again[0].fingerprint);
    assert_ne!(a[0].fingerprint, b[0].fingerprint);
    assert_eq!(a[0].title, "Down");
}
