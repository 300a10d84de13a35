//! A fake SMTP server on loopback that speaks the RFC 5321 dialogue a submission server does
//! (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT), refuses commands
//! out of order or badly formed the way real servers do, answers the end of each message from a
//! script (250, 451, 550…), and records what it accepted.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF.
const MAX_COMMAND_LINE: usize = 512;
/// What the server advertises as SIZE; a larger message is refused with 552.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// A message the server accepted (answered 250 at the end of DATA).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, lines joined with CRLF.
    pub data: String,
}

impl ReceivedMail {
    /// A header's value, unfolded (RFC 5322 2.2.3), from the message's top-level header block.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

#[derive(Default)]
struct Inner {
    /// Answers to the next messages' final dot, in order; 250 when empty.
    script: VecDeque<(u16, String)>,
    accepted: Vec<ReceivedMail>,
    /// Every end-of-DATA answer given, in order (accepted or not).
    answers: Vec<u16>,
    /// Every protocol error answered (5xx to a command), for tests that check the client's manners.
    protocol_errors: Vec<String>,
}

#[derive(Clone)]
pub struct FakeSmtp {
    inner: Arc<Mutex<Inner>>,
    addr: SocketAddr,
}

impl FakeSmtp {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("an address");
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let shared = inner.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, inner).await;
                });
            }
        });
        Self { inner, addr }
    }

    /// `smtp://127.0.0.1:<port>`: plain SMTP, as lettre's URL form writes it.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The answer to the next message's final dot, e.g. `(451, "4.3.0 try again later")`.
    pub fn answer_next(&self, code: u16, text: &str) {
        self.inner
            .lock()
            .unwrap()
            .script
            .push_back((code, text.to_owned()));
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inner.lock().unwrap().accepted.clone()
    }

    /// Every end-of-DATA answer given so far.
    pub fn answers(&self) -> Vec<u16> {
        self.inner.lock().unwrap().answers.clone()
    }

    pub fn protocol_errors(&self) -> Vec<String> {
        self.inner.lock().unwrap().protocol_errors.clone()
    }
}

/// Where the dialogue is: RFC 5321 4.1.4 orders the commands.
#[derive(Default)]
struct Transaction {
    greeted: bool,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// `FROM:<a@b>` / `TO:<a@b>` with optional parameters after the path.
fn path_argument<'a>(rest: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = rest.trim_start();
    if rest.len() < keyword.len() || !rest[..keyword.len()].eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = rest[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(&inner[..end])
}

async fn session(stream: TcpStream, inner: Arc<Mutex<Inner>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 fake-smtp.test ESMTP ready\r\n")
        .await?;
    let mut state = Transaction::default();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let reply = if line.len() > MAX_COMMAND_LINE {
            "500 5.5.2 Line too long".to_owned()
        } else if !line.ends_with("\r\n") {
            "500 5.5.2 Commands end with CRLF".to_owned()
        } else {
            let command = line.trim_end_matches("\r\n");
            let (verb, rest) = command.split_once(' ').unwrap_or((command, ""));
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" | "HELO" if rest.trim().is_empty() => {
                    format!("501 5.5.4 Syntax: {} hostname", verb.to_ascii_uppercase())
                }
                "EHLO" => {
                    state = Transaction {
                        greeted: true,
                        ..Transaction::default()
                    };
                    format!("250-fake-smtp.test\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE {MAX_MESSAGE}")
                }
                "HELO" => {
                    state = Transaction {
                        greeted: true,
                        ..Transaction::default()
                    };
                    "250 fake-smtp.test".to_owned()
                }
                "MAIL" if !state.greeted => "503 5.5.1 Error: send HELO/EHLO first".to_owned(),
                "MAIL" if state.mail_from.is_some() => {
                    "503 5.5.1 Error: nested MAIL command".to_owned()
                }
                "MAIL" => match path_argument(rest, "FROM:") {
                    Some(from) => {
                        state.mail_from = Some(from.to_owned());
                        "250 2.1.0 Ok".to_owned()
                    }
                    None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
                },
                "RCPT" if state.mail_from.is_none() => {
                    "503 5.5.1 Error: need MAIL command".to_owned()
                }
                "RCPT" => match path_argument(rest, "TO:") {
                    Some(to) if to.contains('@') => {
                        state.rcpt_to.push(to.to_owned());
                        "250 2.1.5 Ok".to_owned()
                    }
                    _ => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
                },
                "DATA" if state.rcpt_to.is_empty() => {
                    "503 5.5.1 Error: need RCPT command".to_owned()
                }
                "DATA" => {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let data = read_data(&mut lines).await?;
                    let transaction = std::mem::replace(
                        &mut state,
                        Transaction {
                            greeted: true,
                            ..Transaction::default()
                        },
                    );
                    finish_message(&inner, transaction, data)
                }
                "RSET" => {
                    state = Transaction {
                        greeted: state.greeted,
                        ..Transaction::default()
                    };
                    "250 2.0.0 Ok".to_owned()
                }
                "NOOP" => "250 2.0.0 Ok".to_owned(),
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => "502 5.5.2 Error: command not recognized".to_owned(),
            }
        };
        if reply.starts_with('5') {
            inner.lock().unwrap().protocol_errors.push(reply.clone());
        }
        write.write_all(reply.as_bytes()).await?;
        write.write_all(b"\r\n").await?;
    }
}

/// The message up to the lone dot; `Err` text when it breaks the rules (bare LF, too big).
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Result<String, &'static str>> {
    let mut body: Vec<String> = Vec::new();
    let mut size = 0;
    let mut problem = None;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == ".\r\n" {
            break;
        }
        // RFC 5321 2.3.8: lines end in CRLF; a bare LF is how SMTP smuggling starts.
        if !line.ends_with("\r\n") {
            problem.get_or_insert("554 5.6.0 Message contains bare LF");
        }
        size += line.len();
        if size > MAX_MESSAGE {
            problem.get_or_insert("552 5.3.4 Message size exceeds fixed limit");
        }
        let text = line.trim_end_matches('\n').trim_end_matches('\r');
        // RFC 5321 4.5.2: the client doubled every leading dot.
        body.push(text.strip_prefix('.').unwrap_or(text).to_owned());
    }
    Ok(match problem {
        Some(problem) => Err(problem),
        None => Ok(body.join("\r\n")),
    })
}

fn finish_message(
    inner: &Mutex<Inner>,
    transaction: Transaction,
    data: Result<String, &'static str>,
) -> String {
    let mut inner = inner.lock().unwrap();
    let data = match data {
        Ok(data) => data,
        Err(problem) => {
            inner.answers.push(problem[..3].parse().unwrap_or(554));
            return problem.to_owned();
        }
    };
    let (code, text) = inner
        .script
        .pop_front()
        .unwrap_or((250, "2.0.0 Ok: queued".to_owned()));
    inner.answers.push(code);
    if code == 250 {
        inner.accepted.push(ReceivedMail {
            mail_from: transaction.mail_from.unwrap_or_default(),
            rcpt_to: transaction.rcpt_to,
            data,
        });
    }
    format!("{code} {text}")
}
