//! The console's input loop: chat commands plus a few of its own (`/as`, `/join`, `/publish`).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::{user_id, ConsoleOutput, ConsolePlatform, PLATFORM};
use crate::commands::{self, Command, IncidentCommand, TriageCommand, UserRef};
use crate::effects::Action;
use crate::engine::{Engine, Visibility};
use crate::store::IncidentFilter;

const BANNER: &str = "Command Post console. Type /incident help for commands; /as NAME to act as someone else, \
/join ROOM to switch rooms, /rooms to list them, /publish to send a nudge's draft, /support CLIENT to ask /help as that client, \
/wait 30s to pause a script, /quit to leave.";

/// The longest `/wait` a script may ask for.
const MAX_WAIT: Duration = Duration::from_secs(600);

struct Session {
    engine: Arc<Engine>,
    platform: Arc<ConsolePlatform>,
    output: Arc<ConsoleOutput>,
    user: String,
    room: Option<String>,
    /// The last support question asked here, for `/solved` and `/still-need-help`.
    last_request: Option<i64>,
}

/// Runs the console until `/quit` or the end of input; then waits for queued messages to go out.
pub async fn run(
    engine: Arc<Engine>,
    platform: Arc<ConsolePlatform>,
    output: Arc<ConsoleOutput>,
    user: String,
    sample_config: bool,
) -> std::io::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let mut session = Session {
        engine,
        platform,
        output,
        user,
        room: None,
        last_request: None,
    };
    session.output.info(BANNER);
    if sample_config {
        session.output.info(
            "No --config given: using the built-in sample configuration (client `demo`, SQLite ./commandpost.db). \
Try: /incident declare P1 demo Email is down",
        );
    }
    session.output.info(&format!("You are @{}.", session.user));
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        if interactive {
            session.prompt();
        }
        let Some(line) = lines.next_line().await? else {
            break;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !interactive {
            session.output.info(&format!("{}> {line}", session.who()));
        }
        if matches!(line, "/quit" | "/exit") {
            break;
        }
        session.handle(line).await;
        // Let the delivery loop show what the command sent before the next prompt.
        session.settle().await;
    }
    session.settle().await;
    Ok(())
}

impl Session {
    fn who(&self) -> String {
        match &self.room {
            Some(room) => format!("@{} in #{room}", self.user),
            None => format!("@{}", self.user),
        }
    }

    fn prompt(&self) {
        self.output.write(&format!("{}> ", self.who()));
    }

    async fn handle(&mut self, line: &str) {
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match word {
            "/as" => self.switch_user(rest),
            "/join" => self.join(rest).await,
            "/rooms" => self.list_rooms().await,
            "/publish" => self.publish_draft().await,
            "/wait" => self.wait(rest).await,
            "/support" => self.support(rest),
            "/solved" | "/still-need-help" => self.answer_suggestions(word == "/solved").await,
            "/take" => self.take(rest).await,
            "/declare-burst" | "/declare-alert" => self.declare_proposed().await,
            "/alert" => self.alert(rest).await,
            _ => match commands::parse(line) {
                Ok(command) => self.run_command(command).await,
                Err(error) => self.output.error(&format!(
                    "{error}\n(console commands: /as NAME, /join ROOM, /rooms, /publish, /support CLIENT, /solved, /still-need-help, /take TICKET, /declare-burst, /alert CLIENT SEVERITY TITLE, /declare-alert, /wait DURATION, /quit)"
                )),
            },
        }
    }

    fn switch_user(&mut self, name: &str) {
        let name = name.trim_start_matches('@');
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            self.user = name.to_ascii_lowercase();
            self.output.info(&format!("You are now @{}.", self.user));
        } else {
            self.output
                .error("write it as: /as NAME (letters, digits, _ - .)");
        }
    }

    async fn join(&mut self, room: &str) {
        let room = room.trim_start_matches('#');
        if room.is_empty() {
            self.output.error("write it as: /join ROOM (see /rooms)");
            return;
        }
        match self.engine.store().incident_by_room(PLATFORM, room).await {
            Ok(Some(_)) => {
                self.room = Some(room.to_owned());
                self.output.info(&format!("You are in #{room}."));
            }
            Ok(None) => self.output.error(&format!(
                "there is no incident room #{room}; /rooms lists them"
            )),
            Err(error) => self
                .output
                .error(&format!("could not look up the room: {error}")),
        }
    }

    async fn list_rooms(&self) {
        let filter = IncidentFilter {
            open_only: true,
            ..Default::default()
        };
        match self.engine.store().incidents(&filter).await {
            Ok(incidents) if incidents.is_empty() => self.output.info("No open incidents."),
            Ok(incidents) => {
                for incident in incidents {
                    let room = incident
                        .room_on(PLATFORM)
                        .map(|room| format!("#{}", room.name))
                        .unwrap_or_else(|| "(room on another platform)".into());
                    self.output.info(&format!(
                        "{room}  {} {} {}: {}",
                        incident.id, incident.severity, incident.client, incident.title
                    ));
                }
            }
            Err(error) => self
                .output
                .error(&format!("could not list incidents: {error}")),
        }
    }

    /// Pauses a script while timers and deliveries run, e.g. to watch a nudge arrive.
    async fn wait(&self, duration: &str) {
        match humantime::parse_duration(duration) {
            Ok(duration) if duration <= MAX_WAIT => tokio::time::sleep(duration).await,
            Ok(_) => self.output.error("a /wait is at most 10m"),
            Err(_) => self
                .output
                .error("write it as: /wait DURATION, e.g. /wait 30s"),
        }
    }

    async fn publish_draft(&mut self) {
        let Some(room) = self.room.clone() else {
            self.output
                .error("join an incident room first (/join ROOM)");
            return;
        };
        match self.platform.draft_for(&room) {
            Some(text) => self.run_command(Command::Incident(IncidentCommand::Update { text })).await,
            None => self.output.error("no draft has been offered in this room yet; write one with /incident update <text>"),
        }
    }

    async fn run_command(&mut self, command: Command) {
        let request = crate::engine::Request {
            platform: PLATFORM,
            user: user_id(&UserRef(self.user.clone())),
            room: self.room.clone(),
            command,
            resolve_user: user_id,
            // Whoever holds the terminal runs the deployment: the console has no outsiders.
            responder: true,
        };
        match self.engine.handle(request).await {
            Ok(response) => {
                let mut text = response.text.clone();
                for action in &response.actions {
                    if let Action::Solved { request } = action {
                        self.last_request = Some(*request);
                        text.push_str("\n(type /solved or /still-need-help)");
                    }
                }
                let response = crate::engine::Response { text, ..response };
                match response.visibility {
                    Visibility::Private => self.output.private(&response.text),
                    Visibility::Room => self.output.room_message(
                        self.room.as_deref().unwrap_or("?"),
                        crate::effects::MessageKind::Notice,
                        &response.text,
                        None,
                    ),
                }
                if let Some(room) = response.opened_room {
                    self.room = Some(room);
                }
            }
            Err(error) => self.output.error(&error.user_message()),
        }
    }

    /// Acts in a client's support channel, where `/help` is answered.
    fn support(&mut self, client: &str) {
        let room = format!("support:{client}");
        if self
            .engine
            .config()
            .clients
            .iter()
            .any(|known| known.id.as_str() == client)
        {
            self.output.info(&format!(
                "You are in {client}'s support channel: ask with /help <question>."
            ));
            self.room = Some(room);
        } else {
            let known: Vec<String> = self
                .engine
                .config()
                .clients
                .iter()
                .map(|c| c.id.to_string())
                .collect();
            self.output.error(&format!(
                "write it as: /support CLIENT (one of {})",
                known.join(", ")
            ));
        }
    }

    async fn answer_suggestions(&mut self, solved: bool) {
        let Some(request) = self.last_request else {
            self.output.error("ask something with /help first");
            return;
        };
        let command = if solved {
            TriageCommand::Solved { request }
        } else {
            TriageCommand::StillNeedHelp { request }
        };
        self.run_command(Command::Triage(command)).await;
    }

    async fn take(&mut self, ticket: &str) {
        let number = ticket
            .trim()
            .trim_start_matches("TKT-")
            .trim_start_matches("tkt-")
            .trim_start_matches('0');
        match number.parse::<i64>() {
            Ok(request) => {
                self.run_command(Command::Triage(TriageCommand::Take { request }))
                    .await
            }
            Err(_) => self
                .output
                .error("write it as: /take TKT-0007 (the ticket number)"),
        }
    }

    async fn declare_proposed(&mut self) {
        match self.platform.last_proposal() {
            Some(declare) => self.run_command(Command::Triage(declare)).await,
            None => self
                .output
                .error("no possible major incident has been reported in this session"),
        }
    }

    /// `/alert <client> <severity> <title…>`: an alert as monitoring would post it, to try the
    /// flow without monitoring.
    async fn alert(&mut self, rest: &str) {
        let mut words = rest.splitn(3, char::is_whitespace);
        let (client, severity, title) = (words.next(), words.next(), words.next());
        let (Some(client), Some(severity), Some(title)) = (client, severity, title) else {
            return self
                .output
                .error("write it as: /alert acme critical Exchange does not answer");
        };
        let Some(client) = crate::domain::ClientId::parse(client)
            .ok()
            .filter(|id| self.engine.config().client(id).is_some())
        else {
            return self
                .output
                .error(&format!("no client `{client}` is configured"));
        };
        let title = title.trim();
        let alert = crate::alerts::Alert {
            fingerprint: format!("console:{}", title.to_ascii_lowercase()),
            title: title.chars().take(crate::alerts::MAX_TITLE).collect(),
            severity: severity.to_ascii_lowercase(),
            firing: true,
            source: "console".to_owned(),
            link: None,
        };
        match self.engine.receive_alerts(&client, &[alert]).await {
            Ok(outcomes) => {
                self.output
                    .info(&format!("Alert received: {:?}.", outcomes[0]));
                self.settle().await;
            }
            Err(error) => self.output.error(&error.user_message()),
        }
    }

    /// Waits (briefly) until what the command queued has been delivered, so output follows
    /// the command that caused it. Failing destinations are left to the retry schedule.
    async fn settle(&self) {
        for _ in 0..100 {
            if let Err(error) = self.engine.deliver_due().await {
                self.output
                    .error(&format!("delivery failed: {}", error.user_message()));
            }
            let now = self.engine.clock().now();
            match self.engine.store().outbox_backlog(now).await {
                Ok(0) | Err(_) => return,
                Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}
