#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| exg_fuzz::chapman_diagnostics_xlsx(data));
