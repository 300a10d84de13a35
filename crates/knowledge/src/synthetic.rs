//! Generated articles and questions for benchmarks: varied, realistic-looking level-1
//! articles across fifty clients with a mix of scopes, from a seeded generator.

use std::path::PathBuf;

use crate::article::{Article, Scope};

/// Number of synthetic clients (`client00` to `client49`).
pub(crate) const CLIENTS: usize = 50;

const PRODUCTS: &[&str] = &[
    "Outlook",
    "Teams",
    "OneDrive",
    "SharePoint",
    "VPN",
    "printer",
    "copier",
    "scanner",
    "Wi-Fi",
    "laptop",
    "docking station",
    "monitor",
    "keyboard",
    "mouse",
    "headset",
    "webcam",
    "Excel",
    "Word",
    "PowerPoint",
    "Citrix",
    "SAP",
    "Salesforce",
    "Zoom",
    "Adobe Acrobat",
    "shared mailbox",
    "calendar",
    "Authenticator",
    "Okta",
    "BitLocker",
    "Windows Update",
    "Company Portal",
    "Remote Desktop",
    "FortiClient",
    "GlobalProtect",
    "Sage",
    "Xero",
    "QuickBooks",
    "Dynamics",
    "Power BI",
    "file share",
    "mapped drive",
    "desk phone",
    "mobile phone",
    "iPad",
    "label printer",
    "badge reader",
    "ERP",
    "CRM",
    "timesheet portal",
    "expense portal",
    "intranet",
    "guest Wi-Fi",
    "browser",
    "PDF reader",
    "Slack",
    "Dropbox",
    "Box",
    "Jira",
    "Confluence",
    "payroll system",
];

const PROBLEMS: &[&str] = &[
    "not connecting",
    "crashing on start",
    "running slowly",
    "asking for the password again",
    "showing sync errors",
    "access denied",
    "stuck loading",
    "not printing",
    "no sound",
    "not detected",
    "freezing",
    "locked out",
    "certificate warning",
    "licence expired",
    "missing after update",
    "error 0x80070005",
    "blank screen",
    "cannot sign in",
    "search not working",
    "storage full",
    "wrong time zone",
    "duplicate entries",
    "cannot send",
    "cannot open attachments",
    "keeps disconnecting",
    "MFA prompt loop",
    "permission request",
    "setup on a new device",
    "reset to defaults",
    "request access",
];

const ACTIONS: &[&str] = &[
    "Restart the {p} and try again.",
    "Sign out of the {p}, close it completely and sign in again with your work account.",
    "Check that you are connected to the office network or the VPN before opening the {p}.",
    "Clear the cache of the {p}: open its settings, choose Reset, and confirm.",
    "Install the latest updates for the {p} from Company Portal.",
    "If you see the message \"{x}\", write down the time and send a screenshot to the service desk.",
    "Check the cables and power of the {p}, then unplug it for thirty seconds.",
    "Ask your manager to approve access to the {p}, then the service desk grants it within a day.",
    "Make sure your password has not expired: sign in to the web portal to test it.",
    "Remove the {p} from the device list and add it again.",
    "Try the web version of the {p} to see whether the problem is only on your computer.",
    "Close other applications that may be using the {p}, then try again.",
    "Check the date, time and time zone settings of your computer.",
    "If colleagues see the same problem with the {p}, it is probably an outage: check the status page.",
    "Free up disk space and restart before trying the {p} again.",
];

const EXTRA: &[&str] = &[
    "warehouse",
    "reception",
    "finance",
    "payroll",
    "sales",
    "marketing",
    "legal",
    "branch",
    "headquarters",
    "floor",
    "meeting room",
    "hot desk",
    "contractor",
    "weekend",
    "overnight",
    "quarterly",
    "invoice",
    "customer",
    "supplier",
    "project",
    "archive",
    "template",
    "dashboard",
    "report",
    "approval",
    "workflow",
    "token",
    "badge",
    "licence",
    "renewal",
];

/// Deterministic SplitMix64 generator, so benchmarks are repeatable from a seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The id of synthetic client `i`.
pub(crate) fn client_id(i: usize) -> String {
    format!("client{i:02}")
}

/// `n` generated articles: about 40% for every client, the rest scoped to one, two or
/// three of fifty clients (`client00`..`client49`), each mentioning client-specific
/// system names so that scoping matters. Same `seed`, same articles.
pub fn synthetic_articles(n: usize, seed: u64) -> Vec<Article> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let product = rng.pick(PRODUCTS);
            let problem = rng.pick(PROBLEMS);
            let roll = rng.below(10);
            let scope = match roll {
                0..=3 => Scope::All,
                4..=8 => Scope::Clients(vec![client_id(rng.below(CLIENTS))]),
                _ => {
                    let mut ids: Vec<String> = (0..2 + rng.below(2))
                        .map(|_| client_id(rng.below(CLIENTS)))
                        .collect();
                    ids.sort();
                    ids.dedup();
                    Scope::Clients(ids)
                }
            };
            let owner = match &scope {
                Scope::All => String::new(),
                Scope::Clients(ids) => format!("{} ", ids[0]),
            };
            let title = format!("{owner}{product} {problem}");
            let mut body =
                format!(
                "This article helps when the {product} is {problem}. It applies to {} staff.\n\n",
                if owner.is_empty() { "all" } else { owner.trim() }
            );
            for step in 1..=3 + rng.below(5) {
                let action = rng
                    .pick(ACTIONS)
                    .replace("{p}", product)
                    .replace("{x}", &format!("{problem} ({:04})", rng.below(10_000)));
                body.push_str(&format!("{step}. {action}\n"));
            }
            body.push_str(&format!(
                "\nRelated: {} {}, {} {}. Reference KB{:05}.\n",
                rng.pick(EXTRA),
                rng.pick(PRODUCTS),
                rng.pick(EXTRA),
                rng.pick(PROBLEMS),
                i
            ));
            let tags = vec![
                product.to_lowercase(),
                problem.split(' ').next().unwrap_or(problem).to_lowercase(),
            ];
            Article {
                slug: format!("kb{i:05}-{}", slugify(product)),
                title,
                scope,
                tags,
                body,
                path: PathBuf::new(),
            }
        })
        .collect()
}

/// A question a user might type about a random product and problem, sometimes with a
/// typo, sometimes about nothing the articles cover.
pub(crate) fn synthetic_question(rng: &mut Rng) -> String {
    const OPENERS: &[&str] = &["hi", "help", "urgent:", "", "", "please", "ugh"];
    const OFF_TOPIC: &[&str] = &[
        "can i get a new desk chair",
        "what time is the christmas party",
        "the coffee machine is broken again",
        "asdf qwerty",
    ];
    if rng.below(10) == 0 {
        return rng.pick(OFF_TOPIC).to_string();
    }
    let mut product = rng.pick(PRODUCTS).to_lowercase();
    if rng.below(4) == 0 && product.len() > 5 {
        // Drop one letter: a typo.
        let at = 1 + rng.below(product.len() - 2);
        if product.is_char_boundary(at) && product.is_char_boundary(at + 1) {
            product.replace_range(at..at + 1, "");
        }
    }
    format!(
        "{} my {} is {} since this morning",
        rng.pick(OPENERS),
        product,
        rng.pick(PROBLEMS)
    )
}

fn slugify(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
