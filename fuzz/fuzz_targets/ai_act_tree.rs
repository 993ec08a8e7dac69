#![no_main]
use libfuzzer_sys::fuzz_target;

// The register's decision-tree loader must refuse a broken tree, never panic.
fuzz_target!(|data: &[u8]| {
    if let Ok(yaml) = std::str::from_utf8(data) {
        let _ = koers_core::register::ai_act::DecisionTree::parse(yaml);
    }
});
