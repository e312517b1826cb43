//! Facts whose shape alone says what they are: paths under a home directory, git remotes,
//! IANA zone names, IP addresses that are not version numbers, JavaScript dates' offsets,
//! compound user ids, cloud metadata endpoints and instance ids.

use std::ops::Range;

use super::FactKind;
use super::scan::{Found, is_offset, is_user, line_end};
use super::zones;

/// Which shape an anchor starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `/home/NAME`, `/Users/NAME`, `C:\Users\NAME`, `/root`.
    Home,
    /// `Area/Location`.
    Zone,
    /// `git@host:org/repo.git`.
    Scp,
    /// A URL ending in `.git`.
    DotGit,
    /// `origin  URL (fetch)` from `git remote -v`.
    FetchPush,
    /// A digit and a dot: maybe an IPv4 address.
    Ipv4,
    /// `::`: maybe an IPv6 address.
    Ipv6,
    /// `GMT+0800 (Malaysia Time)`.
    Offset,
    /// `user_<hex>_account_<uuid>_session_<uuid>`.
    Compound,
    /// A cloud metadata endpoint.
    Metadata,
    /// An EC2 instance id, `i-` and 8 or 17 hex digits.
    Instance,
    /// `ip-10-0-0-1.ec2.internal`.
    CloudHost,
    /// `/projects/-home-NAME-src-app`.
    Munged,
}

/// The literals that start each shape (matched ASCII case-insensitively; each parser checks
/// case itself where it matters).
pub const ANCHORS: &[(&str, Shape)] = &[
    ("/home/", Shape::Home),
    ("/users/", Shape::Home),
    ("\\users\\", Shape::Home),
    ("/root", Shape::Home),
    ("africa/", Shape::Zone),
    ("america/", Shape::Zone),
    ("antarctica/", Shape::Zone),
    ("arctic/", Shape::Zone),
    ("asia/", Shape::Zone),
    ("atlantic/", Shape::Zone),
    ("australia/", Shape::Zone),
    ("europe/", Shape::Zone),
    ("indian/", Shape::Zone),
    ("pacific/", Shape::Zone),
    ("git@", Shape::Scp),
    (".git", Shape::DotGit),
    ("(fetch)", Shape::FetchPush),
    ("(push)", Shape::FetchPush),
    ("0.", Shape::Ipv4),
    ("1.", Shape::Ipv4),
    ("2.", Shape::Ipv4),
    ("3.", Shape::Ipv4),
    ("4.", Shape::Ipv4),
    ("5.", Shape::Ipv4),
    ("6.", Shape::Ipv4),
    ("7.", Shape::Ipv4),
    ("8.", Shape::Ipv4),
    ("9.", Shape::Ipv4),
    ("::", Shape::Ipv6),
    ("gmt+", Shape::Offset),
    ("gmt-", Shape::Offset),
    ("utc+", Shape::Offset),
    ("utc-", Shape::Offset),
    ("_account_", Shape::Compound),
    ("_session_", Shape::Compound),
    ("169.254.169.254", Shape::Metadata),
    ("169.254.170.2", Shape::Metadata),
    ("metadata.google.internal", Shape::Metadata),
    ("fd00:ec2::254", Shape::Metadata),
    ("i-", Shape::Instance),
    (".compute.internal", Shape::CloudHost),
    (".ec2.internal", Shape::CloudHost),
    ("/projects/-", Shape::Munged),
];

/// Runs `shape`'s parser at an anchor found at `at`.
pub(super) fn found(shape: Shape, f: &mut Found, at: Range<usize>) {
    match shape {
        Shape::Home => home(f, at),
        Shape::Zone => zone(f, at),
        Shape::Scp => scp(f, at),
        Shape::DotGit => dot_git(f, at),
        Shape::FetchPush => fetch_push(f, at),
        Shape::Ipv4 => ipv4(f, at),
        Shape::Ipv6 => ipv6(f, at),
        Shape::Offset => offset(f, at),
        Shape::Compound => compound(f, at),
        Shape::Metadata => metadata(f, at),
        Shape::Instance => instance(f, at),
        Shape::CloudHost => cloud_host(f, at),
        Shape::Munged => munged(f, at),
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Characters that may continue a path or word, so a path cannot start right after one.
fn continues_path(c: u8) -> bool {
    is_word(c)
        || matches!(
            c,
            b'-' | b'.' | b'/' | b'\\' | b'~' | b'$' | b'%' | b'{' | b'}'
        )
}

/// Whether a path may start at `root`: at the text's start, after a delimiter, or after
/// `file://`.
fn path_may_start(b: &[u8], root: usize) -> bool {
    root == 0 || !continues_path(b[root - 1]) || b[..root].ends_with(b"file://")
}

/// Characters that end a user name inside a path.
fn ends_name(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'/' | b'\\'
                | b'"'
                | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b':'
                | b';'
                | b','
                | b'|'
                | b'*'
                | b'?'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'='
        )
}

/// Directories under `/Users` or `C:\Users` that belong to nobody in particular.
const SHARED_HOMES: &[&str] = &["Shared", "Public", "Default", "All Users", "Default User"];

/// Where a Windows path rooted before `at` starts: `C:`, `/c`, `/mnt/c`, `/cygdrive/c`.
fn windows_root(b: &[u8], at: usize) -> Option<usize> {
    let before = &b[..at];
    let drive = |i: usize| before.get(i).is_some_and(u8::is_ascii_alphabetic);
    if at >= 2 && before[at - 1] == b':' && drive(at - 2) {
        return Some(at - 2);
    }
    if at >= 2 && drive(at - 1) && before[at - 2] == b'/' {
        let slash = at - 2;
        for prefix in [&b"/mnt"[..], b"/cygdrive"] {
            if before[..slash].ends_with(prefix) {
                return Some(slash - prefix.len());
            }
        }
        return Some(slash);
    }
    None
}

/// Bytes a Unix path is made of, walking back to its start.
fn unix_path_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'.' | b'_' | b'-' | b'~' | b'+' | b'@' | b'/')
        || c >= 0x80
}

/// Top-level directories under which a `home` or `Users` directory is a real one
/// (`/var/home/NAME`, `/tmp/run/home/NAME`, `/Volumes/Data/Users/NAME`). Under any other root
/// (`/api/v1/users/42/home/settings`) it is a route, not a directory.
const FS_ROOTS: &[&[u8]] = &[
    b"/tmp/",
    b"/var/",
    b"/srv/",
    b"/data/",
    b"/mnt/",
    b"/nfs/",
    b"/net/",
    b"/export/",
    b"/opt/",
    b"/private/",
    b"/Volumes/",
    b"/media/",
    b"/run/",
    b"/workspace/",
    b"/workspaces/",
    b"/storage/",
    b"/scratch/",
    b"/local/",
    b"/u/",
    b"/usr/",
];

/// Where the absolute Unix path holding `at` starts, if it is one: `/…` or `~/…`, not part
/// of a URL (`https://host/home/…`) or a relative path; a directory nested below the root
/// only under a filesystem root ([`FS_ROOTS`]).
fn unix_root(b: &[u8], at: usize) -> Option<usize> {
    let mut s = at;
    while s > 0 && unix_path_byte(b[s - 1]) {
        s -= 1;
    }
    if b[s..].starts_with(b"//") && !b[..s].ends_with(b"file:") {
        return None;
    }
    if s > 0 && b[s - 1] == b':' && b[..s].ends_with(b"://") && !b[..s].ends_with(b"file://") {
        return None;
    }
    let nested_ok = s == at || b[s] == b'~' || FS_ROOTS.iter().any(|r| b[s..].starts_with(r));
    (matches!(b[s], b'/' | b'~') && nested_ok).then_some(s)
}

fn home(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let anchor = &b[at.clone()];
    if anchor.eq_ignore_ascii_case(b"/root") {
        // `/root/.config`: root's home shows itself by the dot-directories in it. A bare
        // `/root` or `/root/task1` is as often an agent's or a route's name.
        if anchor != b"/root" || !path_may_start(b, at.start) || !b[at.end..].starts_with(b"/.") {
            return;
        }
        f.push(FactKind::HomeDirectory, at.clone());
        f.push(FactKind::UserName, at.start + 1..at.end);
        return;
    }
    let (root, mut name_from, sep) = if anchor == b"/home/" {
        match unix_root(b, at.start) {
            Some(root) => (root, at.end, b'/'),
            None => return,
        }
    } else if anchor[0] == b'/' {
        match windows_root(b, at.start) {
            Some(root) if path_may_start(b, root) => (root, at.end, b'/'),
            _ if anchor == b"/Users/" => match unix_root(b, at.start) {
                Some(root) => (root, at.end, b'/'),
                None => return,
            },
            _ => return,
        }
    } else {
        // `\Users\`, maybe with doubled backslashes (a path quoted in source code).
        let mut s = at.start;
        while s > 0 && b[s - 1] == b'\\' {
            s -= 1;
        }
        match windows_root(b, s) {
            Some(root) if path_may_start(b, root) => (root, at.end, b'\\'),
            _ => return,
        }
    };
    while name_from < b.len() && b[name_from] == b'\\' && sep == b'\\' {
        name_from += 1;
    }
    let mut end = name_from;
    while end < b.len() && !ends_name(b[end]) {
        end += 1;
    }
    // `/Users/Jane Doe/...`: a macOS or Windows name with spaces, when the path goes on after
    // it (Linux names have none).
    if end < b.len() && b[end] == b' ' && anchor != b"/home/" {
        let stop = line_end(b, end).min(end + 40);
        if let Some(p) = (end..stop).find(|&i| b[i] == sep) {
            let words_capitalised = b[end..p]
                .split(|&c| c == b' ')
                .all(|w| w.is_empty() || w[0].is_ascii_uppercase());
            if (end..p).all(|i| b[i] == b' ' || !ends_name(b[i]))
                && b[p - 1] != b' '
                && words_capitalised
            {
                end = p;
            }
        }
    }
    // A sentence may end right after the path.
    if end > name_from && b[end - 1] == b'.' && b.get(end).is_none_or(|c| c.is_ascii_whitespace()) {
        end -= 1;
    }
    let name = &f.text[name_from..end];
    if name.is_empty() || SHARED_HOMES.contains(&name) {
        return;
    }
    let valid = name.split(' ').all(|w| is_user(w.as_bytes()));
    if !valid {
        return;
    }
    f.push(FactKind::HomeDirectory, root..end);
    f.push(FactKind::UserName, name_from..end);
}

/// `…/projects/-home-NAME-src-app`: a tool's per-project directory, named after the working
/// directory with every separator made a dash.
fn munged(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let from = at.end - 1;
    let mut end = at.end;
    while end < b.len() && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'-' | b'_' | b'.'))
    {
        end += 1;
    }
    if end - from >= 4 && b[from..end].iter().filter(|&&c| c == b'-').count() >= 2 {
        f.push(FactKind::WorkingDirectory, from..end);
    }
}

/// The user names found in a text, looked for again inside its munged project directories
/// (`-home-siti-aminah-src`), where no separator marks where a name ends.
pub(super) fn names_in_munged(text: &str, facts: &mut Vec<super::Fact>) {
    let names: Vec<String> = facts
        .iter()
        .filter(|f| f.kind == FactKind::UserName)
        .map(|f| {
            f.value
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect()
        })
        .collect();
    if names.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for dir in facts
        .iter()
        .filter(|f| f.kind == FactKind::WorkingDirectory && f.value.starts_with('-'))
    {
        for name in &names {
            for prefix in ["-home-", "-Users-"] {
                let needle = format!("{prefix}{name}");
                let mut from = 0;
                while let Some(p) = dir.value[from..].find(&needle) {
                    let start = from + p + prefix.len();
                    let end = start + name.len();
                    let next = dir.value.as_bytes().get(end);
                    if next.is_none_or(|&c| c == b'-') {
                        let span = dir.span.start + start..dir.span.start + end;
                        found.push(super::Fact {
                            kind: FactKind::UserName,
                            value: text[span.clone()].to_owned(),
                            span,
                        });
                    }
                    from = end;
                }
            }
        }
    }
    facts.extend(found);
}

fn zone(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let s = at.start;
    if s > 0 {
        let c = b[s - 1];
        let zoneinfo = b[..s].ends_with(b"zoneinfo/");
        if (is_word(c) || matches!(c, b'.' | b'-' | b'/' | b'\\')) && !zoneinfo {
            return;
        }
    }
    let mut end = at.end;
    while end < b.len()
        && end - s < 40
        && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'_' | b'+' | b'-' | b'/'))
    {
        end += 1;
    }
    if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric) {
        return;
    }
    if zones::is_iana(&f.text[s..end]) {
        f.push(FactKind::TimeZone, s..end);
    }
}

fn is_url_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"._~:/@%+-".contains(&c)
}

/// `user:password@` in a URL: the range from the host on, so no password is reported.
pub(super) fn strip_password(b: &[u8], r: Range<usize>) -> Range<usize> {
    let v = &b[r.clone()];
    let Some(scheme) = memchr::memmem::find(v, b"://") else {
        return r;
    };
    let auth_from = scheme + 3;
    let auth_end = v[auth_from..]
        .iter()
        .position(|&c| c == b'/')
        .map_or(v.len(), |p| auth_from + p);
    match v[auth_from..auth_end].iter().rposition(|&c| c == b'@') {
        Some(at) if v[auth_from..auth_from + at].contains(&b':') => {
            r.start + auth_from + at + 1..r.end
        }
        _ => r,
    }
}

/// The span to report for a git remote in `r`, if it is one: a URL with a path, an scp-style
/// `user@host:path`, or an absolute path (a local remote). Passwords are left out.
pub(super) fn remote_span(b: &[u8], r: Range<usize>) -> Option<Range<usize>> {
    let v = &b[r.clone()];
    if v.is_empty() || v.len() > 2048 {
        return None;
    }
    if let Some(scheme_end) = memchr::memmem::find(v, b"://") {
        let scheme = &v[..scheme_end];
        let known = [
            &b"https"[..],
            b"http",
            b"ssh",
            b"git",
            b"git+ssh",
            b"ssh+git",
            b"file",
        ];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(scheme)) {
            return None;
        }
        let rest = &v[scheme_end + 3..];
        let slash = rest.iter().position(|&c| c == b'/')?;
        if slash + 1 >= rest.len() && !scheme.eq_ignore_ascii_case(b"file") {
            return None;
        }
        return Some(strip_password(b, r));
    }
    if v[0] == b'/' {
        return Some(r);
    }
    // scp style: user@host:path
    let at = v.iter().position(|&c| c == b'@')?;
    let colon = at + v[at..].iter().position(|&c| c == b':')?;
    let host = &v[at + 1..colon];
    let ok = at > 0
        && !host.is_empty()
        && host
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        && colon + 1 < v.len()
        && v[..at]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    ok.then_some(r)
}

fn scp(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    if &b[at.clone()] != b"git@" {
        return;
    }
    if at.start > 0 && (is_url_byte(b[at.start - 1])) {
        return;
    }
    let mut i = at.end;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-') {
        i += 1;
    }
    if i == at.end || b.get(i) != Some(&b':') {
        return;
    }
    let path_from = i + 1;
    let mut end = path_from;
    while end < b.len() && (b[end].is_ascii_alphanumeric() || b"._~/-".contains(&b[end])) {
        end += 1;
    }
    while end > path_from && b[end - 1] == b'.' {
        end -= 1;
    }
    let path = &b[path_from..end];
    if path.is_empty() || !(path.contains(&b'/') || path.ends_with(b".git")) {
        return;
    }
    f.push(FactKind::GitRemote, at.start..end);
}

fn dot_git(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    if &b[at.clone()] != b".git" {
        return;
    }
    if b.get(at.end)
        .is_some_and(|&c| is_word(c) || matches!(c, b'-' | b'/' | b'.'))
    {
        return;
    }
    let mut s = at.start;
    while s > 0 && is_url_byte(b[s - 1]) && at.end - s < 2048 {
        s -= 1;
    }
    let v = &b[s..at.end];
    if v.first() == Some(&b'/') || memchr::memmem::find(v, b"://").is_none() {
        // A local path, or scp style (found from its `git@`, or by other users below).
        if v.first() == Some(&b'/') || v.starts_with(b"git@") {
            return;
        }
    }
    if let Some(r) = remote_span(b, s..at.end) {
        f.push(FactKind::GitRemote, r);
    }
}

fn fetch_push(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let mut e = at.start;
    if e == 0 || !matches!(b[e - 1], b' ' | b'\t') {
        return;
    }
    while e > 0 && matches!(b[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && !b[s - 1].is_ascii_whitespace() {
        s -= 1;
    }
    if s == e {
        return;
    }
    if let Some(r) = remote_span(b, s..e) {
        f.push(FactKind::GitRemote, r);
    }
}

/// Whether `v` is an IP address worth reporting: not unspecified, loopback or broadcast, and
/// not one of the ranges documentation uses (RFC 5737, RFC 3849) nor `1.2.3.4`.
pub(super) fn is_ip(v: &str) -> bool {
    let v = v.trim_start_matches('[').trim_end_matches(']');
    match v.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            let o = a.octets();
            let documentation = matches!(
                (o[0], o[1], o[2]),
                (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
            ) || o == [1, 2, 3, 4];
            !a.is_unspecified() && !a.is_loopback() && !a.is_broadcast() && !documentation
        }
        Ok(std::net::IpAddr::V6(a)) => {
            let documentation = a.segments()[..2] == [0x2001, 0x0db8];
            !a.is_unspecified() && !a.is_loopback() && !documentation
        }
        Err(_) => false,
    }
}

/// Words that make a dotted number on the same line a version or an object identifier, not
/// an address.
const VERSION_WORDS: &[&[u8]] = &[
    b"version",
    b"ver ",
    b"ver.",
    b"release",
    b"build",
    b"oid",
    b"objectidentifier",
];

fn ipv4(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let mut s = at.start;
    while s > 0 && at.start - s < 2 && b[s - 1].is_ascii_digit() {
        s -= 1;
    }
    if s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'.' | b'_' | b'-')) {
        return;
    }
    // `Chrome/120.0.0.0`: a product's version.
    if s > 1 && b[s - 1] == b'/' && b[s - 2].is_ascii_alphanumeric() {
        return;
    }
    let mut i = s;
    let mut octets = [0u32; 4];
    for (n, octet) in octets.iter_mut().enumerate() {
        let from = i;
        while i < b.len() && i - from < 4 && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &b[from..i];
        if digits.is_empty() || digits.len() > 3 || (digits.len() > 1 && digits[0] == b'0') {
            return;
        }
        *octet = digits.iter().fold(0, |a, &d| a * 10 + (d - b'0') as u32);
        if *octet > 255 {
            return;
        }
        if n < 3 {
            if b.get(i) != Some(&b'.') {
                return;
            }
            i += 1;
        }
    }
    if b.get(i)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
        || (b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    {
        return;
    }
    if matches!(octets[0], 0 | 255) || octets == [169, 254, 169, 254] || !is_ip(&f.text[s..i]) {
        return;
    }
    let line_from = b[..s]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1)
        .max(s.saturating_sub(32));
    let before = b[line_from..s].to_ascii_lowercase();
    if VERSION_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&before, w).is_some())
    {
        return;
    }
    f.push(FactKind::IpAddress, s..i);
}

fn ipv6(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let mut s = at.start;
    while s > 0 && at.start - s < 40 && (b[s - 1].is_ascii_hexdigit() || b[s - 1] == b':') {
        s -= 1;
    }
    if s > 0 && (is_word(b[s - 1]) || b[s - 1] == b':') {
        return;
    }
    // Report each address once: from the first `::` in it.
    if memchr::memmem::find(&b[s..at.start], b"::").is_some() {
        return;
    }
    let mut e = at.end;
    while e < b.len()
        && e - at.end < 40
        && (b[e].is_ascii_hexdigit() || b[e] == b':' || b[e] == b'.')
    {
        e += 1;
    }
    while e > at.end && matches!(b[e - 1], b'.' | b':') && e - 1 > at.end {
        e -= 1;
    }
    if b.get(e).is_some_and(|&c| is_word(c)) {
        return;
    }
    let v = &f.text[s..e];
    let first_group = v.split(':').next().unwrap_or("");
    let groups = v.split(':').filter(|g| !g.is_empty()).count();
    // `fe80::1`, `2a00:1450::200e`; not `F32::` or `a::b` from a language's paths.
    if is_ip(v)
        && v.bytes().any(|c| c.is_ascii_digit())
        && (groups >= 3 || (groups == 2 && first_group.len() >= 4))
    {
        f.push(FactKind::IpAddress, s..e);
    }
}

fn offset(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    let word = &b[at.start..at.start + 3];
    if word != b"GMT" && word != b"UTC" {
        return;
    }
    if at.start > 0 && b[at.start - 1].is_ascii_alphanumeric() {
        return;
    }
    let mut e = at.end;
    while e < b.len() && e - at.end < 5 && (b[e].is_ascii_digit() || b[e] == b':') {
        e += 1;
    }
    if b.get(e).is_some_and(u8::is_ascii_alphanumeric) {
        return;
    }
    if !is_offset(&f.text[at.start..e]) {
        return;
    }
    f.push(FactKind::UtcOffset, at.start..e);
    // A JavaScript date: `GMT+0800 (Malaysia Time)`.
    if b[e..].starts_with(b" (") {
        let from = e + 2;
        let stop = line_end(b, from).min(from + 64);
        if let Some(p) = b[from..stop].iter().position(|&c| c == b')') {
            let name = &f.text[from..from + p];
            if name.len() >= 2
                && name.chars().any(char::is_alphabetic)
                && name
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '.' | '\''))
            {
                f.push(FactKind::TimeZone, from..from + p);
            }
        }
    }
}

/// Runs of `[0-9a-fA-F-]` from `from`.
fn uuidish(b: &[u8], from: usize) -> usize {
    let mut e = from;
    while e < b.len() && e - from < 64 && (b[e].is_ascii_hexdigit() || b[e] == b'-') {
        e += 1;
    }
    e
}

fn compound(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    // The whole compound: `user_<hex>_account_<id>_session_<id>`.
    let mut s = at.start;
    while s > 0 && at.start - s < 200 && (is_word(b[s - 1]) || b[s - 1] == b'-') {
        s -= 1;
    }
    let Some(body) = b[s..at.start].strip_prefix(b"user_") else {
        return;
    };
    let tail = uuidish(b, at.end);
    if b.get(tail).is_some_and(|&c| c.is_ascii_alphanumeric()) {
        return;
    }
    if b[at.clone()].eq_ignore_ascii_case(b"_account_") {
        if body.len() >= 16 && body.iter().all(u8::is_ascii_hexdigit) {
            f.push(FactKind::DeviceId, s + 5..at.start);
        }
        if tail - at.end >= 16 {
            f.push(FactKind::AccountId, at.end..tail);
        }
    } else if tail - at.end >= 16 {
        f.push(FactKind::SessionId, at.end..tail);
    }
}

fn metadata(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    if at.start > 0 && (is_word(b[at.start - 1]) || b[at.start - 1] == b'.') {
        return;
    }
    if b.get(at.end).is_some_and(|&c| is_word(c))
        || (b.get(at.end) == Some(&b'.') && b.get(at.end + 1).is_some_and(u8::is_ascii_digit))
    {
        return;
    }
    f.push(FactKind::CloudMetadata, at);
}

fn instance(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    if b[at.start] != b'i' {
        return;
    }
    if at.start > 0 && (is_word(b[at.start - 1]) || b[at.start - 1] == b'-') {
        return;
    }
    let mut e = at.end;
    while e < b.len() && e - at.end <= 17 && matches!(b[e], b'0'..=b'9' | b'a'..=b'f') {
        e += 1;
    }
    let n = e - at.end;
    if (n == 8 || n == 17)
        && b[at.end..e].iter().any(u8::is_ascii_digit)
        && !b.get(e).is_some_and(|&c| is_word(c) || c == b'-')
    {
        f.push(FactKind::CloudMetadata, at.start..e);
    }
}

fn cloud_host(f: &mut Found, at: Range<usize>) {
    let b = f.b;
    if b[at.clone()].iter().any(u8::is_ascii_uppercase) {
        return;
    }
    if b.get(at.end)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'-')
    {
        return;
    }
    let mut s = at.start;
    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'-' | b'.')) {
        s -= 1;
    }
    if s < at.start {
        f.push(FactKind::Hostname, s..at.end);
    }
}
