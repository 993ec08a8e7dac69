//! How far long work is: the one progress interface that the importers, the source readers
//! and the callers (the CLI's bars, the web's jobs) share. It sits below both `import` and
//! `source`, so neither imports the other for it.

/// Reports how far an import is. The CLI drives a progress bar with it, the web a record.
pub trait Progress {
    /// The total amount of work, counted in `unit`, 0 when not known (may be called again,
    /// e.g. when a reader makes two passes or a download is followed by its import).
    fn set_total(&self, total: u64, unit: Unit);
    /// Some more work was done, in the unit of the last [`Progress::set_total`].
    fn advance(&self, amount: u64);
}

/// What a [`Progress`] counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unit {
    /// Bytes of a file read or a download.
    #[default]
    Bytes,
    /// Features (objects) read from a geographic web service.
    Features,
    /// Rows read from a statistical web service.
    Rows,
    /// Steps, such as the widgets of a dashboard.
    Steps,
}

impl Unit {
    /// The unit's name in pages and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Features => "features",
            Unit::Rows => "rows",
            Unit::Steps => "steps",
        }
    }
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn set_total(&self, _total: u64, _unit: Unit) {}
    fn advance(&self, _amount: u64) {}
}
