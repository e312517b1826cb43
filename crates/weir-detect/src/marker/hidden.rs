//! Characters that show nothing: invisible and format characters, tag characters,
//! bidirectional controls, variation selectors. Each run is either an ordinary use (a joiner
//! in an emoji sequence or an Indic word, a presentation selector after an emoji, a bidi mark
//! in right-to-left text, a subdivision flag's tags, a byte order mark at the start) or a
//! marker.

use super::table::{self, Bidi, Class};
use super::{Ctx, Hit, Marker, MarkerKind, names, script};

/// The marker a run of hidden characters makes, if it is one.
pub(super) fn decide(ctx: &Ctx, run: &[Hit]) -> Option<Marker> {
    let span = run[0].at..run[run.len() - 1].end();
    let chars: Vec<char> = run.iter().map(|h| h.c).collect();
    let prev = ctx.prev(span.start);
    let next = ctx.next(span.end);
    let (kind, deliberate, why, hidden) = match run[0].info.class {
        Class::Invisible => {
            if chars.len() == 1 && ordinary_invisible(ctx, chars[0], span.start, prev, next) {
                return None;
            }
            let what = if chars.len() == 1 {
                format!("{}, which shows nothing,", names(&chars))
            } else {
                format!("{} invisible characters ({})", chars.len(), names(&chars))
            };
            (
                MarkerKind::Invisible,
                ctx.deliberate(&span),
                format!("{what} {}", ctx.place(&span)),
                None,
            )
        }
        Class::Tag => {
            if prev == Some('\u{1F3F4}') && is_flag_tags(&chars) {
                return None;
            }
            let text = tag_text(&chars);
            let why = format!(
                "{} Unicode tag character{}, invisible, spelling {:?}",
                chars.len(),
                if chars.len() == 1 { "" } else { "s" },
                text
            );
            (MarkerKind::Tag, true, why, Some(text))
        }
        Class::Bidi(_) => {
            let overrides = run
                .iter()
                .any(|h| h.info.class == Class::Bidi(Bidi::Override));
            if !overrides && ctx.around_any(&span, script::is_rtl) {
                return None;
            }
            let effect = if overrides {
                "forces the display order of the text after it"
            } else {
                "changes how the text around it is ordered on screen"
            };
            (
                MarkerKind::Bidi,
                ctx.deliberate(&span),
                format!(
                    "{}, a bidirectional control that {effect}, {}",
                    names(&chars),
                    ctx.place(&span)
                ),
                None,
            )
        }
        _ => {
            if chars.len() == 1 && ordinary_selector(chars[0], prev, next) {
                return None;
            }
            let bytes = selector_bytes(&chars);
            let text = bytes.as_deref().and_then(printable);
            let base = match prev {
                Some(p) if p.is_ascii_graphic() => format!("'{p}' U+{:04X}", p as u32),
                Some(p) => super::table::describe(p),
                None => "the start of the text".to_owned(),
            };
            let why = match (&bytes, &text) {
                (Some(b), Some(t)) if chars.len() > 1 => format!(
                    "{} variation selectors after {base}, encoding {} bytes of hidden text {t:?}",
                    chars.len(),
                    b.len()
                ),
                (Some(b), None) if chars.len() > 1 => format!(
                    "{} variation selectors after {base}, encoding {} bytes of hidden data",
                    chars.len(),
                    b.len()
                ),
                _ if chars.len() > 1 => format!(
                    "{} variation selectors after {base}, which can take at most one",
                    chars.len()
                ),
                _ => format!(
                    "{} after {base}, which has no variant to select, {}",
                    names(&chars),
                    ctx.place(&span)
                ),
            };
            (
                MarkerKind::VariationSelector,
                chars.len() > 1 || ctx.deliberate(&span),
                why,
                if chars.len() > 1 { text } else { None },
            )
        }
    };
    Some(Marker {
        kind,
        span,
        code_points: chars,
        deliberate,
        why,
        plain: None,
        hidden,
    })
}

/// An invisible character doing its ordinary job.
fn ordinary_invisible(
    ctx: &Ctx,
    c: char,
    at: usize,
    prev: Option<char>,
    next: Option<char>,
) -> bool {
    // A script explains a joiner or a zero-width space only between visible characters: next
    // to another hidden character it is part of a hidden run, split or not (and stripping
    // that neighbour would join the two into one).
    let hidden = |c: Option<char>| {
        c.and_then(table::lookup).is_some_and(|i| {
            matches!(
                i.class,
                Class::Invisible | Class::Tag | Class::Bidi(_) | Class::Selector
            )
        })
    };
    let alone = !hidden(prev) && !hidden(next);
    let either = |f: fn(char) -> bool| alone && (prev.is_some_and(f) || next.is_some_and(f));
    match c {
        // A byte order mark at the start of the text, or of a file's first line as a tool
        // prints it (after a line number).
        '\u{FEFF}' => {
            let line = &ctx.text[..at];
            let line = line.rsplit('\n').next().unwrap_or(line);
            line.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '\t' | '→' | ':' | '|'))
        }
        // Joins emoji into one (family, profession, flag sequences), or shapes letters in
        // the joining and Indic scripts.
        '\u{200D}' => {
            (emoji_before(ctx, at) && next.is_some_and(script::is_emoji_base))
                || either(script::uses_joiners)
        }
        '\u{200C}' => either(script::uses_joiners),
        '\u{200B}' => either(script::breaks_with_zwsp),
        '\u{115F}' | '\u{1160}' => {
            either(|c| matches!(c as u32, 0x1100..=0x11FF | 0xA960..=0xA97F | 0xD7B0..=0xD7FF))
        }
        '\u{180E}' => either(|c| matches!(c as u32, 0x1800..=0x18AF)),
        '\u{17B4}' | '\u{17B5}' => either(|c| matches!(c as u32, 0x1780..=0x17FF)),
        // Keeps combining marks apart (Hebrew, diacritics).
        '\u{034F}' => either(|c| matches!(c as u32, 0x0300..=0x036F | 0x0591..=0x05C7)),
        _ => false,
    }
}

/// Whether an emoji ends at `at`: an emoji base, possibly followed by what modifies it
/// (presentation selectors, skin tones, tags).
fn emoji_before(ctx: &Ctx, at: usize) -> bool {
    for c in ctx.text[..at].chars().rev().take(40) {
        if script::is_emoji_base(c) {
            return true;
        }
        if !script::modifies_emoji(c) {
            return false;
        }
    }
    false
}

/// A variation selector selecting a variant its base has.
fn ordinary_selector(vs: char, prev: Option<char>, next: Option<char>) -> bool {
    let Some(base) = prev else {
        return false;
    };
    match vs {
        '\u{FE0E}' | '\u{FE0F}' => {
            if base.is_ascii() {
                // A keycap: digit, # or *, the selector, then the enclosing keycap.
                script::takes_presentation(base) && next == Some('\u{20E3}')
            } else {
                script::takes_presentation(base) || script::takes_standard_variant(base)
            }
        }
        '\u{FE00}'..='\u{FE0D}' => script::takes_standard_variant(base),
        '\u{E0100}'..='\u{E01EF}' => script::is_ideograph(base),
        // Mongolian free variation selectors after Mongolian letters.
        _ => matches!(base as u32, 0x1800..=0x18AF),
    }
}

/// Whether tag characters after U+1F3F4 (waving black flag) form a subdivision flag: tag
/// letters and digits, then CANCEL TAG.
fn is_flag_tags(chars: &[char]) -> bool {
    let Some((&last, body)) = chars.split_last() else {
        return false;
    };
    last == '\u{E007F}'
        && !body.is_empty()
        && body
            .iter()
            .all(|&c| matches!(c as u32, 0xE0030..=0xE0039 | 0xE0061..=0xE007A))
}

/// The ASCII text tag characters spell (LANGUAGE TAG and CANCEL TAG spell nothing).
fn tag_text(chars: &[char]) -> String {
    chars
        .iter()
        .filter_map(|&c| match c as u32 {
            cp @ 0xE0020..=0xE007E => char::from_u32(cp - 0xE0000),
            _ => None,
        })
        .collect()
}

/// The bytes a run of variation selectors encodes, one byte per selector (VS1..VS16 are
/// 0..15, VS17..VS256 are 16..255); `None` if a selector in the run is not one of those.
fn selector_bytes(chars: &[char]) -> Option<Vec<u8>> {
    chars
        .iter()
        .map(|&c| match c as u32 {
            cp @ 0xFE00..=0xFE0F => Some((cp - 0xFE00) as u8),
            cp @ 0xE0100..=0xE01EF => Some((cp - 0xE0100 + 16) as u8),
            _ => None,
        })
        .collect()
}

/// The bytes as text, if they are UTF-8 without control characters other than whitespace.
fn printable(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    (!s.is_empty()
        && s.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r')))
    .then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_tags_and_selectors() {
        let tags: Vec<char> = "\u{E0001}\u{E0068}\u{E0069}\u{E007F}".chars().collect();
        assert_eq!(tag_text(&tags), "hi");
        assert!(is_flag_tags(
            &"\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"
                .chars()
                .collect::<Vec<_>>()
        ));
        assert!(!is_flag_tags(
            &"\u{E0048}\u{E007F}".chars().collect::<Vec<_>>()
        ));
        let vs: Vec<char> = "\u{E0138}\u{E0139}".chars().collect(); // 0x48 'H', 0x49 'I'
        assert_eq!(selector_bytes(&vs), Some(b"HI".to_vec()));
        assert_eq!(selector_bytes(&['\u{FE00}', '\u{FE0F}']), Some(vec![0, 15]));
        assert_eq!(selector_bytes(&['\u{180B}']), None);
        assert_eq!(printable(b"HI"), Some("HI".into()));
        assert_eq!(printable(&[0, 15]), None);
    }
}
