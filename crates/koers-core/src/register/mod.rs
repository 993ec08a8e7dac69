//! M5: the register of digital applications and algorithms, the choices made about them and
//! the organisation's choice framework (keuzekader).
//!
//! Everything here is pure: the published government sources (AI Act decision aid, DPIA
//! pre-scan, Algoritmeregister publication standard, Algoritmekader requirements) ship inside
//! the crate under `reference/` and are parsed from `include_str!` data, never read from disk.
//!
//! - [`application`]: a registered application and the attributes the framework reads.
//! - [`choice`]: a choice in the shape of MADR 4, with its status state machine.
//! - [`framework`]: the keuzekader, rules that route a choice to a decision level.
//! - [`framework_form`]: the framework as a form (condition builder), previews and comparisons.
//! - [`meeting`]: a meeting of a body that decides, whose agenda holds choices.
//! - [`ai_act`]: the AI Act decision aid (beslishulp AI-verordening), driven by its YAML.
//! - [`prescan`]: the DPIA pre-scan deciding whether a DPIA, DTIA, KIA or IAMA is needed.
//! - [`algoritmeregister`]: export to the Algoritmeregister publication standard 1.0.
//! - [`publication`]: publishing decisions for public accountability (Woo), with redaction.
//! - [`chain`]: a tamper-evident hash chain for the history of decisions.
//! - [`requirements`]: Algoritmekader requirements and measures filtered by AI Act profile.

pub mod ai_act;
pub mod algoritmeregister;
pub mod application;
pub mod chain;
pub mod choice;
pub mod framework;
pub mod framework_form;
pub mod meeting;
pub mod prescan;
pub mod publication;
pub mod requirements;
