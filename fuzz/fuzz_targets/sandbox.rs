#![no_main]
use libfuzzer_sys::fuzz_target;

// The SQL gate must answer (allow or refuse) any text without panicking.
fuzz_target!(|data: &[u8]| {
    if let Ok(sql) = std::str::from_utf8(data) {
        let _ = koers_engine::sandbox::check(sql, &["gemeenten", "provincies"]);
    }
});
