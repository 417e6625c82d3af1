#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exg_fuzz::wfdb_signal(24, data));
