#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    koers_fuzz::import(koers_engine::Format::Xlsx, "xlsx", data);
});
