//! A small knowledge base for triage tests: two articles for every client, one for Acme only,
//! one for Globex only.

use std::path::Path;

pub const ARTICLES: &[(&str, &str)] = &[
    (
        "outlook-not-opening",
        "---\ntitle: Outlook will not open\nclients: [all]\ntags: [outlook, email]\n---\nIf Outlook hangs on loading profile, start it in safe mode with outlook.exe /safe and repair the profile.\n",
    ),
    (
        "vpn-not-connecting",
        "---\ntitle: VPN will not connect from home\nclients: [all]\ntags: [vpn, remote]\n---\nRestart the VPN client, check your internet connection and sign in again with MFA.\n",
    ),
    (
        "acme-citrix-gateway",
        "---\ntitle: Acme Citrix gateway login\nclients: [acme]\ntags: [citrix, gateway, remote desktop]\n---\nOpen the Acme Citrix gateway at the portal, sign in with your Acme account and approve the push.\n",
    ),
    (
        "globex-sap-portal",
        "---\ntitle: Globex SAP portal password\nclients: [globex]\ntags: [sap, portal, password]\n---\nReset the SAP portal password from the Globex self-service page.\n",
    ),
];

/// Writes the articles into `dir` (created if missing).
pub fn write_sample_kb(dir: &Path) {
    std::fs::create_dir_all(dir).expect("the knowledge base directory can be created");
    for (slug, text) in ARTICLES {
        std::fs::write(dir.join(format!("{slug}.md")), text).expect("an article can be written");
    }
}

/// The articles in a fresh temporary directory, removed when the guard is dropped.
pub fn sample_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_sample_kb(dir.path());
    dir
}
