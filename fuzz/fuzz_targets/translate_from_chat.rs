//! Any bytes as a OpenAiChat vendor stream, translated for the two other client protocols: no
//! panic, a well-formed client stream, and the same output however the input is chunked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir_protocol::Protocol;

fuzz_target!(|data: &[u8]| {
    weir_fuzz::check_translate(Protocol::OpenAiChat, data, &[weir_fuzz::split_point(data)]);
});
