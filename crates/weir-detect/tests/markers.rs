//! Hidden markers: every class found where it is one (kind, code point, span), ordinary uses
//! of the same characters not reported, tag and variation-selector text decoded, boilerplate
//! lines checked against how their tool writes them, and strip/normalize.

use proptest::prelude::*;
use weir_detect::Role;
use weir_detect::json;
use weir_detect::marker::{self, Marker, MarkerKind, normalize, strip};

const ROLES: [Role; 6] = [
    Role::System,
    Role::User,
    Role::Assistant,
    Role::ToolResult,
    Role::Meta,
    Role::Other,
];

fn scan(text: &str, role: Role) -> Vec<Marker> {
    let mut out = Vec::new();
    marker::scan(text, role, &mut out);
    out
}

/// The single marker in `text`; fails showing what was found otherwise.
fn only(text: &str, role: Role) -> Marker {
    let found = scan(text, role);
    assert_eq!(found.len(), 1, "{text:?} as {role:?}: {found:#?}");
    found.into_iter().next().unwrap()
}

/// Asserts nothing is reported in `text` in any role, and that strip and normalize leave it
/// byte for byte.
fn clean(text: &str, roles: &[Role]) {
    for &role in roles {
        let found = scan(text, role);
        assert!(found.is_empty(), "{text:?} as {role:?}: {found:#?}");
        assert_eq!(strip(text, &found), text);
        assert_eq!(normalize(text, &found), text);
    }
}

/// `text` with `marker` at the place of `@`; the byte range of the marker.
fn place(text: &str, marker: &str) -> (String, std::ops::Range<usize>) {
    let at = text.find('@').expect("an @ in the template");
    (text.replacen('@', marker, 1), at..at + marker.len())
}

fn tags(s: &str) -> String {
    s.chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect()
}

/// Variation selectors encoding `bytes`, one selector per byte.
fn selectors(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            let cp = if b < 16 {
                0xFE00 + b as u32
            } else {
                0xE0100 + b as u32 - 16
            };
            char::from_u32(cp).unwrap()
        })
        .collect()
}

#[test]
fn invisible_characters_in_every_role() {
    let cases = [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{2062}', '\u{FEFF}', '\u{00AD}',
        '\u{180E}', '\u{034F}', '\u{115F}', '\u{3164}', '\u{FFA0}',
    ];
    for c in cases {
        for role in ROLES {
            let (text, span) = place("Run the tests@ and report back.", &c.to_string());
            let m = only(&text, role);
            assert_eq!(m.kind, MarkerKind::Invisible, "{c:?}");
            assert_eq!(m.span, span);
            assert_eq!(m.code_points, vec![c]);
            assert!(m.deliberate, "{c:?} among ASCII words");
            assert_eq!(m.plain, None);
            assert!(m.why.contains(&format!("U+{:04X}", c as u32)), "{}", m.why);
        }
    }
}

#[test]
fn consecutive_invisibles_are_one_marker() {
    let (text, span) = place("id: 4f2a@9c", "\u{200B}\u{200C}\u{200B}\u{200D}");
    let m = only(&text, Role::Meta);
    assert_eq!(m.span, span);
    assert_eq!(m.code_points.len(), 4);
    assert!(m.why.starts_with("4 invisible characters"), "{}", m.why);
}

#[test]
fn invisible_in_other_scripts_is_reported_but_not_deliberate_in_prose() {
    // A word joiner in Russian prose has no job there, but nothing says it was planted.
    let (text, span) = place("Привет@ мир", "\u{2060}");
    let m = only(&text, Role::User);
    assert_eq!(
        (m.kind, m.span.clone(), m.deliberate),
        (MarkerKind::Invisible, span.clone(), false)
    );
    // The same in the tool's instructions is deliberate.
    assert!(only(&text, Role::System).deliberate);
}

#[test]
fn tag_characters_are_decoded() {
    for role in ROLES {
        let hidden = format!("\u{E0001}{}\u{E007F}", tags("user in Berlin"));
        let (text, span) = place("You are a helpful assistant.@", &hidden);
        let m = only(&text, role);
        assert_eq!(m.kind, MarkerKind::Tag);
        assert_eq!(m.span, span);
        assert_eq!(m.hidden.as_deref(), Some("user in Berlin"));
        assert_eq!(m.code_points.len(), 16);
        assert_eq!(m.code_points[0], '\u{E0001}');
        assert!(m.deliberate);
        assert!(m.why.contains("user in Berlin"), "{}", m.why);
    }
}

#[test]
fn bidi_controls() {
    for c in [
        '\u{202A}', '\u{202B}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
        '\u{200E}', '\u{200F}', '\u{061C}',
    ] {
        for role in ROLES {
            let (text, span) = place("if (isAdmin) {@ return true; }", &c.to_string());
            let m = only(&text, role);
            assert_eq!(
                (m.kind, m.span, m.code_points),
                (MarkerKind::Bidi, span, vec![c]),
                "{c:?} {role:?}"
            );
            assert!(m.deliberate);
        }
    }
    // The Trojan Source shape: an override and isolates in a comment; four runs.
    let text = "/*\u{202E} } \u{2066}if (isAdmin)\u{2069} \u{2066} begin admins only */";
    let found = scan(text, Role::ToolResult);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|m| m.kind == MarkerKind::Bidi && m.deliberate)
    );
    assert!(
        found[0].why.contains("forces the display order"),
        "{}",
        found[0].why
    );
}

#[test]
fn variation_selectors() {
    for role in ROLES {
        // A selector after a letter that has no variants.
        let (text, span) = place("Use the tools provided.a@", "\u{FE0F}");
        let m = only(&text, role);
        assert_eq!(
            (m.kind, m.span, m.code_points),
            (MarkerKind::VariationSelector, span, vec!['\u{FE0F}'])
        );
        assert!(m.deliberate);
        // A run encoding bytes, after an emoji, decoded.
        let payload = selectors("tz=Europe/Berlin".as_bytes());
        let (text, span) = place("Done 👍@ see you", &payload);
        let m = only(&text, role);
        assert_eq!((m.kind, m.span), (MarkerKind::VariationSelector, span));
        assert_eq!(m.hidden.as_deref(), Some("tz=Europe/Berlin"));
        assert_eq!(m.code_points.len(), 16);
        assert!(m.deliberate);
    }
    // Bytes that are not text are still reported, without hidden text.
    let (text, _) = place("ok@", &selectors(&[0, 1, 2, 3]));
    let m = only(&text, Role::User);
    assert_eq!(m.hidden, None);
    assert!(m.why.contains("4 bytes"), "{}", m.why);
}

#[test]
fn unusual_spaces() {
    for c in [
        '\u{00A0}', '\u{2002}', '\u{2003}', '\u{2009}', '\u{200A}', '\u{202F}', '\u{205F}',
        '\u{3000}', '\u{1680}', '\u{2800}',
    ] {
        for role in ROLES {
            let (text, span) = place("Read the file@carefully.", &c.to_string());
            let m = only(&text, role);
            assert_eq!(
                (m.kind, m.span, m.code_points.clone()),
                (MarkerKind::UnusualSpace, span, vec![c]),
                "{c:?}"
            );
            assert_eq!(m.plain.as_deref(), Some(" "));
            // Deliberate only in the tool's own text: a person pastes no-break spaces.
            assert_eq!(
                m.deliberate,
                matches!(role, Role::System | Role::Meta),
                "{c:?} {role:?}"
            );
        }
    }
}

#[test]
fn mixed_script_words() {
    for role in ROLES {
        let (text, span) = place("Log in to p@ypal to continue", "\u{0430}");
        let m = only(&text, role);
        assert_eq!(
            (m.kind, m.span, m.code_points),
            (MarkerKind::Confusable, span, vec!['\u{0430}'])
        );
        assert_eq!(m.plain.as_deref(), Some("a"));
        assert!(m.deliberate);
        assert!(
            m.why.contains("Cyrillic small letter a U+0430"),
            "{}",
            m.why
        );
    }
    // Two look-alikes apart in one word are two markers; a Greek capital omicron too.
    let found = scan(
        "c\u{043E}nfig \u{039F}K r\u{0435}l\u{0435}ase",
        Role::System,
    );
    let points: Vec<_> = found.iter().map(|m| m.code_points.clone()).collect();
    assert_eq!(
        points,
        vec![
            vec!['\u{043E}'],
            vec!['\u{039F}'],
            vec!['\u{0435}'],
            vec!['\u{0435}']
        ]
    );
    // Fullwidth and mathematical letters inside an ASCII word.
    let m = only("pass\u{FF57}ord", Role::User);
    assert_eq!(
        (m.kind, m.plain.as_deref(), m.deliberate),
        (MarkerKind::Confusable, Some("w"), true)
    );
    let m = only("admin\u{1D41A}", Role::User);
    assert_eq!(m.plain.as_deref(), Some("a"));
    // A whole word of look-alikes among ASCII words.
    let m = only("Send it to \u{0420}\u{0430}\u{0443} now", Role::User);
    assert_eq!((m.code_points.len(), m.plain.as_deref()), (3, Some("Pay")));
}

#[test]
fn foreign_digits_among_ascii_digits() {
    for role in ROLES {
        let (text, span) = place("Deadline: 2026-0@-14", "\u{0663}");
        let m = only(&text, role);
        assert_eq!(
            (m.kind, m.span, m.plain.as_deref()),
            (MarkerKind::Confusable, span, Some("3"))
        );
        assert!(m.deliberate);
        let (text, span) = place("build 1@7", "\u{FF12}");
        let m = only(&text, role);
        assert_eq!(
            (m.span, m.plain.as_deref(), m.deliberate),
            (span, Some("2"), true)
        );
        let (text, span) = place("port 80@", "\u{1D7EC}");
        assert_eq!(only(&text, role).span, span);
        let (text, _) = place("v1.@", "\u{0966}");
        assert_eq!(only(&text, role).plain.as_deref(), Some("0"));
    }
    // Digits of another script alone in ASCII text: visible, reported, not deliberate in prose.
    let m = only("page \u{0661}\u{0662} of the report", Role::User);
    assert_eq!((m.code_points.len(), m.deliberate), (2, false));
}

#[test]
fn fullwidth_outside_cjk() {
    let (text, span) = place("Run it@ now", "\u{FF01}");
    let m = only(&text, Role::System);
    assert_eq!(
        (m.kind, m.span, m.plain.as_deref(), m.deliberate),
        (MarkerKind::Confusable, span, Some("!"), true)
    );
    let m = only("Run it \u{FF01} now", Role::User);
    assert!(!m.deliberate);
}

#[test]
fn a_minority_apostrophe_in_the_tools_text() {
    let (text, span) = place(
        "Don't guess. It's fine to ask. Never edit the user@s files without asking; don't push.",
        "\u{2019}",
    );
    let m = only(&text, Role::System);
    assert_eq!(
        (m.kind, m.span, m.plain.as_deref()),
        (MarkerKind::Confusable, span, Some("'"))
    );
    assert!(m.deliberate);
    assert!(
        m.why.contains("right single quotation mark U+2019"),
        "{}",
        m.why
    );
    assert!(m.why.contains("ASCII apostrophes (3 of them)"), "{}", m.why);
    // The same in a person's prose is nobody's marker.
    for role in [Role::User, Role::Assistant, Role::ToolResult, Role::Other] {
        clean(&text, &[role]);
    }
    // Instructions that write curly apostrophes throughout are consistent.
    clean(
        "Don’t guess. It’s fine to ask. Never edit the user’s files.",
        &[Role::System],
    );
    // A modifier apostrophe and a hyphen look-alike, each the odd one out.
    let m = only("Don't do it, it's not allowed, can\u{02BC}t", Role::System);
    assert_eq!(m.code_points, vec!['\u{02BC}']);
    let m = only(
        "read-only, built-in, well-known, up\u{2010}to-date",
        Role::System,
    );
    assert_eq!(
        (m.code_points.clone(), m.plain.as_deref()),
        (vec!['\u{2010}'], Some("-"))
    );
    // A list bullet drawn with another dash among ASCII ones.
    let (text, span) = place("Rules:\n- be brief\n- be right\n@ be kind\n", "\u{2010}");
    let m = only(&text, Role::System);
    assert_eq!((m.kind, m.span), (MarkerKind::Confusable, span));
    assert!(m.why.contains("list bullet"), "{}", m.why);
    // Instructions assembled from parts: a paragraph written with curly apostrophes
    // throughout is that part's style, whatever the other paragraphs use.
    clean(
        "Don't guess. It's fine to ask.\n\nNever edit the user’s files; don’t push.\n\nWe're done, that's all.",
        &[Role::System],
    );
}

#[test]
fn ordinary_uses_are_not_reported() {
    let all = &ROLES;
    // Emoji: ZWJ sequences, presentation selectors, keycaps, skin tones, subdivision flags.
    clean(
        "Family 👨\u{200D}👩\u{200D}👧 and 🏳\u{FE0F}\u{200D}🌈 and 👩🏽\u{200D}💻 coding",
        all,
    );
    clean(
        "I ❤\u{FE0F} this, ☺\u{FE0E} and ✔\u{FE0F} done, press 1\u{FE0F}\u{20E3}",
        all,
    );
    clean(
        "Go 🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} go",
        all,
    );
    clean("👨\u{200D}❤\u{FE0F}\u{200D}👨", all);
    // Right-to-left text with its marks, isolates and embeddings.
    clean("שלום\u{200F} (hello) עולם", all);
    clean("\u{061C}١٢٣ مرحبا", all);
    clean("The name \u{2067}محمد\u{2069} was entered", all);
    clean("\u{202B}טקסט\u{202C} done", all);
    // Joiners in Persian and Devanagari, zero-width spaces in Thai.
    clean("می\u{200C}خواهم", all);
    clean("क्\u{200D}ष", all);
    clean("สวัสดี\u{200B}ครับ", all);
    // Byte order marks: at the start, and at the start of a numbered file listing.
    clean("\u{FEFF}import os", all);
    clean("     1\t\u{FEFF}import os\n     2\tprint(1)", all);
    clean("     1→\u{FEFF}# Title", all);
    // CJK: ideographic space, fullwidth forms, ideographic variation sequences.
    clean("日本語\u{3000}テキスト", all);
    clean(
        "価格は\u{FF21}\u{FF22}\u{FF23}\u{FF11}\u{FF12}円です！",
        all,
    );
    clean("葛\u{E0100}飾区", all);
    clean("≩\u{FE00} holds", all);
    // Digits of a script in its own text.
    clean("٢٠٢٦ سنة جيدة", all);
    clean("वर्ष २०२६ अच्छा है", all);
    // Greek and Russian prose, including words made only of letters that look Latin.
    clean("Γειά σου κόσμε, ο ήλιος", all);
    clean("Он и она: а ее нет, сосна", all);
    // Typographic spaces in prose.
    let prose = [Role::User, Role::Assistant, Role::ToolResult, Role::Other];
    clean(
        "Bonjour\u{00A0}: ça va\u{202F}? «\u{00A0}oui\u{00A0}»",
        &prose,
    );
    clean(
        "It is 10\u{00A0}km away and costs 1\u{202F}000\u{202F}000\u{00A0}€",
        &prose,
    );
    clean(
        "See p.\u{00A0}5 and Windows\u{00A0}11, Dr.\u{00A0}Who, a\u{00A0}dom",
        &prose,
    );
    clean("word\u{200A}—\u{200A}word", &prose);
    // Curly quotes and dashes in prose, and math minus.
    clean(
        "It’s “fine” — really – and ‘quoted’; x − 1, well‐known",
        &prose,
    );
    // Accented Latin and a Latin word next to a Greek one.
    clean("Café naïve Ærø, the μm scale and Δx", all);
}

#[test]
fn boilerplate_date_line() {
    // As the tool writes it: nothing.
    clean("# currentDate\nToday's date is 2026-03-14.\n", &ROLES);
    // A curly apostrophe in the line.
    let (text, span) = place("# currentDate\nToday@s date is 2026-03-14.\n", "\u{2019}");
    for role in ROLES {
        let m = only(&text, role);
        assert_eq!(
            (m.kind, m.span.clone(), m.code_points.clone()),
            (MarkerKind::Boilerplate, span.clone(), vec!['\u{2019}'])
        );
        assert_eq!(m.plain.as_deref(), Some("'"));
        assert!(m.deliberate);
        assert!(m.why.contains("Today's date is {date}."), "{}", m.why);
        assert!(m.why.contains("an ASCII apostrophe"), "{}", m.why);
        assert_eq!(
            normalize(&text, &[m]),
            "# currentDate\nToday's date is 2026-03-14.\n"
        );
    }
    // Other date forms, rewritten to the tool's by normalize.
    for (date, form) in [
        ("14/03/2026", "DD/MM/YYYY"),
        ("3/14/2026", "M/DD/YYYY"),
        ("14.03.2026", "DD.MM.YYYY"),
        ("March 14, 2026", "Month DD, YYYY"),
        ("Saturday, 14 March 2026", "Weekday, DD Month YYYY"),
        ("2026/03/14", "YYYY/MM/DD"),
    ] {
        let text = format!("# currentDate\nToday's date is {date}.");
        let m = only(&text, Role::User);
        assert_eq!(m.kind, MarkerKind::Boilerplate);
        assert_eq!(&text[m.span.clone()], date);
        assert!(m.why.contains(&format!("in the form {form} ")), "{}", m.why);
        assert!(m.why.ends_with("writes YYYY-MM-DD"), "{}", m.why);
        assert_eq!(
            normalize(&text, &[m]),
            "# currentDate\nToday's date is 2026-03-14."
        );
    }
    // A date whose day and month cannot be told apart is still another form; normalize
    // leaves it, having nothing certain to write instead.
    let text = "# currentDate\nToday's date is 03/04/2026.";
    let m = only(text, Role::User);
    assert!(m.why.contains("NN/NN/YYYY"), "{}", m.why);
    assert_eq!(normalize(text, &[m]), text);
}

#[test]
fn boilerplate_lines_need_their_block_outside_the_tools_text() {
    // A person writing the same sentence with a curly apostrophe and their own date form.
    clean(
        "Today’s date is March 14, 2026.",
        &[Role::User, Role::Assistant, Role::ToolResult],
    );
    // In the tool's instructions the line counts alone.
    let m = only("Today’s date is 2026-03-14.", Role::System);
    assert_eq!(m.kind, MarkerKind::Boilerplate);
    // Where the tool allows the user's locale, any date form is its own.
    let ctx = "<session_context>\nThis is the CLI. We are setting up the context for our chat.\n";
    clean(
        &format!(
            "{ctx}Today's date is samedi 14 mars 2026 (formatted according to the user's locale)."
        ),
        &ROLES,
    );
    let text = format!(
        "{ctx}Today's date is Saturday, March 14, 2026 (formatted according to the user\u{2019}s locale)."
    );
    let m = only(&text, Role::User);
    assert_eq!(
        (m.kind, m.code_points.clone()),
        (MarkerKind::Boilerplate, vec!['\u{2019}'])
    );
}

#[test]
fn boilerplate_deviations_of_every_sort() {
    let env = "<environment_context>\n  <cwd>/src</cwd>\n";
    // A foreign digit in a date of the right form.
    let (text, span) = place(
        &format!("{env}  <current_date>2026-0@-14</current_date>"),
        "\u{0663}",
    );
    let m = only(&text, Role::User);
    assert_eq!(
        (m.kind, m.span, m.plain.as_deref()),
        (MarkerKind::Boilerplate, span, Some("3"))
    );
    // A no-break space, and a doubled space.
    let (text, span) = place("Today's@date is 2026-03-14.", "\u{00A0}");
    let m = only(&text, Role::System);
    assert_eq!(
        (m.kind, m.span, m.plain.as_deref()),
        (MarkerKind::Boilerplate, span, Some(" "))
    );
    let m = only("Today's date  is 2026-03-14.", Role::System);
    assert_eq!(
        (m.kind, m.span.clone(), m.plain.as_deref()),
        (MarkerKind::Boilerplate, 13..14, Some(""))
    );
    // A Cyrillic letter in the line's words.
    let (text, span) = place("Today's d@te is 2026-03-14.", "\u{0430}");
    let m = only(&text, Role::System);
    assert_eq!(
        (m.kind, m.span, m.plain.as_deref()),
        (MarkerKind::Boilerplate, span, Some("a"))
    );
    // An invisible character in the line stays invisible (strip removes it), and is deliberate
    // because of where it is.
    let (text, span) = place("# currentDate\nToday's date@ is 2026-03-14.", "\u{200C}");
    let m = only(&text, Role::User);
    assert_eq!((m.kind, m.span), (MarkerKind::Invisible, span));
    assert!(
        m.deliberate && m.why.contains("inside the boilerplate line"),
        "{}",
        m.why
    );
}

#[test]
fn text_that_arrives_json_escaped() {
    let raw =
        br#"{"system":"Answer briefly.\u200b\nToday\u2019s date is 2026-03-14.","x":"\ud83d\ude00"}"#;
    let mut seen = Vec::new();
    json::strings(raw, |path, range| {
        let mut text = Vec::new();
        let mut map = Vec::new();
        json::decode(&raw[range.clone()], &mut text, Some(&mut map));
        let text = String::from_utf8(text).unwrap();
        let role = if json::render(raw, path) == "system" {
            Role::System
        } else {
            Role::User
        };
        for m in scan(&text, role) {
            let raw_span = range.start + map[m.span.start]..range.start + map[m.span.end];
            seen.push((m.kind, String::from_utf8_lossy(&raw[raw_span]).into_owned()));
        }
    })
    .unwrap();
    assert_eq!(
        seen,
        vec![
            (MarkerKind::Invisible, r"\u200b".to_owned()),
            (MarkerKind::Boilerplate, r"\u2019".to_owned()),
        ]
    );
}

#[test]
fn markers_split_across_two_texts() {
    // A tag run cut in two (two content blocks, two chunks): each half reported and decoded.
    let first = format!("Be concise.{}", tags("loc=Ber"));
    let second = format!("{} Use tools.", tags("lin"));
    let a = only(&first, Role::System);
    let b = only(&second, Role::System);
    assert_eq!(
        (a.hidden.as_deref(), b.hidden.as_deref()),
        (Some("loc=Ber"), Some("lin"))
    );
    assert_eq!((a.span, b.span), (11..11 + 4 * 7, 0..4 * 3));
    // A variation-selector run cut in two.
    let bytes = selectors(b"Berlin");
    let (x, y) = bytes.split_at(4 * 3);
    assert_eq!(
        only(&format!("ok 👍{x}"), Role::User).hidden.as_deref(),
        Some("Ber")
    );
    assert_eq!(
        only(&format!("{y} fine"), Role::User).hidden.as_deref(),
        Some("lin")
    );
    // A zero-width joiner that would join two emoji, each in another text, joins nothing.
    assert_eq!(only("👍\u{200D}", Role::User).kind, MarkerKind::Invisible);
    assert_eq!(only("\u{200D}👍", Role::User).kind, MarkerKind::Invisible);
}

#[test]
fn strip_and_normalize() {
    let text = "p\u{0430}y\u{200B}pal\u{00A0}now\u{202E}!";
    let found = scan(text, Role::System);
    let kinds: Vec<_> = found.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MarkerKind::Confusable,
            MarkerKind::Invisible,
            MarkerKind::UnusualSpace,
            MarkerKind::Bidi
        ]
    );
    assert_eq!(strip(text, &found), "p\u{0430}ypal\u{00A0}now!");
    assert_eq!(normalize(text, &found), "paypal now!");
    // Markers that overlap or do not fall on character boundaries are ignored, not a panic.
    let mut bad = found.clone();
    bad[1].span = 1..2;
    bad.push(Marker {
        span: 0..100,
        ..found[0].clone()
    });
    let _ = strip(text, &bad);
    let _ = normalize(text, &bad);
}

/// Fragments of ordinary text that hold non-ASCII characters in their ordinary use.
const CLEAN: &[&str] = &[
    "fn main() { println!(\"hi\"); }",
    "Please fix the failing test in src/lib.rs",
    "Café au lait, naïve résumé",
    "日本語のテキスト",
    "価格は１２３円です",
    "中文\u{3000}文本",
    "👨\u{200D}👩\u{200D}👧",
    "❤\u{FE0F}",
    "1\u{FE0F}\u{20E3}",
    "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "שלום\u{200F} עולם",
    "مرحبا\u{200F}",
    "می\u{200C}خواهم",
    "สวัสดี\u{200B}ครับ",
    "Привет, мир",
    "Γειά σου",
    "10\u{00A0}km",
    "Bonjour\u{00A0}!",
    "It’s “quoted” — fine",
    "x − 1",
    "\n",
    " ",
    "2026-03-14",
];

fn clean_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CLEAN), 0..12).prop_map(|parts| parts.join(" "))
}

fn prose_role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![
        Role::User,
        Role::Assistant,
        Role::ToolResult,
        Role::Other,
    ])
}

/// Any text, with the characters markers are made of mixed in often.
fn any_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\u{200B}',
        '\u{200D}',
        '\u{FEFF}',
        '\u{E0041}',
        '\u{E007F}',
        '\u{202E}',
        '\u{200F}',
        '\u{FE0F}',
        '\u{E0100}',
        '\u{00A0}',
        '\u{3000}',
        '\u{2019}',
        '\u{0430}',
        '\u{0663}',
        '\u{FF21}',
        '👍',
        '🏴',
        'ש',
        '日',
        'a',
        '1',
        ' ',
        '\n',
        '\'',
    ]);
    prop::collection::vec(prop_oneof![3 => special, 1 => any::<char>()], 0..40)
        .prop_map(|v| v.into_iter().collect())
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(ROLES.to_vec())
}

/// Text around the boilerplate lines: their blocks and openings, then anything.
fn near_boilerplate() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "# Environment\n",
        "<environment_context>\n",
        "<session_context>\n",
        "<system-reminder>\n",
        "Today's date is ",
        "Today\u{2019}s date is ",
        "  <current_date>",
        "</current_date>",
        "The current date is: ",
        ". Note: ",
        "- Platform: ",
        "2026-03-14",
        "Saturday, March 14, 2026",
        "14/03/2026",
        "2026\u{5E74}3\u{6708}14\u{65E5}",
        " (formatted according to the user's locale).",
        "\n",
        ".",
        " ",
    ]);
    prop::collection::vec(
        prop_oneof![4 => pieces.prop_map(String::from), 1 => any_text()],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn boilerplate_scan_is_exact_on_any_arrangement(text in near_boilerplate(), role in any_role()) {
        let found = scan(&text, role);
        let mut end = 0;
        for m in &found {
            prop_assert!(m.span.start >= end && m.span.start < m.span.end, "{:?}", found);
            end = m.span.end;
            let chars: Vec<char> = text[m.span.clone()].chars().collect();
            prop_assert_eq!(&chars, &m.code_points);
        }
        let again = scan(&strip(&text, &found), role);
        prop_assert!(again.iter().all(|m| !m.kind.is_hidden()));
    }

    #[test]
    fn ordinary_text_has_no_markers_and_is_left_alone(text in clean_text(), role in prose_role()) {
        let found = scan(&text, role);
        prop_assert!(found.is_empty(), "{:?}: {:?}", text, found);
        prop_assert_eq!(strip(&text, &found), text.clone());
        prop_assert_eq!(normalize(&text, &found), text);
    }

    #[test]
    fn strip_leaves_nothing_hidden(text in any_text(), role in any_role()) {
        let found = scan(&text, role);
        let stripped = strip(&text, &found);
        let again = scan(&stripped, role);
        prop_assert!(again.iter().all(|m| !m.kind.is_hidden()), "{:?} -> {:?}: {:?}", text, stripped, again);
        let normal = normalize(&text, &found);
        let again = scan(&normal, role);
        prop_assert!(again.iter().all(|m| !m.kind.is_hidden()), "{:?} -> {:?}: {:?}", text, normal, again);
    }

    #[test]
    fn markers_are_ordered_disjoint_and_exact(text in any_text(), role in any_role()) {
        let found = scan(&text, role);
        let mut end = 0;
        for m in &found {
            prop_assert!(m.span.start >= end && m.span.start < m.span.end);
            end = m.span.end;
            let chars: Vec<char> = text[m.span.clone()].chars().collect();
            prop_assert_eq!(&chars, &m.code_points);
            prop_assert!(!m.why.is_empty());
        }
        // Without markers, strip and normalize are the identity.
        if found.is_empty() {
            prop_assert_eq!(strip(&text, &found), text.clone());
            prop_assert_eq!(normalize(&text, &found), text);
        }
    }
}
