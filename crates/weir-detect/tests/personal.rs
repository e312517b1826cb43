//! The personal-data rules on realistic text: a support transcript and a CSV export, where
//! exactly the personal data must be found, and source code full of numbers that look like it
//! (years, ports, UUIDs, hashes, versions, timestamps, long constants, test numbers), where
//! nothing may be.

use weir_detect::{Detector, builtin};

fn detector() -> Detector {
    builtin::detector(Vec::new()).expect("built-in rules compile")
}

/// The personal data found in `text`, as (rule id, text found).
fn personal(text: &str) -> Vec<(String, String)> {
    let d = detector();
    d.scan(text.as_bytes())
        .into_iter()
        .filter(|f| d.rules()[f.rule].category().is_personal())
        .map(|f| {
            (
                d.rules()[f.rule].id().to_owned(),
                text[f.start..f.end].to_owned(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(r, t)| (r.to_string(), t.to_string()))
        .collect()
}

#[test]
fn support_transcript() {
    let text = "\
Agent: Hi, thanks for contacting Maju Telco support. Ticket #48213 opened 2024-03-15 10:42.
Customer: Sure. Aisyah binti Rahman, IC 900101-14-5679, phone 012-345 6789.
Customer: Email aisyah.rahman@maybank.com.my or call my office on 03-2161 4455.
Agent: Which card was charged? I only need the last 4 digits, e.g. ending 7160.
Customer: Oops, here is all of it: 4556 7301 9284 7160, expiry 09/27.
Customer: Or refund to my IBAN GB29 NWBK 6016 1331 9268 19 please.
Agent: Our Singapore office (+65 9123 4567) will follow up within 3-5 working days.
Customer: My husband's NRIC is S8312456C and his Thai ID is 1-1017-00230-70-8.
Customer: His number in Bangkok is +66 81 234 5678, and in London +44 7911 123456.
Agent: Thanks! Reference 2024/03/15-0042, order 1234 5678 9012 3456.
";
    assert_eq!(
        personal(text),
        pairs(&[
            ("mykad", "900101-14-5679"),
            ("phone-malaysia", "012-345 6789"),
            ("email-address", "aisyah.rahman@maybank.com.my"),
            ("phone-malaysia", "03-2161 4455"),
            ("payment-card", "4556 7301 9284 7160"),
            ("iban", "GB29 NWBK 6016 1331 9268 19"),
            ("phone-singapore", "+65 9123 4567"),
            ("singapore-nric", "S8312456C"),
            ("thai-national-id", "1-1017-00230-70-8"),
            ("phone-thailand", "+66 81 234 5678"),
            ("phone-e164", "+44 7911 123456"),
        ])
    );
}

#[test]
fn customer_csv() {
    let text = "\
id,name,email,phone,national_id,country,created_at
1,Tan Wei Ling,wei.ling@gmail.com,+60198765432,850317-59-5023,MY,1705312800
2,Budi Santoso,budi.s@yahoo.co.id,0812-3456-7890,NIK 3171014506900001,ID,1705312801
3,Nguyen Van An,an.nguyen@fpt.com.vn,0912 345 678,,VN,1705312802
4,Maria Santos,maria.santos@globe.com.ph,+63 917 812 4455,,PH,1705312803
5,Li Na,lina@qq.com,+86 186 2135 7788,440304198503172817,CN,1705312804
6,Somchai Jaidee,somchai@ais.co.th,081-234-5678,3-4501-00245-61-8,TH,1705312805
7,Lim Ah Kow,ahkow.lim@singnet.com.sg,+65 6734 8812,G5872776N,SG,1705312806
8,Wang Fang,wang.fang@163.com,139-1234-8765,11010519491231002X,CN,1705312807
9,Invalid Row,n/a,0812345678,900101-17-5678,MY,1705312808
";
    assert_eq!(
        personal(text),
        pairs(&[
            ("email-address", "wei.ling@gmail.com"),
            ("phone-malaysia", "+60198765432"),
            ("mykad", "850317-59-5023"),
            ("email-address", "budi.s@yahoo.co.id"),
            ("phone-indonesia", "0812-3456-7890"),
            ("indonesia-nik", "3171014506900001"),
            ("email-address", "an.nguyen@fpt.com.vn"),
            ("phone-vietnam", "0912 345 678"),
            ("email-address", "maria.santos@globe.com.ph"),
            ("phone-philippines", "+63 917 812 4455"),
            ("email-address", "lina@qq.com"),
            ("phone-china", "+86 186 2135 7788"),
            ("china-resident-id", "440304198503172817"),
            ("email-address", "somchai@ais.co.th"),
            ("phone-thailand", "081-234-5678"),
            ("thai-national-id", "3-4501-00245-61-8"),
            ("email-address", "ahkow.lim@singnet.com.sg"),
            ("phone-singapore", "+65 6734 8812"),
            ("singapore-nric", "G5872776N"),
            ("email-address", "wang.fang@163.com"),
            ("phone-china", "139-1234-8765"),
            ("china-resident-id", "11010519491231002X"),
        ])
    );
}

#[test]
fn source_code_has_no_personal_data() {
    let text = r#"
// Copyright 2019-2024 Weir contributors. Version 1.24.3, build 20240115.
use std::time::Duration;

const MAX_RETRIES: u32 = 5;
const PORT: u16 = 8080;
const TIMEOUT_MS: u64 = 30000;
const PCG_MULTIPLIER: u64 = 6364136223846793005;
const FNV_OFFSET: u64 = 14695981039346656037;
const MAX_I64: i64 = 9223372036854775807;
const EPOCH_MS: i64 = 1700000000000;
const NANOS: u128 = 1705312800123456789;
const MASK: u64 = 0xFFFF_0000_1234_5678;
const SNOWFLAKE: u64 = 175928847299117063;
const BIG_PRIME: u64 = 18446744073709551557;
const MICROS_PER_DAY: u64 = 86400000000;
const CRC_TABLE_0: u32 = 0x77073096;

fn main() {
    let id = "550e8400-e29b-41d4-a716-446655440000";
    let sha1 = "3f786850e387550fdab836ed7e6dc881de23001b";
    let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let commit = "a1b2c3d";
    let ts = "2024-01-15T10:30:00.123456Z";
    let when = "2024-01-15 10:30:00";
    let date = "15/01/2024";
    let addr = "192.168.100.200:5432";
    let version = "v2.14.1023";
    let semver = "10.4.1234-rc.5";
    let isbn = "978-0-306-40615-7";
    let us_test = "+1 415 555 0142"; // fictional
    let uk_test = "+44 20 7946 0958"; // Ofcom drama number
    let stripe = "4242 4242 4242 4242"; // test card
    let visa_test = "4111111111111111";
    let x = offset+12345678;
    let avogadro = 6.022e+23;
    let big = 1e+10000000;
    let timeout = Duration::from_millis(1705312800);
    let matrix = [[1, 2, 3], [4, 5, 6]];
    let remote = "git@github.com:weir/weir.git";
    let icon = "assets/logo@2x.png";
    let unit = "getty@tty1.service";
    let npm = "lodash@4.17.21";
    let fixture_email = "jane.doe@example.com";
    let phone_digits = 10_000_000_000u64;
    let account = 1234567890123456;
    let uin = 900101145679;
    let ns = [3171014506900001u64, 1101700230708];
}
"#;
    assert_eq!(personal(text), vec![]);
}
