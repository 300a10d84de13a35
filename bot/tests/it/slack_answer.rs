//! `/incident answer` typed in Slack: a responder closes an escalated ticket with an article its
//! client can read, the asker hears which article answered it in their support channel, and
//! another client's article is refused without naming that client.

use crate::slack_support::*;
use crate::slack_triage::{posts, start, text};
use commandpost::domain::triage::TriageOutcome;

#[tokio::test]
async fn a_responder_answers_a_ticket_with_an_article_and_the_asker_hears_it() {
    let t = start(false).await;
    let asked = t
        .help(
            ALICE,
            ACME_SUPPORT,
            "the flux capacitor makes a grinding noise",
        )
        .await;
    assert!(text(&asked).contains("TKT-0001"), "{asked}");
    t.h.app.settle().await;

    let refused =
        t.h.slash(
            "/incident",
            BOB,
            ONCALL,
            "answer TKT-0001 globex-sap-portal",
        )
        .await;
    assert_eq!(refused["response_type"], "ephemeral", "{refused}");
    assert!(
        text(&refused).contains("only be answered with an article its client can read"),
        "{refused}"
    );
    assert!(!text(&refused).contains("Globex"), "{refused}");

    let answered =
        t.h.slash(
            "/incident",
            BOB,
            ONCALL,
            "answer TKT-0001 acme-citrix-gateway",
        )
        .await;
    assert!(
        text(&answered).contains("is answered with `acme-citrix-gateway`"),
        "{answered}"
    );
    t.h.app.settle().await;
    let told = posts(&t, ACME_SUPPORT);
    assert!(
        told.iter()
            .any(|(said, _)| said.contains("<@U0ALICE> your request")
                && said.contains("was answered: *Acme Citrix gateway login*")),
        "{told:?}"
    );
    assert_eq!(t.outcome("1").await.outcome, TriageOutcome::Answered);
    t.done();
}
