//! Interactions: the signed `POST /discord/interactions` endpoint, and the one handler it and the
//! gateway share. Every interaction is answered within Discord's 3 seconds: directly when the
//! work is done within [`ACK_BUDGET`], else deferred (type 5) and finished with a follow-up.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use serenity::all::Interaction;
use serenity::http::{LightMethod, Route};
use tracing::{info, instrument, warn, Instrument};

use super::responses;
use super::{signature, slash, Inbound, ACK_BUDGET};
use crate::effects::Action;

/// How long a follow-up may wait out rate limits (the interaction token lives 15 minutes).
const FOLLOW_UP_PATIENCE: Duration = Duration::from_secs(30);
/// Discord's "Unknown Webhook": the interaction's acknowledgement has not been taken in (yet).
const UNKNOWN_WEBHOOK: i64 = 10015;
const UNKNOWN_RETRIES: u32 = 4;

pub(super) fn router(inbound: Arc<Inbound>) -> Router {
    Router::new()
        .route("/discord/interactions", post(endpoint))
        .with_state(inbound)
}

/// Verifies the signature before anything else; a refused request changes nothing.
async fn endpoint(
    State(inbound): State<Arc<Inbound>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = inbound.engine.clock().now();
    if let Err(error) = signature::verify(
        &inbound.public_key,
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        now,
    ) {
        info!(%error, "Discord interaction refused");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    // Typed as serenity reads it: a signed body that is not one of Discord's interactions (a
    // field Discord always sends missing, a type it does not have) is refused, nothing stored.
    let interaction = match serde_json::from_slice::<Interaction>(&body) {
        Ok(interaction) => interaction,
        Err(error) if error.is_syntax() || error.is_eof() => {
            return (StatusCode::BAD_REQUEST, "the body is not JSON").into_response()
        }
        Err(error) => {
            info!(%error, "a signed body that is not a Discord interaction");
            let message = format!("the body is not a Discord interaction: {error}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let acknowledgement = acknowledge(&inbound, interaction).await;
    if let Some(then) = acknowledgement.then {
        tokio::spawn(then);
    }
    Json(acknowledgement.body).into_response()
}

/// What became of an interaction.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    Message {
        text: String,
        ephemeral: bool,
    },
    /// A form to show; `instead` is said when it is too late to show one.
    Form {
        form: Value,
        instead: String,
    },
    /// The interaction id was handled before (a gateway replay).
    Duplicate,
    /// A private answer with buttons (level-1 triage suggestions).
    Offer {
        text: String,
        actions: Vec<Action>,
    },
}

type Later = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The first answer, and the follow-up to run once it has been given (if the work was deferred).
pub(super) struct Acknowledgement {
    pub body: Value,
    pub then: Option<Later>,
    pub duplicate: bool,
}

/// `/incident status` answers the room; everything else answers the person.
fn answers_room(interaction: &Interaction) -> bool {
    matches!(interaction, Interaction::Command(command)
        if command.data.name == "incident" && slash::subcommand(&command.data) == Some("status"))
}

#[instrument(skip_all, fields(interaction = %interaction.id(), kind = ?interaction.kind()))]
pub(super) async fn acknowledge(
    inbound: &Arc<Inbound>,
    interaction: Interaction,
) -> Acknowledgement {
    if let Interaction::Ping(_) = interaction {
        return Acknowledgement {
            body: responses::pong(),
            then: None,
            duplicate: false,
        };
    }
    let token = interaction.token().to_owned();
    let private = !answers_room(&interaction);
    let mut work =
        tokio::spawn(super::dispatch::outcome(inbound.clone(), interaction).in_current_span());
    match tokio::time::timeout(ACK_BUDGET, &mut work).await {
        Ok(joined) => {
            let outcome = settled(joined);
            Acknowledgement {
                duplicate: outcome == Outcome::Duplicate,
                body: first_answer(outcome),
                then: None,
            }
        }
        Err(_) => {
            info!("the answer takes longer than the budget: deferred");
            let rest = inbound.rest.clone();
            let then = async move {
                let outcome = settled(work.await);
                if let Err(error) = follow_up(&rest, &token, outcome, private).await {
                    warn!(%error, "the deferred answer could not be sent");
                }
            };
            Acknowledgement {
                body: responses::deferred(private),
                then: Some(Box::pin(then.in_current_span())),
                duplicate: false,
            }
        }
    }
}

fn settled(joined: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    joined.unwrap_or_else(|error| {
        warn!(%error, "handling an interaction failed");
        Outcome::Message {
            text: "Command Post failed while handling that. Check `/incident status` before trying again.".into(),
            ephemeral: true,
        }
    })
}

fn first_answer(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Message { text, ephemeral } => responses::message(&text, ephemeral, &[]),
        Outcome::Form { form, .. } => responses::form(form),
        Outcome::Offer { text, actions } => responses::message(&text, true, &actions),
        Outcome::Duplicate => responses::message("That was already handled.", true, &[]),
    }
}

/// Finishes a deferred answer: edits the "thinking…" message, or replaces it when the answer's
/// visibility differs from the one chosen when deferring.
async fn follow_up(
    rest: &super::DiscordRest,
    token: &str,
    outcome: Outcome,
    deferred_private: bool,
) -> Result<(), super::RestError> {
    let application_id = rest.application_id();
    let original = || Route::WebhookOriginalInteractionResponse {
        application_id,
        token,
    };
    let (text, actions, ephemeral) = match outcome {
        Outcome::Message { text, ephemeral } => (text, Vec::new(), ephemeral),
        Outcome::Offer { text, actions } => (text, actions, true),
        Outcome::Form { instead, .. } => (instead, Vec::new(), true),
        Outcome::Duplicate => {
            return rest
                .call_patiently(
                    "delete deferred answer",
                    original,
                    LightMethod::Delete,
                    None,
                    FOLLOW_UP_PATIENCE,
                )
                .await
                .map(drop)
        }
    };
    if ephemeral == deferred_private {
        let body = responses::edit(&text, &actions);
        // Discord may not have taken in the deferral yet when the work finished just after it.
        for attempt in 1..=UNKNOWN_RETRIES {
            let edited = rest
                .call_patiently(
                    "edit deferred answer",
                    original,
                    LightMethod::Patch,
                    Some(&body),
                    FOLLOW_UP_PATIENCE,
                )
                .await;
            match edited {
                Err(error)
                    if error.code() == Some(UNKNOWN_WEBHOOK) && attempt < UNKNOWN_RETRIES =>
                {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                other => return other.map(drop),
            }
        }
        return Ok(());
    }
    let followups = || Route::WebhookFollowupMessages {
        application_id,
        token,
    };
    rest.call_patiently(
        "follow-up answer",
        followups,
        LightMethod::Post,
        Some(&responses::follow_up(&text, ephemeral, &actions)),
        FOLLOW_UP_PATIENCE,
    )
    .await?;
    rest.call_patiently(
        "delete deferred answer",
        original,
        LightMethod::Delete,
        None,
        FOLLOW_UP_PATIENCE,
    )
    .await
    .map(drop)
}

/// An interaction that arrived over the gateway: answered through the callback endpoint.
pub(super) async fn answer_by_callback(inbound: Arc<Inbound>, interaction: Interaction) {
    let (id, token) = (interaction.id(), interaction.token().to_owned());
    let acknowledgement = acknowledge(&inbound, interaction).await;
    if acknowledgement.duplicate {
        return;
    }
    let route = || Route::InteractionResponse {
        interaction_id: id,
        token: &token,
    };
    let answered = inbound
        .rest
        .call_patiently(
            "answer interaction",
            route,
            LightMethod::Post,
            Some(&acknowledgement.body),
            ACK_BUDGET,
        )
        .await;
    match answered {
        Ok(_) => {
            if let Some(then) = acknowledgement.then {
                then.await;
            }
        }
        Err(error) => warn!(%error, "the interaction could not be answered"),
    }
}
