//! What each character a marker can be made of is: its class, its name in reports, and its
//! plain form.
//!
//! The table lists only characters that can carry information a reader does not see: invisible
//! and format characters, tag characters, bidirectional controls, variation selectors, spaces
//! other than U+0020, and visible look-alikes of ASCII (quotes, dashes, digits of other scripts,
//! letters of other scripts, fullwidth and mathematical forms). Every other character is
//! ordinary text and is never looked at again. Entries are code point ranges sorted by their
//! first code point, searched by bisection.

/// How a bidirectional control acts on the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bidi {
    /// LRM, RLM, ALM: an invisible strong character; ordinary in right-to-left text.
    Mark,
    /// LRE, RLE, PDF: opens or closes an embedding.
    Embedding,
    /// LRO, RLO: forces the display order of what follows (the "Trojan Source" control).
    Override,
    /// LRI, RLI, FSI, PDI: opens or closes an isolate.
    Isolate,
}

/// The role a look-alike of an ASCII punctuation mark plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Punct {
    /// A single quotation mark, prime or modifier apostrophe (plain `'`).
    Single,
    /// A double quotation mark or double prime (plain `"`).
    Double,
    /// A hyphen, minus or figure dash: joins words or signs numbers (plain `-`).
    Hyphen,
    /// An en dash, em dash or horizontal bar: punctuation between phrases (plain `-`).
    Dash,
}

/// What a listed character is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Shows nothing (zero-width characters, format controls, fillers).
    Invisible,
    /// A Unicode tag character, U+E0000..U+E007F.
    Tag,
    /// A bidirectional control.
    Bidi(Bidi),
    /// A variation selector.
    Selector,
    /// A space other than U+0020 (or a blank that looks like one).
    Space,
    /// A look-alike of an ASCII punctuation mark.
    Punct(Punct),
    /// A decimal digit of a script other than ASCII (fullwidth and mathematical included).
    Digit,
    /// A letter of another script that looks like a Latin letter.
    Letter,
    /// A fullwidth form of ASCII punctuation or a letter (digits are [`Class::Digit`]).
    Fullwidth,
}

/// How an entry's plain form is found.
#[derive(Debug, Clone, Copy)]
enum Plain {
    /// Nothing: the character is removed.
    Remove,
    /// This character.
    Is(char),
    /// A digit: the code point minus the block's zero.
    Digit(u32),
    /// The code point minus this offset (fullwidth forms).
    Minus(u32),
    /// A mathematical alphanumeric letter: 52 letters (A-Z, a-z) per style.
    MathLetter,
}

struct Entry {
    lo: u32,
    hi: u32,
    class: Class,
    name: &'static str,
    plain: Plain,
}

/// A listed character, looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Info {
    /// What it is.
    pub class: Class,
    /// Its name for reports, lowercase.
    pub name: &'static str,
    /// Its plain form; `None` when it should be removed.
    pub plain: Option<char>,
}

const fn one(cp: u32, class: Class, name: &'static str, plain: Plain) -> Entry {
    Entry {
        lo: cp,
        hi: cp,
        class,
        name,
        plain,
    }
}

const fn span(lo: u32, hi: u32, class: Class, name: &'static str, plain: Plain) -> Entry {
    Entry {
        lo,
        hi,
        class,
        name,
        plain,
    }
}

const fn digits(zero: u32, name: &'static str) -> Entry {
    span(zero, zero + 9, Class::Digit, name, Plain::Digit(zero))
}

const fn letter(cp: u32, name: &'static str, plain: char) -> Entry {
    one(cp, Class::Letter, name, Plain::Is(plain))
}

use Class::{Fullwidth, Invisible, Selector, Space, Tag};
use Plain::Remove;

const SINGLE: Class = Class::Punct(Punct::Single);
const DOUBLE: Class = Class::Punct(Punct::Double);
const HYPHEN: Class = Class::Punct(Punct::Hyphen);
const DASH: Class = Class::Punct(Punct::Dash);
const MARK: Class = Class::Bidi(Bidi::Mark);
const EMBED: Class = Class::Bidi(Bidi::Embedding);
const OVERRIDE: Class = Class::Bidi(Bidi::Override);
const ISOLATE: Class = Class::Bidi(Bidi::Isolate);

/// Sorted by `lo`, ranges disjoint (a unit test checks both).
const TABLE: &[Entry] = &[
    one(0x00A0, Space, "no-break space", Plain::Is(' ')),
    one(0x00AD, Invisible, "soft hyphen", Remove),
    one(0x00B4, SINGLE, "acute accent", Plain::Is('\'')),
    one(
        0x02BA,
        DOUBLE,
        "modifier letter double prime",
        Plain::Is('"'),
    ),
    one(
        0x02BC,
        SINGLE,
        "modifier letter apostrophe",
        Plain::Is('\''),
    ),
    one(0x034F, Invisible, "combining grapheme joiner", Remove),
    letter(0x0391, "Greek capital letter alpha", 'A'),
    letter(0x0392, "Greek capital letter beta", 'B'),
    letter(0x0395, "Greek capital letter epsilon", 'E'),
    letter(0x0396, "Greek capital letter zeta", 'Z'),
    letter(0x0397, "Greek capital letter eta", 'H'),
    letter(0x0399, "Greek capital letter iota", 'I'),
    letter(0x039A, "Greek capital letter kappa", 'K'),
    letter(0x039C, "Greek capital letter mu", 'M'),
    letter(0x039D, "Greek capital letter nu", 'N'),
    letter(0x039F, "Greek capital letter omicron", 'O'),
    letter(0x03A1, "Greek capital letter rho", 'P'),
    letter(0x03A4, "Greek capital letter tau", 'T'),
    letter(0x03A5, "Greek capital letter upsilon", 'Y'),
    letter(0x03A7, "Greek capital letter chi", 'X'),
    letter(0x03BD, "Greek small letter nu", 'v'),
    letter(0x03BF, "Greek small letter omicron", 'o'),
    letter(0x03F2, "Greek lunate sigma symbol", 'c'),
    letter(0x03F3, "Greek letter yot", 'j'),
    letter(0x0405, "Cyrillic capital letter dze", 'S'),
    letter(
        0x0406,
        "Cyrillic capital letter Byelorussian-Ukrainian i",
        'I',
    ),
    letter(0x0408, "Cyrillic capital letter je", 'J'),
    letter(0x0410, "Cyrillic capital letter a", 'A'),
    letter(0x0412, "Cyrillic capital letter ve", 'B'),
    letter(0x0415, "Cyrillic capital letter ie", 'E'),
    letter(0x041A, "Cyrillic capital letter ka", 'K'),
    letter(0x041C, "Cyrillic capital letter em", 'M'),
    letter(0x041D, "Cyrillic capital letter en", 'H'),
    letter(0x041E, "Cyrillic capital letter o", 'O'),
    letter(0x0420, "Cyrillic capital letter er", 'P'),
    letter(0x0421, "Cyrillic capital letter es", 'C'),
    letter(0x0422, "Cyrillic capital letter te", 'T'),
    letter(0x0425, "Cyrillic capital letter ha", 'X'),
    letter(0x0430, "Cyrillic small letter a", 'a'),
    letter(0x0435, "Cyrillic small letter ie", 'e'),
    letter(0x043E, "Cyrillic small letter o", 'o'),
    letter(0x0440, "Cyrillic small letter er", 'p'),
    letter(0x0441, "Cyrillic small letter es", 'c'),
    letter(0x0443, "Cyrillic small letter u", 'y'),
    letter(0x0445, "Cyrillic small letter ha", 'x'),
    letter(0x0455, "Cyrillic small letter dze", 's'),
    letter(
        0x0456,
        "Cyrillic small letter Byelorussian-Ukrainian i",
        'i',
    ),
    letter(0x0458, "Cyrillic small letter je", 'j'),
    letter(0x0475, "Cyrillic small letter izhitsa", 'v'),
    letter(0x04AE, "Cyrillic capital letter straight u", 'Y'),
    letter(0x04AF, "Cyrillic small letter straight u", 'y'),
    letter(0x04BB, "Cyrillic small letter shha", 'h'),
    letter(0x04C0, "Cyrillic letter palochka", 'I'),
    letter(0x04CF, "Cyrillic small letter palochka", 'l'),
    letter(0x0501, "Cyrillic small letter Komi de", 'd'),
    letter(0x051A, "Cyrillic capital letter qa", 'Q'),
    letter(0x051B, "Cyrillic small letter qa", 'q'),
    letter(0x051C, "Cyrillic capital letter we", 'W'),
    letter(0x051D, "Cyrillic small letter we", 'w'),
    letter(0x0570, "Armenian small letter ho", 'h'),
    letter(0x0578, "Armenian small letter vo", 'n'),
    letter(0x057D, "Armenian small letter seh", 'u'),
    letter(0x0585, "Armenian small letter oh", 'o'),
    one(0x061C, MARK, "Arabic letter mark", Remove),
    digits(0x0660, "Arabic-Indic digit"),
    digits(0x06F0, "extended Arabic-Indic digit"),
    digits(0x07C0, "NKo digit"),
    digits(0x0966, "Devanagari digit"),
    digits(0x09E6, "Bengali digit"),
    digits(0x0A66, "Gurmukhi digit"),
    digits(0x0AE6, "Gujarati digit"),
    digits(0x0B66, "Oriya digit"),
    digits(0x0BE6, "Tamil digit"),
    digits(0x0C66, "Telugu digit"),
    digits(0x0CE6, "Kannada digit"),
    digits(0x0D66, "Malayalam digit"),
    digits(0x0DE6, "Sinhala Lith digit"),
    digits(0x0E50, "Thai digit"),
    digits(0x0ED0, "Lao digit"),
    digits(0x0F20, "Tibetan digit"),
    digits(0x1040, "Myanmar digit"),
    digits(0x1090, "Myanmar Shan digit"),
    span(0x115F, 0x1160, Invisible, "Hangul filler", Remove),
    one(0x1680, Space, "Ogham space mark", Plain::Is(' ')),
    span(0x17B4, 0x17B5, Invisible, "Khmer inherent vowel", Remove),
    digits(0x17E0, "Khmer digit"),
    span(
        0x180B,
        0x180D,
        Selector,
        "Mongolian free variation selector",
        Remove,
    ),
    one(0x180E, Invisible, "Mongolian vowel separator", Remove),
    one(
        0x180F,
        Selector,
        "Mongolian free variation selector",
        Remove,
    ),
    digits(0x1810, "Mongolian digit"),
    digits(0x1946, "Limbu digit"),
    digits(0x19D0, "New Tai Lue digit"),
    digits(0x1A80, "Tai Tham Hora digit"),
    digits(0x1A90, "Tai Tham Tham digit"),
    digits(0x1B50, "Balinese digit"),
    digits(0x1BB0, "Sundanese digit"),
    digits(0x1C40, "Lepcha digit"),
    digits(0x1C50, "Ol Chiki digit"),
    span(0x2000, 0x2000, Space, "en quad", Plain::Is(' ')),
    span(0x2001, 0x2001, Space, "em quad", Plain::Is(' ')),
    span(0x2002, 0x2002, Space, "en space", Plain::Is(' ')),
    span(0x2003, 0x2003, Space, "em space", Plain::Is(' ')),
    span(0x2004, 0x2004, Space, "three-per-em space", Plain::Is(' ')),
    span(0x2005, 0x2005, Space, "four-per-em space", Plain::Is(' ')),
    span(0x2006, 0x2006, Space, "six-per-em space", Plain::Is(' ')),
    span(0x2007, 0x2007, Space, "figure space", Plain::Is(' ')),
    span(0x2008, 0x2008, Space, "punctuation space", Plain::Is(' ')),
    span(0x2009, 0x2009, Space, "thin space", Plain::Is(' ')),
    span(0x200A, 0x200A, Space, "hair space", Plain::Is(' ')),
    one(0x200B, Invisible, "zero width space", Remove),
    one(0x200C, Invisible, "zero width non-joiner", Remove),
    one(0x200D, Invisible, "zero width joiner", Remove),
    one(0x200E, MARK, "left-to-right mark", Remove),
    one(0x200F, MARK, "right-to-left mark", Remove),
    one(0x2010, HYPHEN, "hyphen", Plain::Is('-')),
    one(0x2011, HYPHEN, "non-breaking hyphen", Plain::Is('-')),
    one(0x2012, HYPHEN, "figure dash", Plain::Is('-')),
    one(0x2013, DASH, "en dash", Plain::Is('-')),
    one(0x2014, DASH, "em dash", Plain::Is('-')),
    one(0x2015, DASH, "horizontal bar", Plain::Is('-')),
    one(
        0x2018,
        SINGLE,
        "left single quotation mark",
        Plain::Is('\''),
    ),
    one(
        0x2019,
        SINGLE,
        "right single quotation mark",
        Plain::Is('\''),
    ),
    one(
        0x201A,
        SINGLE,
        "single low-9 quotation mark",
        Plain::Is('\''),
    ),
    one(
        0x201B,
        SINGLE,
        "single high-reversed-9 quotation mark",
        Plain::Is('\''),
    ),
    one(0x201C, DOUBLE, "left double quotation mark", Plain::Is('"')),
    one(
        0x201D,
        DOUBLE,
        "right double quotation mark",
        Plain::Is('"'),
    ),
    one(
        0x201E,
        DOUBLE,
        "double low-9 quotation mark",
        Plain::Is('"'),
    ),
    one(
        0x201F,
        DOUBLE,
        "double high-reversed-9 quotation mark",
        Plain::Is('"'),
    ),
    one(0x2028, Space, "line separator", Plain::Is('\n')),
    one(0x2029, Space, "paragraph separator", Plain::Is('\n')),
    one(0x202A, EMBED, "left-to-right embedding", Remove),
    one(0x202B, EMBED, "right-to-left embedding", Remove),
    one(0x202C, EMBED, "pop directional formatting", Remove),
    one(0x202D, OVERRIDE, "left-to-right override", Remove),
    one(0x202E, OVERRIDE, "right-to-left override", Remove),
    one(0x202F, Space, "narrow no-break space", Plain::Is(' ')),
    one(0x2032, SINGLE, "prime", Plain::Is('\'')),
    one(0x2033, DOUBLE, "double prime", Plain::Is('"')),
    one(0x205F, Space, "medium mathematical space", Plain::Is(' ')),
    one(0x2060, Invisible, "word joiner", Remove),
    one(0x2061, Invisible, "function application", Remove),
    one(0x2062, Invisible, "invisible times", Remove),
    one(0x2063, Invisible, "invisible separator", Remove),
    one(0x2064, Invisible, "invisible plus", Remove),
    one(0x2066, ISOLATE, "left-to-right isolate", Remove),
    one(0x2067, ISOLATE, "right-to-left isolate", Remove),
    one(0x2068, ISOLATE, "first strong isolate", Remove),
    one(0x2069, ISOLATE, "pop directional isolate", Remove),
    span(
        0x206A,
        0x206F,
        Invisible,
        "deprecated format character",
        Remove,
    ),
    letter(0x2160, "roman numeral one", 'I'),
    letter(0x2164, "roman numeral five", 'V'),
    letter(0x2169, "roman numeral ten", 'X'),
    letter(0x216C, "roman numeral fifty", 'L'),
    letter(0x216D, "roman numeral one hundred", 'C'),
    letter(0x216E, "roman numeral five hundred", 'D'),
    letter(0x216F, "roman numeral one thousand", 'M'),
    letter(0x2170, "small roman numeral one", 'i'),
    letter(0x2174, "small roman numeral five", 'v'),
    letter(0x2179, "small roman numeral ten", 'x'),
    letter(0x217C, "small roman numeral fifty", 'l'),
    letter(0x217D, "small roman numeral one hundred", 'c'),
    letter(0x217E, "small roman numeral five hundred", 'd'),
    letter(0x217F, "small roman numeral one thousand", 'm'),
    one(0x2212, HYPHEN, "minus sign", Plain::Is('-')),
    one(0x2800, Space, "braille pattern blank", Plain::Is(' ')),
    one(0x3000, Space, "ideographic space", Plain::Is(' ')),
    one(0x3164, Invisible, "Hangul filler", Remove),
    digits(0xA620, "Vai digit"),
    digits(0xA8D0, "Saurashtra digit"),
    digits(0xA900, "Kayah Li digit"),
    digits(0xA9D0, "Javanese digit"),
    digits(0xA9F0, "Myanmar Tai Laing digit"),
    digits(0xAA50, "Cham digit"),
    digits(0xABF0, "Meetei Mayek digit"),
    span(0xFE00, 0xFE0F, Selector, "variation selector", Remove),
    one(0xFE63, HYPHEN, "small hyphen-minus", Plain::Is('-')),
    one(
        0xFEFF,
        Invisible,
        "zero width no-break space (byte order mark)",
        Remove,
    ),
    span(
        0xFF01,
        0xFF0F,
        Fullwidth,
        "fullwidth punctuation",
        Plain::Minus(0xFEE0),
    ),
    digits(0xFF10, "fullwidth digit"),
    span(
        0xFF1A,
        0xFF20,
        Fullwidth,
        "fullwidth punctuation",
        Plain::Minus(0xFEE0),
    ),
    span(
        0xFF21,
        0xFF3A,
        Fullwidth,
        "fullwidth Latin letter",
        Plain::Minus(0xFEE0),
    ),
    span(
        0xFF3B,
        0xFF40,
        Fullwidth,
        "fullwidth punctuation",
        Plain::Minus(0xFEE0),
    ),
    span(
        0xFF41,
        0xFF5A,
        Fullwidth,
        "fullwidth Latin letter",
        Plain::Minus(0xFEE0),
    ),
    span(
        0xFF5B,
        0xFF5E,
        Fullwidth,
        "fullwidth punctuation",
        Plain::Minus(0xFEE0),
    ),
    one(0xFFA0, Invisible, "halfwidth Hangul filler", Remove),
    span(
        0xFFF9,
        0xFFFB,
        Invisible,
        "interlinear annotation control",
        Remove,
    ),
    digits(0x104A0, "Osmanya digit"),
    digits(0x10D30, "Hanifi Rohingya digit"),
    digits(0x11066, "Brahmi digit"),
    digits(0x110F0, "Sora Sompeng digit"),
    digits(0x11136, "Chakma digit"),
    digits(0x111D0, "Sharada digit"),
    digits(0x112F0, "Khudawadi digit"),
    digits(0x11450, "Newa digit"),
    digits(0x114D0, "Tirhuta digit"),
    digits(0x11650, "Modi digit"),
    digits(0x116C0, "Takri digit"),
    digits(0x11730, "Ahom digit"),
    digits(0x118E0, "Warang Citi digit"),
    digits(0x11950, "Dives Akuru digit"),
    digits(0x11C50, "Bhaiksuki digit"),
    digits(0x11D50, "Masaram Gondi digit"),
    digits(0x11DA0, "Gunjala Gondi digit"),
    digits(0x11F50, "Kawi digit"),
    digits(0x16A60, "Mro digit"),
    digits(0x16AC0, "Tangsa digit"),
    digits(0x16B50, "Pahawh Hmong digit"),
    span(
        0x1BCA0,
        0x1BCA3,
        Invisible,
        "shorthand format control",
        Remove,
    ),
    span(
        0x1D173,
        0x1D17A,
        Invisible,
        "musical symbol format control",
        Remove,
    ),
    span(
        0x1D400,
        0x1D6A3,
        Class::Letter,
        "mathematical alphanumeric letter",
        Plain::MathLetter,
    ),
    digits(0x1D7CE, "mathematical bold digit"),
    digits(0x1D7D8, "mathematical double-struck digit"),
    digits(0x1D7E2, "mathematical sans-serif digit"),
    digits(0x1D7EC, "mathematical sans-serif bold digit"),
    digits(0x1D7F6, "mathematical monospace digit"),
    digits(0x1E140, "Nyiakeng Puachue Hmong digit"),
    digits(0x1E2F0, "Wancho digit"),
    digits(0x1E4F0, "Nag Mundari digit"),
    digits(0x1E950, "Adlam digit"),
    digits(0x1FBF0, "segmented digit"),
    span(0xE0000, 0xE007F, Tag, "tag character", Remove),
    span(0xE0100, 0xE01EF, Selector, "variation selector", Remove),
];

/// One bit per code point of the Basic Multilingual Plane: whether the table lists it. Most
/// non-ASCII text (accented Latin, CJK, box drawing, arrows) is answered by one bit test
/// instead of a search.
static BMP: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut i = 0;
    while i < TABLE.len() {
        let mut cp = TABLE[i].lo;
        while cp <= TABLE[i].hi && cp < 0x10000 {
            bits[(cp >> 6) as usize] |= 1 << (cp & 63);
            cp += 1;
        }
        i += 1;
    }
    bits
};

/// Whether the table may list `cp`: exact in the BMP; above it, outside the emoji blocks.
fn maybe_listed(cp: u32) -> bool {
    if cp < 0x10000 {
        BMP[(cp >> 6) as usize] & (1 << (cp & 63)) != 0
    } else {
        !(0x1E960..0x1FBF0).contains(&cp)
    }
}

/// The entry for `c`, if it is listed.
pub(super) fn lookup(c: char) -> Option<Info> {
    let cp = c as u32;
    if !maybe_listed(cp) {
        return None;
    }
    let i = TABLE.partition_point(|e| e.hi < cp);
    let e = TABLE.get(i).filter(|e| e.lo <= cp)?;
    let plain = match e.plain {
        Plain::Remove => None,
        Plain::Is(p) => Some(p),
        Plain::Digit(zero) => char::from_digit(cp - zero, 10),
        Plain::Minus(off) => char::from_u32(cp - off),
        Plain::MathLetter => {
            let k = (cp - e.lo) % 52;
            char::from_u32(if k < 26 {
                'A' as u32 + k
            } else {
                'a' as u32 + k - 26
            })
        }
    };
    Some(Info {
        class: e.class,
        name: e.name,
        plain,
    })
}

/// `name U+XXXX`, the way reports name a character.
pub(super) fn describe(c: char) -> String {
    let name = match lookup(c) {
        Some(info) => info.name,
        None => return format!("U+{:04X}", c as u32),
    };
    format!("{name} U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_disjoint() {
        for w in TABLE.windows(2) {
            assert!(w[0].lo <= w[0].hi, "{:X}", w[0].lo);
            assert!(w[0].hi < w[1].lo, "{:X} overlaps {:X}", w[0].lo, w[1].lo);
        }
    }

    #[test]
    fn the_fast_answer_agrees_with_the_search() {
        for e in TABLE {
            assert!(e.hi < 0x1E960 || e.lo >= 0x1FBF0, "{:X}", e.lo);
        }
        for cp in 0..0xE0200 {
            let i = TABLE.partition_point(|e| e.hi < cp);
            let listed = TABLE.get(i).is_some_and(|e| e.lo <= cp);
            if cp < 0x10000 {
                assert_eq!(maybe_listed(cp), listed, "{cp:X}");
            } else {
                assert!(maybe_listed(cp) || !listed, "{cp:X}");
            }
        }
    }

    #[test]
    fn looks_up_first_last_and_between() {
        assert_eq!(lookup('a'), None);
        assert_eq!(lookup('é'), None);
        assert_eq!(lookup('\u{00A0}').map(|i| i.class), Some(Class::Space));
        assert_eq!(lookup('\u{E01EF}').map(|i| i.class), Some(Class::Selector));
        assert_eq!(lookup('\u{E01F0}'), None);
        assert_eq!(lookup('\u{200B}').map(|i| i.name), Some("zero width space"));
        assert_eq!(lookup('\u{4E00}'), None);
    }

    #[test]
    fn plain_forms() {
        let plain = |c| lookup(c).and_then(|i| i.plain);
        assert_eq!(plain('\u{0663}'), Some('3'));
        assert_eq!(plain('\u{FF19}'), Some('9'));
        assert_eq!(plain('\u{1D7D9}'), Some('1'));
        assert_eq!(plain('\u{FF21}'), Some('A'));
        assert_eq!(plain('\u{FF5A}'), Some('z'));
        assert_eq!(plain('\u{FF07}'), Some('\''));
        assert_eq!(plain('\u{1D41A}'), Some('a')); // mathematical bold small a
        assert_eq!(plain('\u{1D400}'), Some('A'));
        assert_eq!(plain('\u{1D434}'), Some('A')); // mathematical italic capital a
        assert_eq!(plain('\u{0430}'), Some('a'));
        assert_eq!(plain('\u{2019}'), Some('\''));
        assert_eq!(plain('\u{200B}'), None);
        assert_eq!(describe('\u{2019}'), "right single quotation mark U+2019");
    }
}
