//! `weir scan` run as the real binary over temporary directories, standard input and git
//! repositories made for each test. The secrets are generated per run (real-shaped, random),
//! and no output may ever hold one in full.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "weir-scan-{name}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random(len: usize, alphabet: &[u8]) -> String {
    (0..len)
        .map(|_| alphabet[fastrand::usize(..alphabet.len())] as char)
        .collect()
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// Whether a generated value could be taken for a placeholder (`EXAMPLE`, `xxxx`, ...): then
/// another is drawn.
fn placeholder_like(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    [
        "example",
        "xxxx",
        "dummy",
        "abcdefghij",
        "1234567890",
        "----",
        "____",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

fn fresh(make: impl Fn() -> String) -> String {
    loop {
        let s = make();
        if !placeholder_like(&s) {
            return s;
        }
    }
}

/// A real-shaped Anthropic API key.
fn anthropic_key() -> String {
    fresh(|| format!("sk-ant-api03-{}AA", random(93, URL_SAFE)))
}

/// A real-shaped AWS access key id.
fn aws_key_id() -> String {
    fresh(|| format!("AKIA{}", random(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")))
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real-shaped GitHub personal access token: 30 random base62 characters and the base62
/// CRC32 of them.
fn github_token() -> String {
    fresh(|| {
        let body = random(30, BASE62);
        let mut crc = crc32(body.as_bytes()) as u64;
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = BASE62[(crc % 62) as usize];
            crc /= 62;
        }
        format!("ghp_{body}{}", String::from_utf8(check.to_vec()).unwrap())
    })
}

/// A PEM private key block with random body lines.
fn pem_key() -> String {
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let lines: Vec<String> = (0..6).map(|_| fresh(|| random(64, b64))).collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{}\n-----END RSA PRIVATE KEY-----",
        lines.join("\n")
    )
}

/// Runs `weir scan ARGS` in `dir`, with `stdin` as standard input (none: /dev/null).
fn scan_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weir"));
    command
        .arg("scan")
        .args(args)
        .current_dir(dir)
        // No global git excludes or configuration from the machine running the tests.
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // A temporary directory inside some repository is still not one.
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .env_remove("GIT_DIR")
        .env_remove("WEIR_CONFIG")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match stdin {
        Some(input) => {
            command.stdin(Stdio::piped());
            let mut child = command.spawn().unwrap();
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(input).unwrap();
            drop(pipe);
            child.wait_with_output().unwrap()
        }
        None => {
            command.stdin(Stdio::null());
            command.output().unwrap()
        }
    }
}

fn scan(dir: &TempDir, args: &[&str]) -> Output {
    scan_in(dir.path(), args, None)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails if any output of `out` holds one of `secrets` in full.
fn assert_no_secret(out: &Output, secrets: &[&str]) {
    for secret in secrets {
        // A PEM key's body lines are secrets on their own.
        for piece in secret
            .lines()
            .filter(|l| l.len() >= 20 && !l.starts_with("-----"))
        {
            assert!(
                !stdout(out).contains(piece) && !stderr(out).contains(piece),
                "output holds a secret: {piece}"
            );
        }
        assert!(!stdout(out).contains(secret) && !stderr(out).contains(secret));
    }
}

/// The rule ids the detector itself finds in `text`: what the command must report.
fn rules_found(text: &str) -> Vec<String> {
    let detector = weir_detect::builtin::detector(Vec::new()).unwrap();
    detector
        .scan(text.as_bytes())
        .iter()
        .map(|f| detector.rules()[f.rule].id().to_owned())
        .collect()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("weir exits with a code")
}

/// A directory with secrets in a scanned file, an ignored file and a binary file.
struct Tree {
    dir: TempDir,
    anthropic: String,
    aws: String,
    github: String,
    pem: String,
    ignored: String,
    binary: String,
}

fn tree(name: &str) -> Tree {
    let dir = TempDir::new(name);
    let anthropic = anthropic_key();
    let aws = aws_key_id();
    let github = github_token();
    let pem = pem_key();
    let ignored = anthropic_key();
    let binary = anthropic_key();
    dir.write(
        "src/keys.txt",
        format!(
            "# configuration\naws_access_key_id = {aws}\nGITHUB_TOKEN={github}\n\
             ANTHROPIC_API_KEY=\"{anthropic}\"\n{pem}\n"
        ),
    );
    dir.write(".gitignore", "ignored.env\n");
    dir.write("ignored.env", format!("ANTHROPIC_API_KEY={ignored}\n"));
    let mut bin = b"\x7fELF\0\0\x01".to_vec();
    bin.extend_from_slice(format!(" key={binary} ").as_bytes());
    dir.write("tool.bin", bin);
    Tree {
        dir,
        anthropic,
        aws,
        github,
        pem,
        ignored,
        binary,
    }
}

impl Tree {
    fn secrets(&self) -> Vec<&str> {
        vec![
            &self.anthropic,
            &self.aws,
            &self.github,
            &self.pem,
            &self.ignored,
            &self.binary,
        ]
    }
}

#[test]
fn finds_secrets_in_a_directory_and_never_prints_them() {
    let t = tree("dir");
    let out = scan(&t.dir, &["."]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "findings exit 1: {text}\n{}", stderr(&out));
    assert!(
        text.contains("src/keys.txt:4:20  anthropic-api-key  Anthropic API key  sk-a"),
        "{text}"
    );
    assert!(text.contains("src/keys.txt:5:1  pem-private-key"), "{text}");
    // AWS and GitHub: reported exactly when the rules find them.
    for (line, secret) in [(2, &t.aws), (3, &t.github)] {
        for rule in rules_found(secret) {
            assert!(
                text.contains(&format!("src/keys.txt:{line}:")) && text.contains(&rule),
                "{rule} not reported: {text}"
            );
        }
    }
    // Ignored and binary files are not scanned.
    assert!(!text.contains("ignored.env"), "{text}");
    assert!(!text.contains("tool.bin"), "{text}");
    let summary = stderr(&out);
    assert!(summary.contains("finding(s)"), "{summary}");
    assert!(summary.contains("skipped 1 binary"), "{summary}");
    assert_no_secret(&out, &t.secrets());
    // Every line masks its secret.
    for line in text.lines() {
        assert!(line.contains("***"), "{line}");
    }
}

#[test]
fn no_ignore_scans_ignored_files() {
    let t = tree("noignore");
    let out = scan(&t.dir, &["--no-ignore", "."]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("ignored.env:1:19  anthropic-api-key"),
        "{}",
        stdout(&out)
    );
    assert_no_secret(&out, &t.secrets());
}

#[test]
fn a_file_given_by_name_and_a_size_limit() {
    let t = tree("file");
    let out = scan(&t.dir, &["src/keys.txt"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("src/keys.txt:4:20"),
        "{}",
        stdout(&out)
    );
    let out = scan(&t.dir, &["--max-file-size", "100", "src"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("1 larger than 100 B"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_clean_directory_exits_0() {
    let dir = TempDir::new("clean");
    dir.write(
        "README.md",
        "# A project\n\nNothing secret here. sk-ant-api03-tooShort\n",
    );
    dir.write("src/main.rs", "fn main() { println!(\"hello\"); }\n");
    let out = scan(&dir, &["."]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("scanned 2 file(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_path_exits_2_saying_what_to_do() {
    let dir = TempDir::new("missing");
    let out = scan(&dir, &["does-not-exist"]);
    assert_eq!(code(&out), 2);
    let message = stderr(&out);
    assert!(message.contains("cannot scan does-not-exist"), "{message}");
    assert!(message.contains("check the path"), "{message}");
}

#[test]
fn weir_allow_suppresses_a_finding_on_its_line() {
    let dir = TempDir::new("allow");
    let (a, b, c) = (anthropic_key(), anthropic_key(), anthropic_key());
    dir.write(
        "fixtures.py",
        format!(
            "KEY = \"{a}\"  # weir:allow test fixture\n\
             OTHER = \"{b}\"  # weir:allow anthropic-api-key\n\
             THIRD = \"{c}\"  # weir:allow pem-private-key\n"
        ),
    );
    let out = scan(&dir, &["."]);
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("fixtures.py:3:"), "{text}");
    assert!(
        stderr(&out).contains("2 allowed by weir:allow"),
        "{}",
        stderr(&out)
    );
    assert_no_secret(&out, &[&a, &b, &c]);

    dir.write("fixtures.py", format!("KEY = \"{a}\"  // weir:allow\n"));
    let out = scan(&dir, &["."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}

#[test]
fn a_baseline_round_trip_reports_only_new_findings() {
    let t = tree("baseline");
    let baseline = t.dir.path().join("baseline.json");
    let out = scan(&t.dir, &["--write-baseline", "baseline.json", "src"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("wrote"), "{}", stderr(&out));
    let written = std::fs::read_to_string(&baseline).unwrap();
    for secret in t.secrets() {
        assert!(!written.contains(secret));
    }
    let parsed: Value = serde_json::from_str(&written).unwrap();
    let entries = parsed["findings"].as_array().unwrap();
    assert!(entries.len() >= 2);
    assert!(
        entries
            .iter()
            .all(|e| e["fingerprint"].as_str().unwrap().len() == 64)
    );

    let out = scan(&t.dir, &["--baseline", "baseline.json", "src"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stderr(&out).contains("in the baseline"), "{}", stderr(&out));

    let new = anthropic_key();
    t.dir.write("src/new.env", format!("KEY={new}\n"));
    let out = scan(&t.dir, &["--baseline", "baseline.json", "src"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    assert!(stdout(&out).starts_with("src/new.env:1:5  anthropic-api-key"));
    assert_no_secret(&out, &[&new]);
}

#[test]
fn an_unreadable_baseline_exits_2() {
    let dir = TempDir::new("badbaseline");
    dir.write("b.json", "{ not json");
    let out = scan(&dir, &["--baseline", "b.json", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--write-baseline"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_lines_carry_every_field_but_the_secret() {
    let t = tree("json");
    let out = scan(&t.dir, &["--format", "json", "."]);
    assert_eq!(code(&out), 1);
    let findings: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let anthropic = findings
        .iter()
        .find(|f| f["rule_id"] == "anthropic-api-key")
        .expect("the Anthropic key is found");
    assert_eq!(anthropic["path"], "src/keys.txt");
    assert_eq!(anthropic["line"], 4);
    assert_eq!(anthropic["column"], 20);
    assert_eq!(anthropic["rule_name"], "Anthropic API key");
    assert_eq!(anthropic["category"], "secret");
    assert_eq!(anthropic["fingerprint"].as_str().unwrap().len(), 64);
    assert!(anthropic["preview"].as_str().unwrap().starts_with("sk-a*"));
    assert!(anthropic.get("commit").is_none());
    let pem = findings
        .iter()
        .find(|f| f["rule_id"] == "pem-private-key")
        .expect("the PEM key is found");
    assert_eq!(pem["category"], "private-key");
    assert_no_secret(&out, &t.secrets());
}

#[test]
fn sarif_is_a_2_1_0_log() {
    let t = tree("sarif");
    let out = scan(&t.dir, &["--format", "sarif", "."]);
    assert_eq!(code(&out), 1);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "weir");
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "anthropic-api-key"
        && r["name"] == "Anthropic API key"
        && r["shortDescription"]["text"].is_string()));
    let results = run["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "anthropic-api-key")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert!(result["message"]["text"].is_string());
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/keys.txt");
    assert_eq!(location["region"]["startLine"], 4);
    assert_eq!(location["region"]["startColumn"], 20);
    assert_eq!(
        result["partialFingerprints"]["weir/v1"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_no_secret(&out, &t.secrets());

    let clean = TempDir::new("sarif-clean");
    let out = scan(&clean, &["--format", "sarif", "."]);
    assert_eq!(code(&out), 0);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn standard_input_is_scanned() {
    let dir = TempDir::new("stdin");
    let key = anthropic_key();
    let input = format!("line one\n  export ANTHROPIC_API_KEY={key}\n");
    for args in [&["-"][..], &[][..]] {
        let out = scan_in(dir.path(), args, Some(input.as_bytes()));
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with("<stdin>:2:28  anthropic-api-key"),
            "{}",
            stdout(&out)
        );
        assert_no_secret(&out, &[&key]);
    }
    let out = scan_in(dir.path(), &["-"], Some(b"nothing here\n"));
    assert_eq!(code(&out), 0);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=weir test",
            "-c",
            "user.email=test@weir.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn git_history_finds_a_deleted_secret_at_the_commit_that_added_it() {
    let dir = TempDir::new("git");
    let key = anthropic_key();
    git(dir.path(), &["init", "-q"]);
    dir.write("README.md", "# project\n");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "start"]);
    dir.write(
        "config/app.env",
        format!("MODE=dev\nANTHROPIC_API_KEY={key}\n"),
    );
    dir.write("copy.env", format!("MODE=dev\nANTHROPIC_API_KEY={key}\n"));
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "add config"]);
    let added = git(dir.path(), &["rev-parse", "HEAD"]);
    std::fs::remove_file(dir.path().join("config/app.env")).unwrap();
    std::fs::remove_file(dir.path().join("copy.env")).unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "remove the key"]);

    // The working tree is clean now.
    let out = scan(&dir, &["."]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    let out = scan(&dir, &["--git", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The two files hold the same content: one blob, reported once.
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f["rule_id"], "anthropic-api-key");
    assert_eq!(f["commit"], added.as_str());
    assert!(
        f["path"] == "config/app.env" || f["path"] == "copy.env",
        "{f}"
    );
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], 19);
    assert!(
        stderr(&out).contains("from 3 commit(s)"),
        "{}",
        stderr(&out)
    );
    assert_no_secret(&out, &[&key]);

    // Text names the commit too; a repository path works from elsewhere.
    let elsewhere = TempDir::new("git-elsewhere");
    let repo = dir.path().to_str().unwrap();
    let out = scan(&elsewhere, &["--git", repo]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains(&format!("commit {}", &added[..12])),
        "{}",
        stdout(&out)
    );
}

#[test]
fn git_on_a_directory_that_is_not_a_repository_exits_2() {
    let dir = TempDir::new("nogit");
    let out = scan(&dir, &["--git", "."]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("is not a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_teaches_what_is_scanned_and_the_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["scan", "--help"])
        .output()
        .unwrap();
    let help = stdout(&out);
    for needle in [
        "--git",
        "--baseline",
        "weir:allow",
        "Exit code",
        "Examples",
        "SARIF",
    ] {
        assert!(help.contains(needle), "help lacks {needle}: {help}");
    }
}

#[test]
fn the_configured_rules_apply_custom_terms_found_and_rules_switched_off() {
    let dir = TempDir::new("configured");
    dir.write(
        "weir.toml",
        "[dlp.rules]\npem-private-key = \"off\"\n\n[[dlp.custom]]\nid = \"falcon\"\nname = \"Project Falcon\"\nterms = [\"Project Falcon\"]\n",
    );
    dir.write(
        "notes.md",
        format!("Status of project falcon.\n{}\n", pem_key()),
    );
    let out = scan(&dir, &["notes.md"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let reported = |out: &Output| -> Vec<String> {
        stdout(out)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .collect()
    };
    assert_eq!(reported(&out), vec!["falcon".to_owned()]);
    // The same file with an empty configuration: the key is found, the term is not.
    let out = scan(&dir, &["--config", "/dev/null", "notes.md"]);
    assert_eq!(
        reported(&out),
        vec!["pem-private-key".to_owned()],
        "{}",
        stdout(&out)
    );
}
