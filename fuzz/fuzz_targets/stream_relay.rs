//! Any bytes through the stream relay of every protocol: no panic, and the same output however
//! the input is chunked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weir_fuzz::check_stream_relay(data, &[weir_fuzz::split_point(data)]);
});
