//! `GET /v1/models`: one body that both the Anthropic and the OpenAI SDKs accept.
//!
//! The Anthropic shape (`{data:[{type:"model", id, display_name, created_at}], has_more, first_id,
//! last_id}`) and the OpenAI shape (`{object:"list", data:[{id, object:"model", created,
//! owned_by}]}`) do not conflict, so every entry carries both sets of fields:
//!
//! ```json
//! {"object":"list","data":[{"type":"model","id":"m","display_name":"m",
//!   "created_at":"2024-10-22T00:00:00Z","object":"model","created":1729555200,"owned_by":"v"}],
//!  "has_more":false,"first_id":"m","last_id":"m"}
//! ```

use serde::Serialize;

/// One model weir can route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedModel {
    /// The model name a client sends.
    pub id: String,
    /// Who serves it (the vendor's name in weir's configuration), reported as `owned_by`.
    pub owned_by: String,
    /// Unix seconds reported as `created` / `created_at` (RFC 3339).
    pub created: i64,
}

/// The list body for `models`.
pub fn list_body(models: &[ListedModel]) -> Vec<u8> {
    to_json(&List {
        object: "list",
        data: models.iter().map(Entry::new).collect(),
        has_more: false,
        first_id: models.first().map(|m| m.id.as_str()),
        last_id: models.last().map(|m| m.id.as_str()),
    })
}

/// The body for `GET /v1/models/{id}` (one entry, same union of fields).
pub fn model_body(model: &ListedModel) -> Vec<u8> {
    to_json(&Entry::new(model))
}

/// Formats Unix seconds as an RFC 3339 UTC timestamp, `YYYY-MM-DDTHH:MM:SSZ` (proleptic
/// Gregorian calendar). Years outside 0000–9999, which RFC 3339 cannot express, are clamped to
/// that range.
pub fn rfc3339(unix_seconds: i64) -> String {
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const MIN: i64 = -62_167_219_200;
    const MAX: i64 = 253_402_300_799;
    let secs = unix_seconds.clamp(MIN, MAX);
    let (days, in_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html>).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097); // 400-year eras
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year starting in March
    let mp = (5 * doy + 2) / 153; // month starting in March, 0..=11
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[derive(Serialize)]
struct List<'a> {
    object: &'static str,
    data: Vec<Entry<'a>>,
    has_more: bool,
    first_id: Option<&'a str>,
    last_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    display_name: &'a str,
    created_at: String,
    object: &'static str,
    created: i64,
    owned_by: &'a str,
}

impl<'a> Entry<'a> {
    fn new(m: &'a ListedModel) -> Self {
        Entry {
            kind: "model",
            id: &m.id,
            display_name: &m.id,
            created_at: rfc3339(m.created),
            object: "model",
            created: m.created,
            owned_by: &m.owned_by,
        }
    }
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    // Strings and integers only: serialising to a `Vec` cannot fail.
    serde_json::to_vec(value).expect("model lists always serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(id: &str, owned_by: &str, created: i64) -> ListedModel {
        ListedModel {
            id: id.into(),
            owned_by: owned_by.into(),
            created,
        }
    }

    #[test]
    fn list_carries_both_shapes() {
        let body = list_body(&[
            model("claude-sonnet", "anthropic", 1_729_555_200),
            model("deepseek-chat", "deepseek", 1_700_000_000),
        ]);
        insta::assert_snapshot!(std::str::from_utf8(&body).unwrap(), @r#"{"object":"list","data":[{"type":"model","id":"claude-sonnet","display_name":"claude-sonnet","created_at":"2024-10-22T00:00:00Z","object":"model","created":1729555200,"owned_by":"anthropic"},{"type":"model","id":"deepseek-chat","display_name":"deepseek-chat","created_at":"2023-11-14T22:13:20Z","object":"model","created":1700000000,"owned_by":"deepseek"}],"has_more":false,"first_id":"claude-sonnet","last_id":"deepseek-chat"}"#);
    }

    #[test]
    fn empty_list_has_null_ids() {
        let body = String::from_utf8(list_body(&[])).unwrap();
        assert_eq!(
            body,
            r#"{"object":"list","data":[],"has_more":false,"first_id":null,"last_id":null}"#
        );
    }

    #[test]
    fn single_model_body() {
        let body = String::from_utf8(model_body(&model("m\"x", "v", 0))).unwrap();
        assert_eq!(
            body,
            r#"{"type":"model","id":"m\"x","display_name":"m\"x","created_at":"1970-01-01T00:00:00Z","object":"model","created":0,"owned_by":"v"}"#
        );
    }

    #[test]
    fn rfc3339_known_dates() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (1_735_689_599, "2024-12-31T23:59:59Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
            (-62_135_596_800, "0001-01-01T00:00:00Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (i64::MAX, "9999-12-31T23:59:59Z"),
            (i64::MIN, "0000-01-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(secs), text, "{secs}");
        }
    }

    /// The inverse of `civil_from_days`, counted the slow way.
    fn days_from_civil_slow(year: i64, month: i64, day: i64) -> i64 {
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let year_len = |y: i64| if leap(y) { 366 } else { 365 };
        let mut days: i64 = if year >= 1970 {
            (1970..year).map(year_len).sum()
        } else {
            -(year..1970).map(year_len).sum::<i64>()
        };
        let month_len = [
            31,
            if leap(year) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        days += month_len[..(month - 1) as usize].iter().sum::<i64>();
        days + day - 1
    }

    proptest! {
        #[test]
        fn civil_from_days_matches_counting(days in -800_000i64..800_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            prop_assert_eq!(days_from_civil_slow(y, m, d), days);
        }

        #[test]
        fn consecutive_seconds_format_in_order(secs in -62_167_219_200i64..253_402_300_799) {
            // Same-width fixed format: string order equals time order.
            prop_assert!(rfc3339(secs) < rfc3339(secs + 1));
        }
    }
}
