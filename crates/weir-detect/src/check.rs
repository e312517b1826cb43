//! Validations that turn "looks like a number" into "is one": check digits, dates and
//! assigned codes. A number that fails its check is not reported, which is what keeps
//! personal-data rules quiet on source code full of long numbers.

use serde::Deserialize;

/// A validation a rule applies to what it found (only its digits and letters are read;
/// separators are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Luhn mod-10 (payment cards).
    Luhn,
    /// ISO 13616 mod-97 with the country's length (IBAN).
    Iban,
    /// Malaysian MyKad: a real YYMMDD birth date and an assigned place-of-birth code.
    Mykad,
    /// Singapore NRIC/FIN: the mod-11 check letter for its S/T/F/G/M prefix.
    Nric,
    /// Chinese resident identity number: ISO 7064 MOD 11-2 check character and a real date.
    ChinaId,
    /// Indonesian NIK: province code, a real birth date (day + 40 for women), serial not zero.
    Nik,
    /// Thai national id: the mod-11 check digit.
    ThaiId,
}

impl Check {
    /// Whether `found` passes.
    pub fn passes(self, found: &[u8]) -> bool {
        let chars: Vec<u8> = found
            .iter()
            .copied()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(|b| b.to_ascii_uppercase())
            .collect();
        match self {
            Check::Luhn => luhn(&chars),
            Check::Iban => iban(&chars),
            Check::Mykad => mykad(&chars),
            Check::Nric => nric(&chars),
            Check::ChinaId => china_id(&chars),
            Check::Nik => nik(&chars),
            Check::ThaiId => thai_id(&chars),
        }
    }
}

fn digits(s: &[u8]) -> Option<Vec<u32>> {
    s.iter()
        .map(|&b| b.is_ascii_digit().then(|| (b - b'0') as u32))
        .collect()
}

fn num(d: &[u32]) -> u32 {
    d.iter().fold(0, |n, &x| n * 10 + x)
}

fn luhn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if !(12..=19).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum % 10 == 0
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

fn iban(s: &[u8]) -> bool {
    if s.len() < 15 || s.len() > 34 {
        return false;
    }
    let country = [s[0], s[1]];
    match IBAN_LENGTHS.iter().find(|(c, _)| **c == country) {
        Some((_, n)) if *n == s.len() => {}
        _ => return false,
    }
    // Move the first four characters to the end; letters count as 10..35.
    let mut rem = 0u32;
    for &b in s[4..].iter().chain(&s[..4]) {
        let v = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'A'..=b'Z' => (b - b'A') as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn days_in(month: u32, leap: bool) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

fn real_date(year: Option<u32>, month: u32, day: u32) -> bool {
    // With a two-digit year the century is unknown: a leap day is allowed when either
    // reading is a leap year.
    let leap = match year {
        Some(y) => (y % 4 == 0 && y % 100 != 0) || y % 400 == 0,
        None => true,
    };
    day >= 1 && day <= days_in(month, leap)
}

fn mykad(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 12 {
        return false;
    }
    let (yy, mm, dd, pb) = (num(&d[0..2]), num(&d[2..4]), num(&d[4..6]), num(&d[6..8]));
    let leap_possible = yy % 4 == 0;
    let day_ok = if mm == 2 && dd == 29 {
        leap_possible
    } else {
        real_date(Some(2001), mm, dd)
    };
    // Place-of-birth codes assigned by JPN: states (01-16), their secondary codes (21-59),
    // and the codes for births abroad and unknown places.
    let pb_ok = matches!(pb, 1..=16 | 21..=59 | 60..=68 | 71 | 72 | 74..=79 | 82..=93 | 98 | 99);
    day_ok && pb_ok
}

fn nric(s: &[u8]) -> bool {
    if s.len() != 9 {
        return false;
    }
    let Some(d) = digits(&s[1..8]) else {
        return false;
    };
    let weights = [2, 7, 6, 5, 4, 3, 2];
    let mut sum: u32 = d.iter().zip(weights).map(|(x, w)| x * w).sum();
    let table: &[u8; 11] = match s[0] {
        b'S' => b"JZIHGFEDCBA",
        b'T' => {
            sum += 4;
            b"JZIHGFEDCBA"
        }
        b'F' => b"XWUTRQPNMLK",
        b'G' => {
            sum += 4;
            b"XWUTRQPNMLK"
        }
        b'M' => {
            sum += 3;
            b"XWUTRQPNJLK"
        }
        _ => return false,
    };
    table[(sum % 11) as usize] == s[8]
}

/// The province-level codes (GB/T 2260) that open a resident identity number: the mainland's
/// provinces, regions and municipalities, 71 for Taiwan, and 81-83 for the residence permits of
/// Hong Kong, Macao and Taiwan residents.
const CHINA_PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

fn china_id(s: &[u8]) -> bool {
    if s.len() != 18 {
        return false;
    }
    let Some(d) = digits(&s[..17]) else {
        return false;
    };
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = d.iter().zip(weights).map(|(x, w)| x * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    let region = num(&d[0..2]);
    let (year, month, day) = (num(&d[6..10]), num(&d[10..12]), num(&d[12..14]));
    check == s[17]
        && CHINA_PROVINCES.contains(&region)
        && (1850..=2099).contains(&year)
        && real_date(Some(year), month, day)
}

/// Indonesia's province codes (Kemendagri), which open a NIK: Sumatra 11-19, Riau Islands 21,
/// Java 31-36, Bali and Nusa Tenggara 51-53, Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82,
/// Papua 91-96 (the provinces formed in 2022 included).
const NIK_PROVINCES: &[u32] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
];

fn nik(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 16 {
        return false;
    }
    let province = num(&d[0..2]);
    let (regency, district) = (num(&d[2..4]), num(&d[4..6]));
    let mut day = num(&d[6..8]);
    if day > 40 {
        day -= 40;
    }
    let month = num(&d[8..10]);
    let serial = num(&d[12..16]);
    NIK_PROVINCES.contains(&province)
        && regency != 0
        && district != 0
        && real_date(None, month, day)
        && serial != 0
}

fn thai_id(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 13 || d[0] == 0 || d[0] == 9 {
        return false;
    }
    let sum: u32 = d[..12]
        .iter()
        .enumerate()
        .map(|(i, &x)| x * (13 - i as u32))
        .sum();
    (11 - sum % 11) % 10 == d[12]
}

#[cfg(test)]
mod tests {
    use super::Check::{self, *};

    fn ok(c: Check, s: &str) -> bool {
        c.passes(s.as_bytes())
    }

    #[test]
    fn luhn_cards() {
        assert!(ok(Luhn, "4111 1111 1111 1111"));
        assert!(ok(Luhn, "5500-0000-0000-0004"));
        assert!(ok(Luhn, "378282246310005"));
        assert!(!ok(Luhn, "4111 1111 1111 1112"));
        assert!(!ok(Luhn, "1234"));
    }

    #[test]
    fn iban_mod97_and_length() {
        assert!(ok(Iban, "GB82 WEST 1234 5698 7654 32"));
        assert!(ok(Iban, "DE89370400440532013000"));
        assert!(!ok(Iban, "GB82 WEST 1234 5698 7654 33"));
        assert!(!ok(Iban, "DE8937040044053201300"));
        assert!(!ok(Iban, "ZZ89370400440532013000"));
    }

    #[test]
    fn mykad_dates_and_places() {
        assert!(ok(Mykad, "900101-14-5678"));
        assert!(ok(Mykad, "000229-08-1234"));
        assert!(!ok(Mykad, "010229-08-1234"), "2001 has no 29 February");
        assert!(!ok(Mykad, "901301-14-5678"), "month 13");
        assert!(!ok(Mykad, "900101-17-5678"), "place code 17 is unassigned");
        assert!(!ok(Mykad, "900101-00-5678"));
        assert!(
            ok(Mykad, "850317-59-5023"),
            "59: Negeri Sembilan's second code"
        );
        assert!(ok(Mykad, "020304-66-1235"), "66: born in Singapore");
        assert!(ok(Mykad, "020304-82-1235"), "82: state unknown");
        assert!(!ok(Mykad, "020304-20-1235"), "20 is unassigned");
        assert!(!ok(Mykad, "020304-70-1235"), "70 is unassigned");
        assert!(!ok(Mykad, "020304-97-1235"), "97 is unassigned");
        assert!(!ok(Mykad, "900431-14-5678"), "30 days in April");
        assert!(!ok(Mykad, "90010114567"), "eleven digits");
    }

    #[test]
    fn nric_check_letters() {
        assert!(ok(Nric, "S1234567D"));
        assert!(!ok(Nric, "S1234567A"));
        assert!(ok(Nric, "T1234567J"));
        assert!(ok(Nric, "F1234567N"));
        assert!(ok(Nric, "G1234567X"));
        assert!(!ok(Nric, "X1234567D"));
        // The M series (2022) adds 3 and has its own table, with J where F/G have M.
        assert!(ok(Nric, "M1234567K"));
        assert!(ok(Nric, "M5432109T"));
        assert!(!ok(Nric, "M1234567X"), "the F/G letter is wrong for M");
        assert!(ok(Nric, "S8312456C"));
        assert!(ok(Nric, "T0412389H"));
        assert!(!ok(Nric, "S123456D"), "six digits");
    }

    #[test]
    fn china_id_check_character() {
        assert!(ok(ChinaId, "11010519491231002X"));
        assert!(ok(ChinaId, "440524188001010014"));
        assert!(!ok(ChinaId, "110105194912310021"));
        assert!(!ok(ChinaId, "11010519491331002X"), "month 13");
        assert!(ok(ChinaId, "440304198503172817"));
        assert!(ok(ChinaId, "310115199208220437"));
        assert!(
            !ok(ChinaId, "99010519850317281X"),
            "region 99 does not exist"
        );
        assert!(
            !ok(ChinaId, "440304198513172810"),
            "month 13, check character right"
        );
    }

    #[test]
    fn nik_structure() {
        assert!(
            ok(Nik, "3171014506900001"),
            "woman born 5 June 1990 in Jakarta"
        );
        assert!(ok(Nik, "3171010506900002"));
        assert!(!ok(Nik, "3171013206900001"), "day 32");
        assert!(!ok(Nik, "0971010506900001"), "province 09");
        assert!(!ok(Nik, "3171010506900000"), "serial 0000");
        assert!(ok(Nik, "3515144508680002"), "Sidoarjo, East Java");
        assert!(!ok(Nik, "2071010506900001"), "province 20 does not exist");
        assert!(!ok(Nik, "3100010506900001"), "regency 00");
        assert!(!ok(Nik, "3171001306900001"), "district 00");
        assert!(!ok(Nik, "3171017206900001"), "day 72 - 40 = 32");
        assert!(!ok(Nik, "3171010513900001"), "month 13");
    }

    #[test]
    fn thai_check_digit() {
        assert!(ok(ThaiId, "1-1017-00230-70-8"));
        assert!(ok(ThaiId, "3100600445635"));
        assert!(!ok(ThaiId, "3100600445636"));
        assert!(!ok(ThaiId, "0100600445635"));
        assert!(ok(ThaiId, "3-4501-00245-61-8"));
        assert!(ok(ThaiId, "2100400123458"));
        assert!(
            !ok(ThaiId, "9100400123455"),
            "no category 9, check digit right"
        );
        assert!(!ok(ThaiId, "210040012345"), "twelve digits");
    }
}
