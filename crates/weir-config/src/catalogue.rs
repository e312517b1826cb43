//! The vendors weir knows out of the box: where they are, what they speak, how they take a key.

use std::sync::OnceLock;

use weir_protocol::Protocol;
use weir_protocol::canonical::Profile;

use crate::{AuthStyle, Glob, Jurisdiction, SecretSource, Vendor, VendorEndpoint, VendorOrigin};

/// One catalogue row, as static data.
struct Entry {
    name: &'static str,
    display_name: &'static str,
    endpoints: &'static [(Protocol, &'static str, AuthStyle)],
    key_variables: &'static [&'static str],
    /// `None` means [`Jurisdiction::Local`].
    country: Option<&'static str>,
    models: &'static [&'static str],
    count_tokens: bool,
    forward_anthropic_beta: bool,
}

use AuthStyle::{Bearer, None as NoAuth, XApiKey};
use Protocol::{Anthropic, OpenAiChat, OpenAiResponses};

const CATALOGUE: &[Entry] = &[
    Entry {
        name: "anthropic",
        display_name: "Anthropic",
        endpoints: &[(Anthropic, "https://api.anthropic.com", XApiKey)],
        key_variables: &["ANTHROPIC_API_KEY"],
        country: Some("US"),
        models: &["claude-*"],
        count_tokens: true,
        forward_anthropic_beta: true,
    },
    Entry {
        name: "openai",
        display_name: "OpenAI",
        endpoints: &[
            (OpenAiChat, "https://api.openai.com/v1", Bearer),
            (OpenAiResponses, "https://api.openai.com/v1", Bearer),
        ],
        key_variables: &["OPENAI_API_KEY"],
        country: Some("US"),
        models: &["gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "codex-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "dashscope",
        display_name: "Alibaba Model Studio (Singapore)",
        endpoints: &[
            (
                OpenAiChat,
                "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                Bearer,
            ),
            (
                OpenAiResponses,
                "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                Bearer,
            ),
            (
                Anthropic,
                "https://dashscope-intl.aliyuncs.com/apps/anthropic",
                XApiKey,
            ),
        ],
        key_variables: &["DASHSCOPE_API_KEY"],
        country: Some("SG"),
        models: &["qwen*", "qwq-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "dashscope-cn",
        display_name: "Alibaba Model Studio (Beijing)",
        endpoints: &[
            (
                OpenAiChat,
                "https://dashscope.aliyuncs.com/compatible-mode/v1",
                Bearer,
            ),
            (
                OpenAiResponses,
                "https://dashscope.aliyuncs.com/compatible-mode/v1",
                Bearer,
            ),
            (
                Anthropic,
                "https://dashscope.aliyuncs.com/apps/anthropic",
                XApiKey,
            ),
        ],
        key_variables: &["DASHSCOPE_CN_API_KEY"],
        country: Some("CN"),
        models: &["qwen*", "qwq-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "deepseek",
        display_name: "DeepSeek",
        endpoints: &[
            (OpenAiChat, "https://api.deepseek.com", Bearer),
            (Anthropic, "https://api.deepseek.com/anthropic", XApiKey),
        ],
        key_variables: &["DEEPSEEK_API_KEY"],
        country: Some("CN"),
        models: &["deepseek-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "moonshot",
        display_name: "Moonshot AI (global)",
        endpoints: &[
            (OpenAiChat, "https://api.moonshot.ai/v1", Bearer),
            (OpenAiResponses, "https://api.moonshot.ai/v1", Bearer),
            (Anthropic, "https://api.moonshot.ai/anthropic", Bearer),
        ],
        key_variables: &["MOONSHOT_API_KEY"],
        country: Some("CN"),
        models: &["kimi-*", "moonshot-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "moonshot-cn",
        display_name: "Moonshot AI (China)",
        endpoints: &[
            (OpenAiChat, "https://api.moonshot.cn/v1", Bearer),
            (OpenAiResponses, "https://api.moonshot.cn/v1", Bearer),
            (Anthropic, "https://api.moonshot.cn/anthropic", Bearer),
        ],
        key_variables: &["MOONSHOT_CN_API_KEY"],
        country: Some("CN"),
        models: &["kimi-*", "moonshot-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "zhipu",
        display_name: "Zhipu AI (BigModel)",
        endpoints: &[
            (OpenAiChat, "https://open.bigmodel.cn/api/paas/v4", Bearer),
            (Anthropic, "https://open.bigmodel.cn/api/anthropic", Bearer),
        ],
        key_variables: &["ZHIPUAI_API_KEY", "ZHIPU_API_KEY"],
        country: Some("CN"),
        models: &["glm-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "zai",
        display_name: "Z.ai (Zhipu global)",
        endpoints: &[
            (OpenAiChat, "https://api.z.ai/api/paas/v4", Bearer),
            (Anthropic, "https://api.z.ai/api/anthropic", Bearer),
        ],
        key_variables: &["ZAI_API_KEY"],
        country: Some("CN"),
        models: &["glm-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "gemini",
        display_name: "Google Gemini (OpenAI-compatible)",
        endpoints: &[(
            OpenAiChat,
            "https://generativelanguage.googleapis.com/v1beta/openai",
            Bearer,
        )],
        key_variables: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        country: Some("US"),
        models: &["gemini-*", "gemma-*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "openrouter",
        display_name: "OpenRouter",
        endpoints: &[
            (Anthropic, "https://openrouter.ai/api", Bearer),
            (OpenAiChat, "https://openrouter.ai/api/v1", Bearer),
            (OpenAiResponses, "https://openrouter.ai/api/v1", Bearer),
        ],
        key_variables: &["OPENROUTER_API_KEY"],
        country: Some("US"),
        models: &["*/*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "ollama",
        display_name: "Ollama",
        endpoints: &[
            (Anthropic, "http://localhost:11434", NoAuth),
            (OpenAiChat, "http://localhost:11434/v1", NoAuth),
            (OpenAiResponses, "http://localhost:11434/v1", NoAuth),
        ],
        key_variables: &[],
        country: None,
        models: &["*"],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "vllm",
        display_name: "vLLM",
        endpoints: &[
            (Anthropic, "http://localhost:8000", Bearer),
            (OpenAiChat, "http://localhost:8000/v1", Bearer),
            (OpenAiResponses, "http://localhost:8000/v1", Bearer),
        ],
        key_variables: &["VLLM_API_KEY"],
        country: None,
        models: &[],
        count_tokens: true,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "llamacpp",
        display_name: "llama.cpp server",
        endpoints: &[
            (Anthropic, "http://localhost:8080", Bearer),
            (OpenAiChat, "http://localhost:8080/v1", Bearer),
            (OpenAiResponses, "http://localhost:8080/v1", Bearer),
        ],
        key_variables: &["LLAMACPP_API_KEY"],
        country: None,
        models: &[],
        count_tokens: true,
        forward_anthropic_beta: false,
    },
    Entry {
        name: "lmstudio",
        display_name: "LM Studio",
        endpoints: &[
            (Anthropic, "http://localhost:1234", Bearer),
            (OpenAiChat, "http://localhost:1234/v1", Bearer),
            (OpenAiResponses, "http://localhost:1234/v1", Bearer),
        ],
        key_variables: &["LMSTUDIO_API_KEY"],
        country: None,
        models: &[],
        count_tokens: false,
        forward_anthropic_beta: false,
    },
];

/// Catalogue vendors whose key is optional: never enabled by their key variable alone, only by a
/// `[vendors.NAME]` table.
const KEY_OPTIONAL: &[&str] = &["vllm", "llamacpp", "lmstudio"];

impl Entry {
    fn vendor(&self) -> Vendor {
        Vendor {
            name: self.name.to_owned(),
            display_name: self.display_name.to_owned(),
            endpoints: self
                .endpoints
                .iter()
                .map(|&(protocol, base_url, auth)| VendorEndpoint {
                    protocol,
                    base_url: base_url.to_owned(),
                    auth,
                })
                .collect(),
            key: self
                .key_variables
                .first()
                .map(|var| SecretSource::Env((*var).to_owned())),
            jurisdiction: match self.country {
                Some(c) => Jurisdiction::Country(c.to_owned()),
                None => Jurisdiction::Local,
            },
            models: self
                .models
                .iter()
                .map(|m| Glob::new(m).expect("catalogue globs are not empty"))
                .collect(),
            count_tokens: self.count_tokens,
            forward_anthropic_beta: self.forward_anthropic_beta,
            profile: profile(self.name, None).expect("the catalogue's profiles are valid"),
            origin: match self.key_variables.first() {
                Some(var) => VendorOrigin::KeyVariable((*var).to_owned()),
                None => VendorOrigin::Probed,
            },
        }
    }
}

/// The vendors' request quirks, as data.
const PROFILES: &str = include_str!("profiles.toml");

fn profile_rows() -> &'static toml::Table {
    static ROWS: OnceLock<toml::Table> = OnceLock::new();
    ROWS.get_or_init(|| PROFILES.parse().expect("profiles.toml is valid TOML"))
}

/// The request profile of a vendor named `name`: the catalogue row of `preset` (when it names a
/// catalogue vendor) with the keys of `overrides` (a `[vendors.NAME.profile]` table) on top.
/// The error names the offending key and says what it accepts.
pub fn profile_for(
    name: &str,
    preset: Option<&str>,
    overrides: Option<&toml::Table>,
) -> Result<Profile, String> {
    let mut table = preset
        .and_then(|p| profile_rows().get(p))
        .and_then(|v| v.as_table())
        .cloned()
        .unwrap_or_default();
    if let Some(o) = overrides {
        for (k, v) in o {
            table.insert(k.clone(), v.clone());
        }
    }
    let mut profile: Profile = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_owned())?;
    profile.vendor = name.to_owned();
    Ok(profile)
}

fn profile(name: &str, overrides: Option<&toml::Table>) -> Result<Profile, String> {
    profile_for(name, Some(name), overrides)
}

/// The built-in vendors, in the order default routing tries them. Each has
/// `origin = VendorOrigin::KeyVariable(<its first key variable>)` (or `Probed` for Ollama).
pub fn vendors() -> Vec<Vendor> {
    CATALOGUE.iter().map(Entry::vendor).collect()
}

/// The catalogue vendor called `name`, if there is one.
pub fn vendor(name: &str) -> Option<Vendor> {
    CATALOGUE.iter().find(|e| e.name == name).map(Entry::vendor)
}

/// The names of the catalogue vendors, in catalogue order.
pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|e| e.name)
}

/// The environment variables that hold the key of catalogue vendor `name` (first one preferred),
/// empty for vendors that need no key.
pub fn key_variables(name: &str) -> &'static [&'static str] {
    CATALOGUE
        .iter()
        .find(|e| e.name == name)
        .map_or(&[], |e| e.key_variables)
}

/// Whether zero-config may enable catalogue vendor `name` because its key variable is set. Local
/// servers whose key is optional (vLLM, llama.cpp, LM Studio) are enabled only by a
/// `[vendors.NAME]` table; Ollama, which needs no key, is probed instead.
pub(crate) fn auto_enabled_by_key(name: &str) -> bool {
    !key_variables(name).is_empty() && !KEY_OPTIONAL.contains(&name)
}

/// Whether catalogue vendor `name` is probed on its default address at start when the file does
/// not mention it (it needs no key: Ollama).
pub(crate) fn probed(name: &str) -> bool {
    CATALOGUE
        .iter()
        .any(|e| e.name == name && e.key_variables.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names_are_pinned() {
        let names: Vec<&str> = names().collect();
        assert_eq!(
            names,
            [
                "anthropic",
                "openai",
                "dashscope",
                "dashscope-cn",
                "deepseek",
                "moonshot",
                "moonshot-cn",
                "zhipu",
                "zai",
                "gemini",
                "openrouter",
                "ollama",
                "vllm",
                "llamacpp",
                "lmstudio"
            ]
        );
        let vendors = vendors();
        assert_eq!(vendors.len(), names.len());
        for (v, n) in vendors.iter().zip(&names) {
            assert_eq!(v.name, *n);
        }
    }

    #[test]
    fn every_catalogue_vendor_has_a_valid_profile_row() {
        let rows = profile_rows();
        for name in names() {
            assert!(
                rows.contains_key(name),
                "profiles.toml has no row for {name}"
            );
            assert_eq!(profile(name, None).unwrap().vendor, name);
        }
        for key in rows.keys() {
            assert!(
                names().any(|n| n == key),
                "profiles.toml row {key} is no vendor"
            );
        }
        let a = vendor("anthropic").unwrap().profile;
        assert!(a.cache_control && !a.strip_billing_header && a.untagged_signatures);
        assert_eq!(a.max_temperature, 1.0);
        let d = vendor("deepseek").unwrap().profile;
        assert!(d.reasoning_back && !d.images && d.strip_billing_header);
        assert!(!vendor("moonshot").unwrap().profile.tool_choice_required);
    }

    #[test]
    fn profile_overrides_apply_over_the_preset_and_are_checked() {
        let mut o = toml::Table::new();
        o.insert("stream_usage".into(), toml::Value::Boolean(false));
        let p = profile_for("mine", Some("deepseek"), Some(&o)).unwrap();
        assert!(!p.stream_usage && p.reasoning_back);
        assert_eq!(p.vendor, "mine");
        o.insert("nonsense".into(), toml::Value::Boolean(true));
        let e = profile_for("mine", Some("deepseek"), Some(&o)).unwrap_err();
        assert!(e.contains("nonsense"), "{e}");
        let p = profile_for("custom", None, None).unwrap();
        assert_eq!(p, Profile::named("custom"));
    }

    #[test]
    fn catalogue_invariants() {
        for v in vendors() {
            assert!(!v.endpoints.is_empty(), "{}", v.name);
            for (i, e) in v.endpoints.iter().enumerate() {
                assert!(
                    v.endpoints[..i].iter().all(|o| o.protocol != e.protocol),
                    "{}: one endpoint per protocol",
                    v.name
                );
                assert!(!e.base_url.ends_with('/'), "{}", v.name);
                assert!(
                    e.base_url.starts_with("https://")
                        || e.base_url.starts_with("http://localhost"),
                    "{}",
                    v.name
                );
                if e.protocol == Protocol::Anthropic {
                    assert!(!e.base_url.ends_with("/v1"), "{}", v.name);
                }
            }
            let vars = key_variables(&v.name);
            match vars.first() {
                Some(var) => {
                    assert_eq!(v.key, Some(SecretSource::Env((*var).to_owned())));
                    assert_eq!(v.origin, VendorOrigin::KeyVariable((*var).to_owned()));
                }
                None => {
                    assert_eq!(v.key, None);
                    assert_eq!(v.origin, VendorOrigin::Probed);
                }
            }
            assert_eq!(
                v.is_local(),
                v.endpoints
                    .iter()
                    .all(|e| e.base_url.starts_with("http://localhost"))
            );
        }
    }

    #[test]
    fn facts_of_a_few_vendors() {
        let a = vendor("anthropic").unwrap();
        assert_eq!(a.display_name, "Anthropic");
        assert_eq!(
            a.endpoints,
            [VendorEndpoint {
                protocol: Protocol::Anthropic,
                base_url: "https://api.anthropic.com".into(),
                auth: AuthStyle::XApiKey
            }]
        );
        assert_eq!(a.jurisdiction, Jurisdiction::Country("US".into()));
        assert!(a.count_tokens && a.forward_anthropic_beta);
        assert_eq!(a.models[0].as_str(), "claude-*");

        let d = vendor("dashscope").unwrap();
        assert_eq!(d.jurisdiction.to_string(), "SG");
        assert_eq!(
            d.endpoint(Protocol::Anthropic).unwrap().base_url,
            "https://dashscope-intl.aliyuncs.com/apps/anthropic"
        );
        assert_eq!(
            d.endpoint(Protocol::OpenAiResponses).unwrap().base_url,
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
        );

        let m = vendor("moonshot").unwrap();
        assert_eq!(
            m.endpoint(Protocol::Anthropic).unwrap().auth,
            AuthStyle::Bearer
        );

        let o = vendor("ollama").unwrap();
        assert!(o.is_local());
        assert!(o.endpoints.iter().all(|e| e.auth == AuthStyle::None));
        assert_eq!(o.models[0].as_str(), "*");

        assert_eq!(key_variables("zhipu"), ["ZHIPUAI_API_KEY", "ZHIPU_API_KEY"]);
        assert_eq!(
            key_variables("gemini"),
            ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
        );
        assert!(key_variables("ollama").is_empty());
        assert!(key_variables("nope").is_empty());
        assert!(vendor("nope").is_none());
        assert!(vendor("vllm").unwrap().count_tokens);
        assert!(vendor("vllm").unwrap().models.is_empty());
    }

    #[test]
    fn which_vendors_enable_themselves() {
        let auto: Vec<&str> = names().filter(|n| auto_enabled_by_key(n)).collect();
        assert_eq!(
            auto,
            [
                "anthropic",
                "openai",
                "dashscope",
                "dashscope-cn",
                "deepseek",
                "moonshot",
                "moonshot-cn",
                "zhipu",
                "zai",
                "gemini",
                "openrouter"
            ]
        );
        let probed: Vec<&str> = names().filter(|n| probed(n)).collect();
        assert_eq!(probed, ["ollama"]);
    }
}
