//! The SSE framer gives the same frames however its input is chunked, and loses no byte.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weir_fuzz::check_sse_framer(data, &[weir_fuzz::split_point(data)]);
});
