//! Any bytes as a Anthropic client request: decoding and encoding for the two other vendor
//! protocols never panic, and what is encoded decodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_protocol::Protocol;

fuzz_target!(|data: &[u8]| {
    weir_fuzz::check_request(Protocol::Anthropic, data);
});
