//! The correct form of every command, shown with each parse error and by `/incident help`.

pub const HELP_TEXT: &str = "\
/incident declare <P1|P2|P3|P4> <client-id> <title…>   open an incident and its room
/incident assign <commander|comms|ops|scribe|sme> <@user>
/incident update <text…>          publish a client status update now (comms lead or commander)
/incident status                  state, roles, severity, next update due
/incident severity <P1..P4>       (commander) re-rate the incident
/incident stage <investigating|identified|monitoring>
/incident resolve [summary…] [--client \"…\"]  (commander) close; the client hears the summary or the --client text
/incident review                  (managers) a sign-in link to the review pages
/incident kb-draft                turn this incident's answer into a draft KB article
/incident answer <TKT-…> <article>  close a ticket with the article that answered it
/incident help                    this list
/help <question…>                 level-1 help from the knowledge base";

/// The usage line for a subcommand (`""` for the command list).
pub fn usage_of(subcommand: &str) -> &'static str {
    match subcommand {
        "declare" => "/incident declare <P1|P2|P3|P4> <client-id> <title…>",
        "assign" => "/incident assign <commander|comms|ops|scribe|sme> <@user>",
        "update" => "/incident update <text…>",
        "status" => "/incident status",
        "severity" => "/incident severity <P1|P2|P3|P4>",
        "stage" => "/incident stage <investigating|identified|monitoring> [--tell-client]",
        "resolve" => "/incident resolve [summary…] [--client \"text for the client\"]",
        "review" => "/incident review",
        "kb-draft" => "/incident kb-draft",
        "answer" => "/incident answer <TKT-0004> <article-slug>",
        "/help" => "/help <question…>",
        _ => {
            "/incident <declare|assign|update|status|severity|stage|resolve|review|kb-draft|answer|help> …"
        }
    }
}
