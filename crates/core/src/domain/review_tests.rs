//! Unit tests of the postmortem review states, edits and action items.

use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn maria() -> UserId {
    UserId::new("console:maria")
}

fn draft() -> Postmortem {
    Postmortem::draft(
        IncidentId::new(2026, 1),
        ClientId::parse("acme").unwrap(),
        Some("Mail relay certificate expired"),
        now(),
    )
}

#[test]
fn a_postmortem_goes_from_draft_through_review_to_approved() {
    let submitted = draft()
        .transition(Transition::Submit, &maria(), now())
        .unwrap();
    assert_eq!(submitted.state, ReviewState::InReview);
    let approved = submitted
        .transition(Transition::Approve, &maria(), now())
        .unwrap();
    assert_eq!(approved.state, ReviewState::Approved);
    assert_eq!(approved.reviewer, Some(maria()));
    assert_eq!(approved.approved_at, Some(now()));
    assert!(approved.check_publishable().is_ok());
    let reopened = approved
        .transition(Transition::Reopen, &maria(), now())
        .unwrap();
    assert_eq!(reopened.state, ReviewState::Draft);
    assert_eq!(reopened.reviewer, None);
}

#[test]
fn states_cannot_be_skipped_and_say_why() {
    let error = draft()
        .transition(Transition::Approve, &maria(), now())
        .unwrap_err();
    assert!(error.contains("submit it for review first"), "{error}");
    let mut empty = draft();
    empty.sections.summary.clear();
    let error = empty
        .transition(Transition::Submit, &maria(), now())
        .unwrap_err();
    assert!(error.contains("summary"), "{error}");
    assert!(draft().check_publishable().is_err());
}

#[test]
fn an_approved_postmortem_is_locked_and_a_published_one_stays_approved() {
    let approved = draft()
        .transition(Transition::Submit, &maria(), now())
        .and_then(|p| p.transition(Transition::Approve, &maria(), now()))
        .unwrap();
    assert!(approved
        .edit(Sections::default(), vec![], &maria(), now())
        .unwrap_err()
        .contains("reopen"));
    let published = Postmortem {
        published_at: Some(now()),
        ..approved
    };
    assert!(published
        .check_publishable()
        .unwrap_err()
        .contains("already"));
    assert!(published
        .transition(Transition::Reopen, &maria(), now())
        .is_err());
}

#[test]
fn edits_trim_sections_and_refuse_overlong_ones() {
    let sections = Sections {
        summary: "  Expired certificate \r\n".into(),
        ..Sections::default()
    };
    let edited = draft().edit(sections, vec![], &maria(), now()).unwrap();
    assert_eq!(edited.sections.summary, "Expired certificate");
    assert_eq!(edited.updated_by, Some(maria()));
    let long = Sections {
        impact: "x".repeat(MAX_SECTION_CHARS + 1),
        ..Sections::default()
    };
    assert!(draft().edit(long, vec![], &maria(), now()).is_err());
}

#[test]
fn action_items_parse_from_form_rows() {
    let item = ActionItem::parse(" Renew certs automatically ", "bob", "2026-12-01")
        .unwrap()
        .unwrap();
    assert_eq!(item.description, "Renew certs automatically");
    assert_eq!(item.due, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(ActionItem::parse("  ", "bob", "").unwrap(), None);
    assert!(ActionItem::parse("Fix", "bob", "1 Dec").is_err());
    assert_eq!(ActionItem::parse("Fix", "", "").unwrap().unwrap().due, None);
}

#[test]
fn review_states_round_trip_through_their_names() {
    for state in ReviewState::ALL {
        assert_eq!(ReviewState::parse(state.as_str()), Some(state));
    }
    assert_eq!(ReviewState::parse("done"), None);
    assert_eq!(Transition::parse("approve"), Some(Transition::Approve));
    assert_eq!(Transition::parse("delete"), None);
}
