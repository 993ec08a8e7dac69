//! Progress bars on the console, for the command line and the demo generator: an
//! `indicatif` bar that the engine, the downloader and the generator drive, in their unit.

use indicatif::{ProgressBar, ProgressStyle};
use koers_engine::Unit;

/// A progress bar that the engine and the downloader drive, in their unit.
pub struct Bar(pub ProgressBar);

impl koers_engine::Progress for Bar {
    fn set_total(&self, total: u64, unit: Unit) {
        self.0.set_style(style(unit));
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, amount: u64) {
        self.0.inc(amount);
    }
}

/// The bar's look for counting `unit` (in Dutch, like the rest of the CLI's messages).
fn style(unit: Unit) -> ProgressStyle {
    let counts = match unit {
        Unit::Bytes => "{bytes}/{total_bytes}",
        Unit::Features => "{human_pos}/{human_len} objecten",
        Unit::Rows => "{human_pos}/{human_len} rijen",
        Unit::Steps => "{pos}/{len}",
    };
    ProgressStyle::with_template(&format!(
        "{{spinner}} {{msg}} [{{bar:40}}] {counts} ({{eta}})"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

pub fn bar() -> ProgressBar {
    let pb = ProgressBar::new(0);
    pb.set_style(style(Unit::Bytes));
    pb
}
