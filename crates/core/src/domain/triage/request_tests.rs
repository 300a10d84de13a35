//! The triage request rules: who may take each step, and from which state.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::ids::{ClientId, UserId};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn request(outcome: TriageOutcome) -> TriageRequest {
    TriageRequest {
        id: 7,
        client: ClientId::parse("acme").unwrap(),
        asker: UserId::new("U-ASKER"),
        platform: "slack".into(),
        channel: "C-SUPPORT".into(),
        question: "vpn keeps dropping".into(),
        suggestions: vec!["vpn-reconnect".into()],
        created_at: t0(),
        outcome,
        resolved_at: None,
        escalated_at: None,
        taken_by: None,
        taken_at: None,
        alerted: false,
        incident_id: None,
        answer_article: None,
    }
}

fn asker() -> UserId {
    UserId::new("U-ASKER")
}

fn responder() -> UserId {
    UserId::new("U-DESK")
}

#[test]
fn only_the_asker_solves_or_escalates_and_only_while_suggested() {
    let suggested = request(TriageOutcome::Suggested);
    assert_eq!(
        suggested.solve(&asker(), t0()),
        Ok(TriageChange::Solve { at: t0() })
    );
    assert_eq!(
        suggested.escalate(&asker(), t0()),
        Ok(TriageChange::Escalate { at: t0() })
    );
    assert_eq!(
        suggested.solve(&responder(), t0()),
        Err(TriageRefusal::NotTheAsker)
    );
    assert_eq!(
        suggested.escalate(&responder(), t0()),
        Err(TriageRefusal::NotTheAsker)
    );
    for closed in [
        TriageOutcome::Solved,
        TriageOutcome::Escalated,
        TriageOutcome::Incident,
        TriageOutcome::Answered,
    ] {
        assert_eq!(
            request(closed).solve(&asker(), t0()),
            Err(TriageRefusal::NoLongerSuggested),
            "{closed:?}"
        );
    }
}

#[test]
fn a_ticket_is_taken_once() {
    let mut ticket = request(TriageOutcome::Escalated);
    assert_eq!(
        ticket.take(&responder(), t0()),
        Ok(TriageChange::Take {
            by: responder(),
            at: t0()
        })
    );
    ticket.taken_by = Some(responder());
    assert_eq!(
        ticket.take(&responder(), t0()),
        Err(TriageRefusal::AlreadyYours)
    );
    assert_eq!(
        ticket.take(&UserId::new("U-OTHER"), t0()),
        Err(TriageRefusal::TakenBySomeoneElse)
    );
    assert!(matches!(
        request(TriageOutcome::Suggested).take(&responder(), t0()),
        Err(TriageRefusal::NotAnOpenTicket(_))
    ));
}

#[test]
fn an_open_ticket_is_answered_once_taken_or_not() {
    let untaken = request(TriageOutcome::Escalated);
    let change = untaken.answer(&responder(), "vpn-reconnect", t0()).unwrap();
    assert_eq!(
        change,
        TriageChange::Answer {
            by: responder(),
            article: "vpn-reconnect".into(),
            at: t0()
        }
    );
    let mut taken = request(TriageOutcome::Escalated);
    taken.taken_by = Some(UserId::new("U-OTHER"));
    assert!(taken.answer(&responder(), "vpn-reconnect", t0()).is_ok());
    for closed in [
        TriageOutcome::Suggested,
        TriageOutcome::Solved,
        TriageOutcome::Incident,
        TriageOutcome::Answered,
    ] {
        assert!(
            matches!(
                request(closed).answer(&responder(), "vpn-reconnect", t0()),
                Err(TriageRefusal::NotAnOpenTicket(_))
            ),
            "{closed:?}"
        );
    }
}

#[test]
fn each_change_names_the_state_it_needs() {
    let at = t0();
    let by = responder();
    assert_eq!(
        TriageChange::Solve { at }.requires(),
        TriageState {
            outcome: TriageOutcome::Suggested,
            untaken: false
        }
    );
    assert_eq!(
        TriageChange::Take { by: by.clone(), at }.requires(),
        TriageState {
            outcome: TriageOutcome::Escalated,
            untaken: true
        }
    );
    assert_eq!(
        TriageChange::Answer {
            by,
            article: "a".into(),
            at
        }
        .requires(),
        TriageState {
            outcome: TriageOutcome::Escalated,
            untaken: false
        }
    );
}

#[test]
fn outcomes_round_trip_through_their_stored_names() {
    for outcome in [
        TriageOutcome::Suggested,
        TriageOutcome::Solved,
        TriageOutcome::Escalated,
        TriageOutcome::Incident,
        TriageOutcome::Answered,
    ] {
        assert_eq!(TriageOutcome::parse(outcome.as_str()), Some(outcome));
    }
    assert_eq!(TriageOutcome::parse("closed"), None);
}

#[test]
fn solving_and_answering_teach_the_article_escalating_and_taking_do_not() {
    let suggested = request(TriageOutcome::Suggested);
    let solve = suggested.solve(&asker(), t0()).unwrap();
    assert_eq!(solve.lesson(&suggested), Some("vpn-reconnect"));
    let mut nothing_offered = request(TriageOutcome::Suggested);
    nothing_offered.suggestions.clear();
    assert_eq!(solve.lesson(&nothing_offered), None);
    let ticket = request(TriageOutcome::Escalated);
    let answer = ticket.answer(&responder(), "split-tunnel", t0()).unwrap();
    assert_eq!(answer.lesson(&ticket), Some("split-tunnel"));
    assert_eq!(
        suggested
            .escalate(&asker(), t0())
            .unwrap()
            .lesson(&suggested),
        None
    );
    assert_eq!(
        ticket.take(&responder(), t0()).unwrap().lesson(&ticket),
        None
    );
}
