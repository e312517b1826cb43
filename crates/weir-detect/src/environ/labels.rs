//! The labels that name an environment fact, and the forms each may take.
//!
//! A label is written in one of several forms, and not every label may take every form: `Shell:`
//! at the start of a line is an environment block's, but `shell:` indented in a CI file is not
//! the user's shell, so weak words (`user`, `shell`, `platform`, `branch`) count only where a
//! line starts, with one token after them.

use super::FactKind;

/// `Label: value` (or `Label is: value`) at the start of a line, after bullets or indentation,
/// the label capitalised.
pub const COLON: u8 = 1;
/// The colon form anywhere in a line: for phrases no code uses (`My operating system is:`).
pub const LOOSE: u8 = 2;
/// `<label>value</label>`.
pub const TAG: u8 = 4;
/// `"label": "value"` (or single quotes), as JSON or a language's map literal writes it.
pub const QUOTED: u8 = 8;
/// `LABEL=value`, exact case: an environment variable or `git config -l` line.
pub const ENV: u8 = 16;
/// The whole string value of a JSON member with this key.
pub const KEY: u8 = 32;
/// `label value` at the start of a line (git's `commit <hash>`, `On branch main`).
pub const SPACE: u8 = 64;

/// How a label's value is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// An absolute path: the rest of the field.
    Path,
    /// One token: no spaces.
    Token,
    /// The rest of the line (bounded), with at least one digit.
    Version,
    /// A known operating system's name, and whatever follows it on the line.
    Os,
    /// A known shell, by name or path.
    Shell,
    /// A zone name, abbreviation or offset.
    Zone,
    /// A UTC offset.
    Offset,
    /// A locale tag.
    Locale,
    /// A date, as the tool wrote it.
    Date,
    /// A git log `Date:` line: only its UTC offset is a fact.
    DateLine,
    /// 7 to 40 hex digits: a commit.
    Hex,
    /// Lines of `<hash> subject` following the label.
    Commits,
    /// Lines of paths following the label.
    PathList,
    /// `Name <email>` or a name.
    Author,
    /// An email address.
    Email,
    /// An opaque id: 16 to 256 id characters with a digit.
    Id,
    /// A URL or scp-style git remote.
    Remote,
    /// A proxy URL, `host:port` or host list.
    Proxy,
    /// An IP address.
    Ip,
    /// A host name.
    Host,
    /// A user name: one token.
    User,
    /// A cloud region or zone (`us-east-1`, `europe-west1`).
    Region,
}

/// A label: its spellings, the kind of fact it names, the forms it may take.
#[derive(Debug)]
pub struct Label {
    /// Spellings. Exact case for [`TAG`], [`QUOTED`], [`ENV`] and [`KEY`]; any case for the
    /// prose forms.
    pub names: &'static [&'static str],
    /// What it names.
    pub kind: FactKind,
    /// Bitset of the forms above.
    pub forms: u8,
    /// How the value is read.
    pub value: Value,
}

const fn l(names: &'static [&'static str], kind: FactKind, forms: u8, value: Value) -> Label {
    Label {
        names,
        kind,
        forms,
        value,
    }
}

use FactKind as K;
use Value as V;

/// Keys as JSON and markup write them: the data forms.
const DATA: u8 = TAG | QUOTED | KEY;

/// Every label.
pub const LABELS: &[Label] = &[
    // Where the tool works.
    l(
        &[
            "working directory",
            "current working directory",
            "primary working directory",
            "current directory",
            "working in the directory",
            "working in directory",
        ],
        K::WorkingDirectory,
        COLON | LOOSE,
        V::Path,
    ),
    l(&["cwd"], K::WorkingDirectory, COLON | DATA, V::Path),
    l(
        &[
            "workdir",
            "working_directory",
            "workingDirectory",
            "current_dir",
            "currentDir",
            "current_directory",
            "currentDirectory",
            "project_root",
            "projectRoot",
            "workspace_root",
            "workspaceRoot",
        ],
        K::WorkingDirectory,
        DATA,
        V::Path,
    ),
    l(&["PWD"], K::WorkingDirectory, ENV, V::Path),
    l(&["root"], K::WorkingDirectory, TAG, V::Path),
    l(
        &["workspaces", "workspace_roots", "workspaceRoots"],
        K::WorkingDirectory,
        QUOTED,
        V::Path,
    ),
    l(
        &[
            "workspace directories",
            "workspace directory",
            "working directories",
        ],
        K::WorkingDirectory,
        COLON | LOOSE,
        V::PathList,
    ),
    l(
        &["home directory", "home dir"],
        K::HomeDirectory,
        COLON | LOOSE,
        V::Path,
    ),
    l(
        &[
            "home",
            "home_dir",
            "homedir",
            "homeDir",
            "home_directory",
            "homeDirectory",
        ],
        K::HomeDirectory,
        DATA,
        V::Path,
    ),
    l(&["HOME", "USERPROFILE"], K::HomeDirectory, ENV, V::Path),
    // The machine.
    l(&["operating system"], K::Os, COLON | LOOSE, V::Os),
    l(&["platform", "os", "os name"], K::Os, COLON, V::Os),
    l(
        &["platform", "os", "os_name", "osName", "os_type", "osType"],
        K::Os,
        DATA,
        V::Os,
    ),
    l(
        &[
            "os version",
            "os release",
            "kernel version",
            "kernel release",
        ],
        K::OsVersion,
        COLON | LOOSE,
        V::Version,
    ),
    l(&["kernel"], K::OsVersion, COLON, V::Version),
    l(
        &[
            "os_version",
            "osVersion",
            "os_release",
            "osRelease",
            "kernel_version",
            "kernelVersion",
        ],
        K::OsVersion,
        DATA,
        V::Version,
    ),
    l(
        &["architecture", "arch", "cpu architecture"],
        K::Arch,
        COLON,
        V::Token,
    ),
    l(
        &["arch", "architecture", "os_arch"],
        K::Arch,
        DATA,
        V::Token,
    ),
    l(
        &["shell", "default shell", "user shell", "login shell"],
        K::Shell,
        COLON,
        V::Shell,
    ),
    l(
        &["shell", "default_shell", "defaultShell"],
        K::Shell,
        DATA,
        V::Shell,
    ),
    l(&["SHELL"], K::Shell, ENV, V::Shell),
    l(&["hostname"], K::Hostname, COLON, V::Host),
    l(
        &["host name", "computer name", "machine name"],
        K::Hostname,
        COLON | LOOSE,
        V::Host,
    ),
    l(
        &[
            "hostname",
            "host_name",
            "hostName",
            "computer_name",
            "computerName",
            "machine_name",
            "machineName",
        ],
        K::Hostname,
        DATA,
        V::Host,
    ),
    l(&["HOSTNAME", "COMPUTERNAME"], K::Hostname, ENV, V::Host),
    // The person.
    l(
        &[
            "username",
            "user name",
            "current user",
            "logged in as",
            "login",
        ],
        K::UserName,
        COLON,
        V::User,
    ),
    l(
        &[
            "username",
            "user_name",
            "userName",
            "login",
            "os_user",
            "osUser",
        ],
        K::UserName,
        DATA,
        V::User,
    ),
    l(&["USER", "LOGNAME", "USERNAME"], K::UserName, ENV, V::User),
    // Time and place.
    l(
        &[
            "today's date",
            "today\u{2019}s date",
            "current date",
            "the current date",
            "today",
            "date today",
        ],
        K::DateFormat,
        COLON | LOOSE,
        V::Date,
    ),
    l(
        &["current_date", "currentDate", "today", "date_today"],
        K::DateFormat,
        DATA,
        V::Date,
    ),
    l(&["date"], K::UtcOffset, COLON, V::DateLine),
    l(
        &[
            "timezone",
            "time zone",
            "local time zone",
            "local timezone",
            "system timezone",
            "system time zone",
        ],
        K::TimeZone,
        COLON | LOOSE,
        V::Zone,
    ),
    l(
        &["timezone", "timeZone", "time_zone", "tz", "local_timezone"],
        K::TimeZone,
        DATA,
        V::Zone,
    ),
    l(&["TZ"], K::TimeZone, ENV, V::Zone),
    l(&["utc offset"], K::UtcOffset, COLON | LOOSE, V::Offset),
    l(
        &[
            "utc_offset",
            "utcOffset",
            "timezone_offset",
            "timezoneOffset",
            "tz_offset",
        ],
        K::UtcOffset,
        DATA,
        V::Offset,
    ),
    l(
        &["locale", "system locale", "user locale"],
        K::Locale,
        COLON | LOOSE,
        V::Locale,
    ),
    l(
        &["locale", "user_locale", "userLocale", "accept_language"],
        K::Locale,
        DATA,
        V::Locale,
    ),
    l(
        &[
            "LANG",
            "LANGUAGE",
            "LC_ALL",
            "LC_TIME",
            "LC_MESSAGES",
            "LC_CTYPE",
        ],
        K::Locale,
        ENV,
        V::Locale,
    ),
    // Git.
    l(
        &[
            "current branch",
            "main branch",
            "default branch",
            "git branch",
        ],
        K::GitBranch,
        COLON | LOOSE,
        V::Token,
    ),
    l(&["branch"], K::GitBranch, COLON, V::Token),
    l(&["on branch"], K::GitBranch, SPACE, V::Token),
    l(
        &[
            "branch",
            "branch_name",
            "branchName",
            "git_branch",
            "gitBranch",
            "current_branch",
            "currentBranch",
        ],
        K::GitBranch,
        DATA,
        V::Token,
    ),
    l(&["recent commits"], K::GitCommit, COLON | LOOSE, V::Commits),
    l(&["commit"], K::GitCommit, COLON | SPACE | DATA, V::Hex),
    l(&["head is now at"], K::GitCommit, SPACE, V::Hex),
    l(
        &[
            "sha",
            "commit_sha",
            "commitSha",
            "head_sha",
            "headSha",
            "git_commit",
            "gitCommit",
            "commit_hash",
            "commitHash",
            "latest_git_commit_hash",
            "latestGitCommitHash",
        ],
        K::GitCommit,
        DATA,
        V::Hex,
    ),
    l(
        &["author", "git author", "git user", "commit author"],
        K::GitAuthor,
        COLON,
        V::Author,
    ),
    l(
        &[
            "author",
            "author_name",
            "authorName",
            "git_author",
            "gitAuthor",
            "committer_name",
        ],
        K::GitAuthor,
        DATA,
        V::Author,
    ),
    l(
        &["user.name", "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"],
        K::GitAuthor,
        ENV,
        V::Author,
    ),
    l(
        &["email", "e-mail", "git email", "author email"],
        K::Email,
        COLON,
        V::Email,
    ),
    l(
        &[
            "email",
            "author_email",
            "authorEmail",
            "user_email",
            "userEmail",
            "email_address",
            "emailAddress",
            "git_email",
        ],
        K::Email,
        DATA,
        V::Email,
    ),
    l(
        &[
            "user.email",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_EMAIL",
            "EMAIL",
        ],
        K::Email,
        ENV,
        V::Email,
    ),
    l(
        &[
            "remote",
            "remote url",
            "git remote",
            "fetch url",
            "push url",
        ],
        K::GitRemote,
        COLON,
        V::Remote,
    ),
    l(
        &[
            "remote_url",
            "remoteUrl",
            "git_remote",
            "gitRemote",
            "origin_url",
            "originUrl",
            "repository_url",
            "repositoryUrl",
        ],
        K::GitRemote,
        DATA,
        V::Remote,
    ),
    l(&["remote.origin.url"], K::GitRemote, ENV, V::Remote),
    // Ids.
    l(
        &["session id", "conversation id"],
        K::SessionId,
        COLON | LOOSE,
        V::Id,
    ),
    l(
        &[
            "session_id",
            "sessionId",
            "sessionID",
            "conversation_id",
            "conversationId",
            "prompt_cache_key",
            "thread_id",
            "threadId",
            "window_id",
            "x-codex-window-id",
        ],
        K::SessionId,
        DATA,
        V::Id,
    ),
    l(
        &["installation id", "install id"],
        K::InstallId,
        COLON | LOOSE,
        V::Id,
    ),
    l(
        &[
            "installation_id",
            "installationId",
            "install_id",
            "installId",
            "anonymous_id",
            "anonymousId",
            "x-codex-installation-id",
        ],
        K::InstallId,
        DATA,
        V::Id,
    ),
    l(
        &["device id", "machine id"],
        K::DeviceId,
        COLON | LOOSE,
        V::Id,
    ),
    l(
        &[
            "device_id",
            "deviceId",
            "deviceID",
            "machine_id",
            "machineId",
            "machineID",
            "userID",
        ],
        K::DeviceId,
        DATA,
        V::Id,
    ),
    l(
        &["account id", "organization id", "organisation id"],
        K::AccountId,
        COLON | LOOSE,
        V::Id,
    ),
    l(
        &[
            "account_id",
            "accountId",
            "account_uuid",
            "accountUuid",
            "organization_id",
            "organizationId",
            "organization_uuid",
            "organizationUuid",
            "org_id",
            "orgId",
            "user_id",
            "userId",
            "safety_identifier",
        ],
        K::AccountId,
        DATA,
        V::Id,
    ),
    // An OpenAI-style body's `user` member: only as the key of a whole value, never as a word.
    l(&["user"], K::AccountId, KEY, V::Id),
    // Network.
    l(
        &["ip address", "public ip", "ip"],
        K::IpAddress,
        COLON,
        V::Ip,
    ),
    l(
        &[
            "ip",
            "ip_address",
            "ipAddress",
            "client_ip",
            "clientIp",
            "public_ip",
            "publicIp",
            "remote_addr",
            "remoteAddr",
        ],
        K::IpAddress,
        DATA,
        V::Ip,
    ),
    l(
        &[
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "FTP_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        ],
        K::Proxy,
        ENV,
        V::Proxy,
    ),
    l(
        &["proxy", "http proxy", "https proxy"],
        K::Proxy,
        COLON,
        V::Proxy,
    ),
    l(
        &[
            "proxy",
            "http_proxy",
            "https_proxy",
            "no_proxy",
            "proxy_url",
            "proxyUrl",
            "httpProxy",
            "httpsProxy",
            "noProxy",
        ],
        K::Proxy,
        DATA,
        V::Proxy,
    ),
    // Cloud.
    l(
        &[
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "CLOUDSDK_COMPUTE_REGION",
            "CLOUDSDK_COMPUTE_ZONE",
            "GOOGLE_CLOUD_REGION",
            "GOOGLE_CLOUD_PROJECT",
            "GCLOUD_PROJECT",
            "CLOUDSDK_CORE_PROJECT",
            "AZURE_REGION",
            "AZURE_SUBSCRIPTION_ID",
            "ECS_CONTAINER_METADATA_URI",
            "ECS_CONTAINER_METADATA_URI_V4",
            "AWS_EXECUTION_ENV",
            "IDENTITY_ENDPOINT",
            "MSI_ENDPOINT",
            "GCE_METADATA_HOST",
        ],
        K::CloudMetadata,
        ENV,
        V::Token,
    ),
    l(
        &["region", "aws region", "availability zone"],
        K::CloudMetadata,
        COLON,
        V::Region,
    ),
    l(
        &[
            "region",
            "aws_region",
            "awsRegion",
            "availability_zone",
            "availabilityZone",
        ],
        K::CloudMetadata,
        DATA,
        V::Region,
    ),
    l(&["instance id"], K::CloudMetadata, COLON, V::Token),
    l(
        &["instance_id", "instanceId"],
        K::CloudMetadata,
        DATA,
        V::Token,
    ),
];
