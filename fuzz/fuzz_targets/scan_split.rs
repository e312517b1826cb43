//! The detector's stream finds the same as a whole scan however the input is split, keeping a
//! bounded tail and scanning each byte at most twice (its first bytes choose the cuts).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weir_fuzz::detect::check_scan_split(data);
});
