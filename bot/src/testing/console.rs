//! A command as a responder types it on the console: the request engine-level tests send.

use crate::commands::{self, Command, UserRef};
use crate::domain::UserId;
use crate::engine::Request;

/// `command` from console user `user` in `room`; `@name` mentions are console users too. The
/// console has no outsiders (who may command is tested per platform), so the sender is a
/// responder.
pub fn request(user: &str, room: Option<&str>, command: Command) -> Request {
    Request {
        platform: "console",
        user: UserId::new(format!("console:{user}")),
        room: room.map(str::to_owned),
        command,
        resolve_user: |mention: &UserRef| UserId::new(format!("console:{}", mention.0)),
        responder: true,
    }
}

/// `line` parsed as the console parses it, from `user` in `room`; panics on a line that does
/// not parse (a mistake in the test).
pub fn line(user: &str, room: Option<&str>, line: &str) -> Request {
    let command =
        commands::parse(line).unwrap_or_else(|error| panic!("`{line}` does not parse: {error}"));
    request(user, room, command)
}
