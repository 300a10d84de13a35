//! How console lines look: a timestamp, where the line belongs, and colour on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use chrono_tz::Tz;
use owo_colors::{OwoColorize, Style};

use crate::clock::Clock;
use crate::effects::MessageKind;

pub struct ConsoleOutput {
    writer: Mutex<Box<dyn Write + Send>>,
    colour: bool,
    tz: Tz,
    clock: std::sync::Arc<dyn Clock>,
}

/// `<@console:alice>` → `@alice`; other platforms' ids are shown as they are.
pub fn plain_mentions(text: &str) -> String {
    crate::domain::ids::rewrite_mentions(text, |id| {
        format!("@{}", id.strip_prefix("console:").unwrap_or(id))
    })
}

impl ConsoleOutput {
    pub fn stdout(tz: Tz, clock: std::sync::Arc<dyn Clock>) -> Self {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self::new(Box::new(std::io::stdout()), colour, tz, clock)
    }

    pub fn new(
        writer: Box<dyn Write + Send>,
        colour: bool,
        tz: Tz,
        clock: std::sync::Arc<dyn Clock>,
    ) -> Self {
        Self {
            writer: Mutex::new(writer),
            colour,
            tz,
            clock,
        }
    }

    fn paint(&self, text: &str, style: Style) -> String {
        if self.colour {
            text.style(style).to_string()
        } else {
            text.to_owned()
        }
    }

    /// Slack-style `*bold*` becomes terminal bold (or plain text in a pipe).
    fn emphasise(&self, text: &str) -> String {
        let parts: Vec<&str> = text.split('*').collect();
        if parts.len() < 3 || parts.len() % 2 == 0 {
            return text.to_owned();
        }
        parts
            .iter()
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 {
                    self.paint(part, Style::new().bold())
                } else {
                    (*part).to_owned()
                }
            })
            .collect()
    }

    fn line(&self, place: &str, place_style: Style, text: &str) {
        let time = self
            .clock
            .now()
            .with_timezone(&self.tz)
            .format("%H:%M:%S")
            .to_string();
        let text = self.emphasise(&crate::client_text::unescape(&plain_mentions(text)));
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        let indent = " ".repeat(time.len() + place.chars().count() + 4);
        let mut block = format!(
            "{} {} │ {first}\n",
            self.paint(&time, Style::new().dimmed()),
            self.paint(place, place_style)
        );
        for line in lines {
            block.push_str(&format!("{indent}│ {line}\n"));
        }
        self.write(&block);
    }

    pub fn write(&self, text: &str) {
        if let Ok(mut writer) = self.writer.lock() {
            let _ = writer.write_all(text.as_bytes());
            let _ = writer.flush();
        }
    }

    pub fn room_opened(&self, room: &str, brief: &str) {
        self.line(
            &format!("#{room}"),
            Style::new().cyan().bold(),
            &format!("── room opened; brief pinned ──\n{brief}"),
        );
    }

    pub fn room_message(&self, room: &str, kind: MessageKind, text: &str, hint: Option<&str>) {
        let style = match kind {
            MessageKind::Escalation => Style::new().red().bold(),
            MessageKind::Nudge => Style::new().yellow().bold(),
            _ => Style::new().cyan(),
        };
        let text = match hint {
            Some(hint) => format!("{text}\n({hint})"),
            None => text.to_owned(),
        };
        self.line(&format!("#{room}"), style, &text);
    }

    pub fn oncall_message(&self, kind: MessageKind, text: &str) {
        let style = match kind {
            MessageKind::Escalation => Style::new().red().bold(),
            _ => Style::new().magenta(),
        };
        self.line("#oncall", style, text);
    }

    pub fn client_message(&self, client: &str, text: &str) {
        self.line(
            &format!("⟫ {client} status"),
            Style::new().green().bold(),
            text,
        );
    }

    /// A line in a client's support channel.
    pub fn support_message(&self, client: &str, text: &str) {
        self.line(
            &format!("⟫ {client} support"),
            Style::new().blue().bold(),
            text,
        );
    }

    /// A direct message to one person (a sign-in link): private, addressed by name.
    pub fn direct(&self, user: &str, text: &str) {
        let name = user.strip_prefix("console:").unwrap_or(user);
        self.line(
            &format!("(to @{name} only)"),
            Style::new().dimmed().bold(),
            text,
        );
    }

    /// A reply only the person at the keyboard sees.
    pub fn private(&self, text: &str) {
        self.line("(only you)", Style::new().dimmed(), text);
    }

    pub fn error(&self, text: &str) {
        self.line("(only you)", Style::new().red(), &format!("✗ {text}"));
    }

    pub fn info(&self, text: &str) {
        self.write(&format!("{}\n", self.paint(text, Style::new().dimmed())));
    }
}
