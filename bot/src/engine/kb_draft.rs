//! `/incident kb-draft`: the incident's answer, captured as a draft article for its client.

use super::{Engine, EngineError, Request, Response};
use crate::domain::{EventKind, IncidentId};
use crate::kb::{write_draft, DraftArticle};

fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(60).collect()
}

impl Engine {
    pub(super) async fn kb_draft(&self, request: &Request) -> Result<Response, EngineError> {
        let room = request.room.as_deref().ok_or(EngineError::NotInRoom {
            command: "kb-draft",
        })?;
        let stored = self
            .store
            .incident_by_room(request.platform, room)
            .await?
            .ok_or(EngineError::NotInRoom {
                command: "kb-draft",
            })?;
        let incident = stored.incident;
        let actor = self.actor(&request.user);
        if !actor.is_manager && incident.roles.roles_of(&request.user).is_empty() {
            return Err(EngineError::Unavailable(
                "only people with a role in the incident (or managers) can capture it as an article",
            ));
        }
        let draft = self.incident_draft(&incident.id).await?;
        let path = write_draft(self.knowledge.dir(), &draft).map_err(|e| {
            tracing::error!(error = %e, "cannot write a knowledge-base draft");
            EngineError::Unavailable("the draft could not be written to the knowledge base folder; tell your administrator")
        })?;
        Ok(Response::private(format!(
            "Draft article written to {} (visible to {} only). Review it, then move it out of drafts/ to publish it.",
            path.display(),
            draft.client
        )))
    }

    async fn incident_draft(&self, id: &IncidentId) -> Result<DraftArticle, EngineError> {
        let stored = self
            .store
            .incident(id)
            .await?
            .ok_or(EngineError::NotInRoom {
                command: "kb-draft",
            })?;
        let incident = stored.incident;
        let timeline = self.store.timeline(id).await?;
        let updates: Vec<String> = timeline
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::UpdatePublished { message, .. } => Some(format!("- {message}")),
                _ => None,
            })
            .collect();
        let body = format!(
            "## Symptoms\n\n{title}\n\n## What we told the client\n\n{updates}\n\n## Resolution\n\n{resolution}\n\n\
             ## Steps for next time\n\nWrite the steps that fixed it here before publishing.\n",
            title = incident.title,
            updates = if updates.is_empty() { "- (no client updates were published)".to_owned() } else { updates.join("\n") },
            resolution = incident.summary.clone().unwrap_or_else(|| "Not recorded yet: the incident is not resolved or had no summary.".to_owned()),
        );
        Ok(DraftArticle {
            slug: format!("{}-{}", incident.client, slug(&incident.title)),
            title: incident.title.clone(),
            client: incident.client.to_string(),
            tags: vec![
                "incident".to_owned(),
                incident.id.to_string().to_lowercase(),
            ],
            body,
        })
    }
}
