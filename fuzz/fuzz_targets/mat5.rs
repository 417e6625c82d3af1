#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exg_fuzz::mat5(data));
