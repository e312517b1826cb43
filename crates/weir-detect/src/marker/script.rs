//! The neighbourhood of a character: which scripts and symbols around it give an invisible or
//! unusual character an ordinary job.
//!
//! Only the few distinctions the marker rules need, as code point ranges: right-to-left
//! scripts (bidi marks are ordinary there), scripts that use joiners or zero-width spaces,
//! CJK (ideographic space and fullwidth forms are ordinary there), emoji (joiners and
//! presentation selectors are ordinary there).

use super::table;

/// Whether `c` is in one of `ranges` and is not itself a character markers are made of: a
/// script's context is its letters and marks, never a digit or space that normalize would
/// rewrite (so rewriting cannot turn an ordinary use into a marker).
fn within(c: char, ranges: &[(u32, u32)]) -> bool {
    let cp = c as u32;
    ranges.iter().any(|&(lo, hi)| lo <= cp && cp <= hi) && table::lookup(c).is_none()
}

/// A letter or digit of a right-to-left script (Hebrew, Arabic, Syriac, Thaana, NKo, ...).
pub(super) fn is_rtl(c: char) -> bool {
    within(
        c,
        &[
            (0x0590, 0x08FF),
            (0xFB1D, 0xFDFF),
            (0xFE70, 0xFEFE),
            (0x10800, 0x10FFF),
            (0x1E800, 0x1EFFF),
        ],
    ) && (c.is_alphabetic() || c.is_numeric())
}

/// A character of a script in which ZWJ and ZWNJ shape letters: Arabic and the other
/// joining scripts, the Indic scripts, Myanmar, Khmer, Mongolian.
pub(super) fn uses_joiners(c: char) -> bool {
    is_rtl(c)
        || within(
            c,
            &[
                (0x0900, 0x0DFF),
                (0x0F00, 0x0FFF),
                (0x1000, 0x109F),
                (0x1780, 0x18AF),
                (0xA8E0, 0xA8FF),
                (0x11000, 0x11FFF),
            ],
        )
}

/// A character of a script written without spaces between words, where a zero-width space
/// marks word breaks: Thai, Lao, Khmer, Myanmar, Tibetan, and CJK.
pub(super) fn breaks_with_zwsp(c: char) -> bool {
    within(
        c,
        &[
            (0x0E00, 0x0EFF),
            (0x0F00, 0x0FFF),
            (0x1000, 0x109F),
            (0x1780, 0x17FF),
            (0x19E0, 0x19FF),
            (0x1A20, 0x1AAF),
            (0xA9E0, 0xAA7F),
        ],
    ) || is_cjk(c)
}

/// A CJK character: Han, kana, Hangul, bopomofo, CJK punctuation and halfwidth katakana.
/// Fullwidth ASCII forms are not counted: they are what the question is about.
pub(super) fn is_cjk(c: char) -> bool {
    within(
        c,
        &[
            (0x1100, 0x11FF),
            (0x2E80, 0x2FDF),
            (0x3001, 0x303F),
            (0x3040, 0x31FF),
            (0x3200, 0x4DBF),
            (0x4E00, 0x9FFF),
            (0xA960, 0xA97F),
            (0xAC00, 0xD7FF),
            (0xF900, 0xFAFF),
            (0xFE30, 0xFE4F),
            (0xFF61, 0xFF9F),
            (0x20000, 0x3FFFF),
        ],
    ) && !matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}')
}

/// A CJK unified or compatibility ideograph: the bases of ideographic variation sequences.
pub(super) fn is_ideograph(c: char) -> bool {
    within(
        c,
        &[
            (0x3400, 0x4DBF),
            (0x4E00, 0x9FFF),
            (0xF900, 0xFAFF),
            (0x20000, 0x3FFFF),
        ],
    )
}

/// A character that has standardized variation sequences with VS1..VS16 other than emoji:
/// mathematical operators, CJK compatibility ideographs, Myanmar, Phags-pa, Manichaean,
/// Egyptian hieroglyphs, and CJK ideographs.
pub(super) fn takes_standard_variant(c: char) -> bool {
    within(
        c,
        &[
            (0x1000, 0x109F),
            (0x2200, 0x22FF),
            (0x27C0, 0x27EF),
            (0x2980, 0x2AFF),
            (0xA840, 0xA87F),
            (0xA9E0, 0xA9FF),
            (0xAA60, 0xAA7F),
            (0x10AC0, 0x10AFF),
            (0x13000, 0x1342F),
            (0x2F800, 0x2FA1F),
        ],
    ) || is_ideograph(c)
}

/// A character that can be shown as an emoji, or a part of an emoji sequence (skin tone
/// modifiers, the keycap mark, the emoji presentation selector).
pub(super) fn is_emoji(c: char) -> bool {
    matches!(
        c,
        '\u{00A9}'
            | '\u{00AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{24C2}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{3297}'
            | '\u{3299}'
    ) || within(
        c,
        &[
            (0x2190, 0x21FF),
            (0x2300, 0x23FF),
            (0x25A0, 0x27BF),
            (0x2900, 0x297F),
            (0x2B00, 0x2BFF),
            (0x1F000, 0x1FAFF),
        ],
    )
}

/// An emoji that stands on its own (not a modifier, selector or keycap mark).
pub(super) fn is_emoji_base(c: char) -> bool {
    is_emoji(c) && !modifies_emoji(c)
}

/// What follows an emoji base to modify it: presentation selectors, skin tones, the keycap
/// mark, tag characters.
pub(super) fn modifies_emoji(c: char) -> bool {
    matches!(c as u32, 0xFE0E | 0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

/// Whether `c` may take VS15/VS16 (text or emoji presentation): an emoji, or a keycap base.
pub(super) fn takes_presentation(c: char) -> bool {
    is_emoji_base(c) || matches!(c, '0'..='9' | '#' | '*')
}

/// A letter a reader would see as Latin: ASCII, Latin-1 and the Latin extensions.
pub(super) fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (c.is_alphabetic()
            && within(
                c,
                &[
                    (0x00C0, 0x024F),
                    (0x1E00, 0x1EFF),
                    (0x2C60, 0x2C7F),
                    (0xA720, 0xA7FF),
                ],
            ))
}

/// A letter that is neither ASCII nor one of the marker table's own characters: evidence
/// that the text around is written in some script, which gives unusual characters a reason.
pub(super) fn is_script_letter(c: char) -> bool {
    !c.is_ascii() && c.is_alphabetic() && table::lookup(c).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        assert!(is_rtl('ש') && is_rtl('ب') && !is_rtl('a') && !is_rtl('\u{061C}'));
        assert!(uses_joiners('क') && uses_joiners('ی') && !uses_joiners('e'));
        assert!(breaks_with_zwsp('ก') && breaks_with_zwsp('日') && !breaks_with_zwsp('é'));
        assert!(is_cjk('日') && is_cjk('か') && is_cjk('한') && !is_cjk('\u{FF21}'));
        assert!(is_emoji('😀') && is_emoji('❤') && !is_emoji('a'));
        assert!(takes_presentation('1') && takes_presentation('☺') && !takes_presentation('a'));
        assert!(is_latin_letter('é') && is_latin_letter('z') && !is_latin_letter('а'));
        assert!(is_script_letter('ж') && !is_script_letter('а') && !is_script_letter('x'));
    }
}
