//! The postmortem under review: its editable sections, action items, and the review states
//! draft → in review → approved, with who may move it where. Pure: `now` comes in.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, IncidentId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Draft,
    InReview,
    Approved,
}

impl ReviewState {
    pub const ALL: [ReviewState; 3] = [Self::Draft, Self::InReview, Self::Approved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// For people: `in review`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in review",
            Self::Approved => "approved",
        }
    }
}

/// A move between review states, as the page's buttons name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Draft → in review.
    Submit,
    /// In review → approved; the reviewer is recorded.
    Approve,
    /// In review → draft, or approved → draft to edit again (unpublished only).
    Reopen,
}

impl Transition {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "submit" => Some(Self::Submit),
            "approve" => Some(Self::Approve),
            "reopen" => Some(Self::Reopen),
            _ => None,
        }
    }
}

/// A follow-up with an owner and a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub description: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
}

impl ActionItem {
    /// From form fields; a row with no description is no item; a bad date is an error.
    pub fn parse(description: &str, owner: &str, due: &str) -> Result<Option<Self>, String> {
        let description = description.trim();
        if description.is_empty() {
            return Ok(None);
        }
        let due = match due.trim() {
            "" => None,
            text => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                format!("action item “{description}”: due date `{text}` is not YYYY-MM-DD")
            })?),
        };
        Ok(Some(Self {
            description: description.chars().take(500).collect(),
            owner: owner.trim().chars().take(100).collect(),
            due,
        }))
    }
}

/// The longest a section may be, in characters.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// The sections people write; the timeline, roles, updates and metrics come from the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sections {
    pub summary: String,
    pub impact: String,
    pub contributing_factors: String,
    pub went_well: String,
    /// For the team only: never in the client's version.
    pub internal_notes: String,
    /// What the client's version says happened; the summary when empty.
    pub client_summary: String,
}

impl Sections {
    /// Trims each section and refuses one that is too long.
    pub fn checked(mut self) -> Result<Self, String> {
        for (name, text) in [
            ("summary", &mut self.summary),
            ("impact", &mut self.impact),
            ("contributing factors", &mut self.contributing_factors),
            ("what went well", &mut self.went_well),
            ("internal notes", &mut self.internal_notes),
            ("client summary", &mut self.client_summary),
        ] {
            *text = text.trim().replace("\r\n", "\n");
            if text.chars().count() > MAX_SECTION_CHARS {
                return Err(format!(
                    "{name} is longer than {MAX_SECTION_CHARS} characters"
                ));
            }
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    pub incident_id: IncidentId,
    pub client: ClientId,
    pub state: ReviewState,
    pub sections: Sections,
    pub action_items: Vec<ActionItem>,
    pub reviewer: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<UserId>,
    /// Bumped by every save, so two managers editing at once cannot overwrite each other.
    pub version: i64,
}

impl Postmortem {
    /// The draft written when the incident is resolved: its summary filled in, the rest to write.
    pub fn draft(
        incident_id: IncidentId,
        client: ClientId,
        summary: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            incident_id,
            client,
            state: ReviewState::Draft,
            sections: Sections {
                summary: summary.unwrap_or_default().to_owned(),
                ..Sections::default()
            },
            action_items: Vec::new(),
            reviewer: None,
            approved_at: None,
            published_at: None,
            created_at: now,
            updated_at: now,
            updated_by: None,
            version: 1,
        }
    }

    /// Sections and action items may change until the postmortem is approved.
    pub fn edit(
        &self,
        sections: Sections,
        action_items: Vec<ActionItem>,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Self, String> {
        if self.state == ReviewState::Approved {
            return Err("the postmortem is approved: reopen it to edit".to_owned());
        }
        Ok(Self {
            sections: sections.checked()?,
            action_items,
            updated_at: now,
            updated_by: Some(by.clone()),
            ..self.clone()
        })
    }

    /// Applies a state change, or says why it cannot happen.
    pub fn transition(
        &self,
        transition: Transition,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Self, String> {
        let mut next = Self {
            updated_at: now,
            updated_by: Some(by.clone()),
            ..self.clone()
        };
        match (self.state, transition) {
            (ReviewState::Draft, Transition::Submit) => {
                if self.sections.summary.is_empty() {
                    return Err("write a summary before submitting for review".to_owned());
                }
                next.state = ReviewState::InReview;
            }
            (ReviewState::InReview, Transition::Approve) => {
                next.state = ReviewState::Approved;
                next.reviewer = Some(by.clone());
                next.approved_at = Some(now);
            }
            (ReviewState::InReview | ReviewState::Approved, Transition::Reopen) => {
                if self.published_at.is_some() {
                    return Err(
                        "the client's version is already published; it stays approved".to_owned(),
                    );
                }
                next.state = ReviewState::Draft;
                next.reviewer = None;
                next.approved_at = None;
            }
            (state, transition) => {
                return Err(format!(
                    "a postmortem in {} cannot be {}",
                    state.label(),
                    match transition {
                        Transition::Submit => "submitted for review",
                        Transition::Approve => "approved (submit it for review first)",
                        Transition::Reopen => "reopened",
                    }
                ))
            }
        }
        Ok(next)
    }

    /// Whether the client's version may go out now.
    pub fn check_publishable(&self) -> Result<(), String> {
        match (self.state, self.published_at) {
            (ReviewState::Approved, None) => Ok(()),
            (ReviewState::Approved, Some(_)) => {
                Err("the client's version was already published".to_owned())
            }
            _ => Err("only an approved postmortem can be published to the client".to_owned()),
        }
    }
}

/// A reviewer's comment, or a note of a state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewComment {
    pub incident_id: IncidentId,
    pub author: UserId,
    pub body: String,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
