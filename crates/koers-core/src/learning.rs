//! The learning track (module M7): programmes of modules along a leadership model, live
//! sessions, cohorts split into groups of limited size, attendance and progress, make-track
//! projects, and the rule that decides who earns a certificate.

pub mod badge;
pub mod calendar;
pub mod finder;
pub mod model;
pub mod quiz;

use crate::error::{Collector, FieldError, Invalid, long_text, parse_enum, text};
use crate::user::Email;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// How many modules a new programme gets when none are given.
pub const DEFAULT_MODULES: usize = 5;
/// The default largest group.
pub const DEFAULT_CAPACITY: u32 = 20;
/// The default share of live sessions a participant must attend, in percent.
pub const DEFAULT_MIN_ATTENDANCE: u32 = 80;
/// The largest cohort file accepted, in bytes.
pub const MAX_ROSTER_BYTES: usize = 512 * 1024;
/// The most participants one file may hold.
pub const MAX_ROSTER_ROWS: usize = 2000;

fn bad(name: &str, code: &str, reason: &str) -> Result<(), Invalid> {
    Err(Invalid::one(name, code, reason))
}

fn optional(name: &str, raw: &str, max: usize) -> Result<String, Invalid> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        text(name, raw, max)
    }
}

/// A whole number in `range`, or `default` when empty.
fn number(name: &str, raw: &str, default: u32, range: (u32, u32)) -> Result<u32, Invalid> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    match raw.trim().parse::<u32>() {
        Ok(n) if (range.0..=range.1).contains(&n) => Ok(n),
        _ => Err(Invalid::one(
            name,
            "range",
            &format!(
                "moet een geheel getal van {} tot en met {} zijn",
                range.0, range.1
            ),
        )),
    }
}

/// A validated new programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeDraft {
    pub name: String,
    pub description: String,
    /// The dimensions of the organisation's leadership model, in order.
    pub dimensions: Vec<String>,
    /// The model's levels, lowest first.
    pub levels: Vec<String>,
    /// The groups participants belong to and sessions may be for.
    pub target_groups: Vec<String>,
    /// The share of live sessions a participant must attend, in percent.
    pub min_attendance: u32,
    /// Whether a delivered make-track project is needed for the certificate.
    pub requires_project: bool,
}

/// A programme's leadership model and target groups as typed: one item per line.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelText<'a> {
    pub dimensions: &'a str,
    /// Empty for [`model::DEFAULT_LEVELS`].
    pub levels: &'a str,
    pub target_groups: &'a str,
}

impl ProgrammeDraft {
    pub fn parse(
        name: &str,
        description: &str,
        model: ModelText<'_>,
        min_attendance: &str,
        requires_project: bool,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        let description = c.take(optional("description", description, 5000));
        let levels = model::parse_levels(&mut c, model.levels);
        let target_groups = model::parse_target_groups(&mut c, model.target_groups);
        let mut dims: Vec<String> = Vec::new();
        for line in model.dimensions.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(d) = c.take(text("dimensions", line, 200))
                && !dims.contains(&d)
            {
                dims.push(d);
            }
        }
        if dims.len() > 20 {
            c.take(bad("dimensions", "too_many", "hoogstens 20 dimensies"));
        }
        let min_attendance = c.take(number(
            "minAttendance",
            min_attendance,
            DEFAULT_MIN_ATTENDANCE,
            (0, 100),
        ));
        c.finish()?;
        Ok(ProgrammeDraft {
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            dimensions: dims,
            levels,
            target_groups,
            min_attendance: min_attendance.unwrap_or(DEFAULT_MIN_ATTENDANCE),
            requires_project,
        })
    }

    /// The modules a new programme starts with: five, each on a dimension of the model in
    /// turn when the model has any.
    pub fn default_modules(&self) -> Vec<ModuleDraft> {
        (0..DEFAULT_MODULES)
            .map(|i| ModuleDraft {
                title: format!("Module {}", i + 1),
                description: String::new(),
                dimension: if self.dimensions.is_empty() {
                    String::new()
                } else {
                    self.dimensions[i % self.dimensions.len()].clone()
                },
            })
            .collect()
    }
}

/// A validated module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDraft {
    pub title: String,
    pub description: String,
    /// The dimension of the leadership model it covers; empty for none.
    pub dimension: String,
}

impl ModuleDraft {
    pub fn parse(
        title: &str,
        description: &str,
        dimension: &str,
        dimensions: &[String],
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let title = c.take(text("title", title, 200));
        let description = c.take(optional("description", description, 5000));
        let dimension = dimension.trim();
        if !dimension.is_empty() && !dimensions.iter().any(|d| d == dimension) {
            c.take(bad(
                "dimension",
                "enum",
                "kies een dimensie van het leiderschapsmodel",
            ));
        }
        c.finish()?;
        Ok(ModuleDraft {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            dimension: dimension.into(),
        })
    }
}

/// What a piece of a module's content is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// A page of text (Markdown).
    Page,
    /// A link to read elsewhere.
    Link,
    /// A video to watch (a link to where it is published).
    Video,
    /// An assignment to do (Markdown), optionally with a link.
    Assignment,
    /// A file to download (a reader, slides, a template), checked as an attachment.
    File,
    /// A prompt (Markdown) each participant answers in their own words.
    Reflection,
    /// A short multiple-choice quiz ([`quiz::Quiz`]), marked when answered.
    Quiz,
}

impl ContentKind {
    pub const ALL: [ContentKind; 7] = [
        ContentKind::Page,
        ContentKind::Link,
        ContentKind::Video,
        ContentKind::Assignment,
        ContentKind::File,
        ContentKind::Reflection,
        ContentKind::Quiz,
    ];

    /// Whether participants answer it (a reflection or a quiz).
    pub fn answered(self) -> bool {
        matches!(self, ContentKind::Reflection | ContentKind::Quiz)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Page => "page",
            ContentKind::Link => "link",
            ContentKind::Video => "video",
            ContentKind::Assignment => "assignment",
            ContentKind::File => "file",
            ContentKind::Reflection => "reflection",
            ContentKind::Quiz => "quiz",
        }
    }

    pub fn parse(raw: &str) -> Result<ContentKind, Invalid> {
        parse_enum(
            "kind",
            raw,
            &ContentKind::ALL,
            ContentKind::as_str,
            "kies een pagina, link, video, opdracht, bestand, reflectie of quiz",
        )
    }
}

/// The most text one page or assignment may hold.
pub const MAX_CONTENT_TEXT: usize = 20_000;

/// A validated piece of a module's content: a page or assignment has text, a link or video an
/// address on the web (`https://` or `http://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentDraft {
    pub kind: ContentKind,
    pub title: String,
    /// Markdown; empty for a link or video without a note.
    pub body: String,
    /// Empty for a page (and optional for an assignment).
    pub url: String,
}

impl ContentDraft {
    pub fn parse(kind: &str, title: &str, body: &str, url: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let kind = c.take(ContentKind::parse(kind));
        let title = c.take(text("title", title, 200));
        let body = c.take(if body.trim().is_empty() {
            Ok(String::new())
        } else {
            long_text("body", body, MAX_CONTENT_TEXT)
        });
        let url = url.trim();
        let needs_text = matches!(
            kind,
            Some(
                ContentKind::Page
                    | ContentKind::Assignment
                    | ContentKind::Reflection
                    | ContentKind::Quiz
            )
        );
        let needs_url = matches!(kind, Some(ContentKind::Link | ContentKind::Video));
        if needs_text && body.as_ref().is_some_and(|b| b.is_empty()) {
            c.take(bad(
                "body",
                "required",
                "schrijf de tekst van de pagina, opdracht, reflectie of quiz",
            ));
        } else if kind == Some(ContentKind::Quiz)
            && let Some(b) = &body
        {
            c.take(quiz::Quiz::parse(b));
        }
        if needs_url && url.is_empty() {
            c.take(bad("url", "required", "vul het webadres in"));
        } else if !url.is_empty() && !web_address(url) {
            c.take(bad(
                "url",
                "format",
                "moet een webadres zijn dat begint met https:// (of http://), zonder spaties",
            ));
        }
        c.finish()?;
        Ok(ContentDraft {
            kind: kind.unwrap_or(ContentKind::Page),
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            url: url.into(),
        })
    }
}

/// Whether `url` is an address on the web a page may link to: `https://` or `http://`, a
/// host, no spaces or control characters, at most 2000 characters.
pub fn web_address(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    url.len() <= 2000
        && rest.is_some_and(|r| {
            !r.is_empty()
                && !r.starts_with('/')
                && r.chars().all(|c| !c.is_whitespace() && !c.is_control())
        })
}

fn parse_time(name: &str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let ok = s.len() == 5
        && s.as_bytes()[2] == b':'
        && s[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u32>().is_ok_and(|m| m < 60);
    if ok {
        Ok(s.into())
    } else {
        Err(Invalid::one(name, "format", "moet een tijd zijn (UU:MM)"))
    }
}

/// A validated live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDraft {
    pub title: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    /// Where it is held online (https).
    pub link: String,
    /// The number of modules that come before it (0 = before the first module).
    pub after_module: u32,
    /// The target group it is for (checked by [`model::target_group`]); empty for everyone.
    pub target_group: String,
}

impl SessionDraft {
    pub fn parse(
        title: &str,
        date: &str,
        start_time: &str,
        end_time: &str,
        link: &str,
        after_module: &str,
        modules: u32,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let title = c.take(text("title", title, 200));
        let date = c.take(crate::dates::parse_date("date", date));
        let start = c.take(parse_time("startTime", start_time));
        let end = c.take(parse_time("endTime", end_time));
        if let (Some(s), Some(e)) = (&start, &end)
            && e <= s
        {
            c.take(bad("endTime", "order", "moet na de begintijd liggen"));
        }
        let link = link.trim();
        if !link.is_empty()
            && (!link.starts_with("https://")
                || link.len() > 500
                || link.contains(char::is_whitespace))
        {
            c.take(bad("link", "format", "moet een https-adres zijn"));
        }
        let after = c.take(number("afterModule", after_module, modules, (0, modules)));
        c.finish()?;
        Ok(SessionDraft {
            title: title.unwrap_or_default(),
            date: date.unwrap_or_default(),
            start_time: start.unwrap_or_default(),
            end_time: end.unwrap_or_default(),
            link: link.into(),
            after_module: after.unwrap_or(modules),
            target_group: String::new(),
        })
    }
}

/// A validated cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortDraft {
    pub name: String,
    pub start_date: Option<String>,
    /// The largest group.
    pub capacity: u32,
}

impl CohortDraft {
    pub fn parse(name: &str, start_date: &str, capacity: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        let start = if start_date.trim().is_empty() {
            Some(None)
        } else {
            c.take(crate::dates::parse_date("startDate", start_date))
                .map(Some)
        };
        let capacity = c.take(number("capacity", capacity, DEFAULT_CAPACITY, (1, 500)));
        c.finish()?;
        Ok(CohortDraft {
            name: name.unwrap_or_default(),
            start_date: start.flatten(),
            capacity: capacity.unwrap_or(DEFAULT_CAPACITY),
        })
    }
}

/// A validated group added by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDraft {
    pub name: String,
    pub capacity: u32,
}

impl GroupDraft {
    pub fn parse(name: &str, capacity: &str, default_capacity: u32) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 100));
        let capacity = c.take(number("capacity", capacity, default_capacity, (1, 500)));
        c.finish()?;
        Ok(GroupDraft {
            name: name.unwrap_or_default(),
            capacity: capacity.unwrap_or(default_capacity),
        })
    }
}

/// One participant as a cohort file lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantDraft {
    pub name: String,
    pub email: String,
    pub department: String,
    pub role: String,
    /// One of the programme's target groups; empty for none.
    pub target_group: String,
}

/// The columns of a cohort file, in Dutch or English.
const COLUMNS: [(&str, &str); 4] = [
    ("naam", "name"),
    ("e-mail", "email"),
    ("afdeling", "department"),
    ("rol", "role"),
];

fn row_error(line: u64, column: &str, reason: &str) -> FieldError {
    FieldError::new(
        format!("line {line}"),
        "row",
        format!("regel {line}, {column}: {reason}"),
    )
}

/// The optional column naming a participant's target group.
const TARGET_GROUP_COLUMN: [&str; 3] = ["doelgroep", "target group", "target_group"];

/// Reads a cohort file (CSV with a header row `naam,e-mail,afdeling,rol` or
/// `name,email,department,role`, comma or semicolon separated, and optionally `doelgroep` /
/// `target group` naming one of the programme's `target_groups`). Every bad row is reported
/// with its line number; one bad row means nothing is taken. Addresses already in the
/// cohort (`existing`, lower-case) count as duplicates.
pub fn parse_roster(
    raw: &str,
    existing: &HashSet<String>,
    target_groups: &[String],
) -> Result<Vec<ParticipantDraft>, Invalid> {
    if raw.len() > MAX_ROSTER_BYTES {
        return Err(Invalid::one(
            "file",
            "too_large",
            &format!(
                "het bestand mag hoogstens {} kB zijn",
                MAX_ROSTER_BYTES / 1024
            ),
        ));
    }
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let first = raw.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(raw.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => return Err(Invalid::one("file", "format", &format!("onleesbaar: {e}"))),
    };
    let mut index = [0usize; 4];
    let mut missing = Vec::new();
    for (i, (nl, en)) in COLUMNS.iter().enumerate() {
        match header
            .iter()
            .position(|h| h == nl || h == en || (*en == "email" && h == "e-mailadres"))
        {
            Some(p) => index[i] = p,
            None => missing.push(*nl),
        }
    }
    let group_column = header
        .iter()
        .position(|h| TARGET_GROUP_COLUMN.contains(&h.as_str()));
    if !missing.is_empty() {
        return Err(Invalid::one(
            "file",
            "header",
            &format!(
                "de kopregel mist de kolom(men) {}; verwacht naam, e-mail, afdeling, rol",
                missing.join(", ")
            ),
        ));
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(row_error(line, "bestand", "onleesbare regel"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if out.len() + errors.len() >= MAX_ROSTER_ROWS {
            return Err(Invalid::one(
                "file",
                "too_many",
                &format!("hoogstens {MAX_ROSTER_ROWS} deelnemers per bestand"),
            ));
        }
        let cell = |i: usize| record.get(index[i]).unwrap_or("");
        let mut ok = true;
        let mut field = |i: usize, max: usize, label: &str| match text("x", cell(i), max) {
            Ok(v) => v,
            Err(e) => {
                ok = false;
                errors.push(row_error(line, label, &e.0[0].reason));
                String::new()
            }
        };
        let name = field(0, 200, "naam");
        let department = field(2, 200, "afdeling");
        let role = field(3, 200, "rol");
        let group = group_column.map_or("", |i| record.get(i).unwrap_or(""));
        let target_group = match model::target_group("x", group, target_groups) {
            Ok(g) => g,
            Err(e) => {
                ok = false;
                errors.push(row_error(line, "doelgroep", &e.0[0].reason));
                String::new()
            }
        };
        let email = match Email::parse(cell(1)) {
            Ok(e) if existing.contains(e.as_str()) => {
                errors.push(row_error(line, "e-mail", "staat al in dit cohort"));
                None
            }
            Ok(e) if !seen.insert(e.as_str().to_string()) => {
                errors.push(row_error(line, "e-mail", "komt eerder in het bestand voor"));
                None
            }
            Ok(e) => Some(e.as_str().to_string()),
            Err(e) => {
                errors.push(row_error(line, "e-mail", &e.0[0].reason));
                None
            }
        };
        if let (true, Some(email)) = (ok, email) {
            out.push(ParticipantDraft {
                name,
                email,
                department,
                role,
                target_group,
            });
        }
    }
    if !errors.is_empty() {
        return Err(Invalid(errors));
    }
    if out.is_empty() {
        return Err(Invalid::one(
            "file",
            "empty",
            "het bestand bevat geen deelnemers",
        ));
    }
    Ok(out)
}

/// Splits participants (department, role) into the fewest groups of at most `capacity`:
/// group sizes differ by at most one, and so do the numbers of any one department (and,
/// within it, any one role) across groups. Returns the indices of the participants per group.
pub fn balanced_split(people: &[(String, String)], capacity: u32) -> Vec<Vec<usize>> {
    if people.is_empty() || capacity == 0 {
        return Vec::new();
    }
    let groups = people.len().div_ceil(capacity as usize);
    // Departments in blocks, roles together within a block; the largest departments first
    // so their members are dealt from the first group on.
    let mut by_dept: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (d, _)) in people.iter().enumerate() {
        by_dept.entry(d.as_str()).or_default().push(i);
    }
    let mut blocks: Vec<Vec<usize>> = by_dept.into_values().collect();
    blocks.sort_by_key(|b| std::cmp::Reverse(b.len()));
    let mut out = vec![Vec::new(); groups];
    let mut next = 0;
    for mut block in blocks {
        block.sort_by(|a, b| people[*a].1.cmp(&people[*b].1).then(a.cmp(b)));
        for i in block {
            out[next % groups].push(i);
            next += 1;
        }
    }
    out
}

/// Whether a participant attended a live session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Present,
    Absent,
    Excused,
}

impl Attendance {
    pub const ALL: [Attendance; 3] = [Attendance::Present, Attendance::Absent, Attendance::Excused];

    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Absent => "absent",
            Attendance::Excused => "excused",
        }
    }

    pub fn parse(name: &str, s: &str) -> Result<Self, Invalid> {
        parse_enum(
            name,
            s,
            &Attendance::ALL,
            Attendance::as_str,
            "moet present, absent of excused zijn",
        )
    }

    /// A register's mark: a status, or [`CLEAR_MARK`] for none (a mark recorded by mistake,
    /// such as an absence at a session that has not been held, is taken away).
    pub fn parse_mark(name: &str, s: &str) -> Result<Option<Self>, Invalid> {
        if s == CLEAR_MARK {
            return Ok(None);
        }
        Self::parse(name, s)
            .map(Some)
            .map_err(|_| Invalid::one(name, "enum", "moet present, absent, excused of clear zijn"))
    }
}

/// What a register sends to take a recorded attendance mark away.
pub const CLEAR_MARK: &str = "clear";

/// A live session's register for a whole cohort as the coordinator saves it: the marks
/// chosen (participant id, mark; `None` takes a recorded mark away), and with `rest_present`
/// everyone the session is for who has no mark chosen and none recorded before marked
/// present, so that after a session only the exceptions need a choice. The marks chosen are
/// checked where they are recorded.
pub fn session_marks(
    for_session: &[&str],
    chosen: &[(String, Option<Attendance>)],
    recorded: &HashSet<&str>,
    rest_present: bool,
) -> Vec<(String, Option<Attendance>)> {
    let mut marks = chosen.to_vec();
    if rest_present {
        for p in for_session {
            if !recorded.contains(*p) && !chosen.iter().any(|(c, _)| c == p) {
                marks.push((p.to_string(), Some(Attendance::Present)));
            }
        }
    }
    marks
}

/// How far a participant is with a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    NotStarted,
    Started,
    Done,
}

impl Progress {
    pub const ALL: [Progress; 3] = [Progress::NotStarted, Progress::Started, Progress::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Progress::NotStarted => "not_started",
            Progress::Started => "started",
            Progress::Done => "done",
        }
    }

    pub fn parse(name: &str, s: &str) -> Result<Self, Invalid> {
        parse_enum(
            name,
            s,
            &Progress::ALL,
            Progress::as_str,
            "moet not_started, started of done zijn",
        )
    }
}

/// Where a make-track project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Proposed,
    Running,
    Delivered,
    Stopped,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Proposed,
        ProjectStatus::Running,
        ProjectStatus::Delivered,
        ProjectStatus::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Proposed => "proposed",
            ProjectStatus::Running => "running",
            ProjectStatus::Delivered => "delivered",
            ProjectStatus::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "status",
            s,
            &ProjectStatus::ALL,
            ProjectStatus::as_str,
            "moet proposed, running, delivered of stopped zijn",
        )
    }
}

/// An outside student on a project team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    pub name: String,
    pub institution: String,
}

/// A validated make-track project (its links to a question and a product are checked by
/// the store, against the same organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDraft {
    pub title: String,
    pub status: ProjectStatus,
    pub outcome: String,
    pub students: Vec<Student>,
}

impl ProjectDraft {
    /// `students` holds one student per line: `name; institution`.
    pub fn parse(
        title: &str,
        status: &str,
        outcome: &str,
        students: &str,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let title = c.take(text("title", title, 300));
        let status = if status.trim().is_empty() {
            Some(ProjectStatus::Proposed)
        } else {
            c.take(ProjectStatus::parse(status))
        };
        let outcome = c.take(optional("outcome", outcome, 5000));
        let mut list = Vec::new();
        for line in students.lines().filter(|l| !l.trim().is_empty()) {
            match line.split_once(';') {
                Some((n, i)) => {
                    let n = c.take(text("students", n, 200));
                    let i = c.take(text("students", i, 200));
                    if let (Some(name), Some(institution)) = (n, i) {
                        list.push(Student { name, institution });
                    }
                }
                None => {
                    c.take(bad(
                        "students",
                        "format",
                        "één student per regel: naam; onderwijsinstelling",
                    ));
                }
            }
        }
        if list.len() > 50 {
            c.take(bad("students", "too_many", "hoogstens 50 studenten"));
        }
        c.finish()?;
        Ok(ProjectDraft {
            title: title.unwrap_or_default(),
            status: status.unwrap_or(ProjectStatus::Proposed),
            outcome: outcome.unwrap_or_default(),
            students: list,
        })
    }
}

/// What the completion rule looks at for one participant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    pub modules_total: u32,
    pub modules_done: u32,
    pub sessions_total: u32,
    /// Sessions marked present (excused counts as not attended).
    pub sessions_present: u32,
    /// Whether a project the participant is on was delivered.
    pub project_delivered: bool,
}

/// One thing still missing for the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// Modules not yet done.
    Modules { done: u32, total: u32 },
    /// Attendance below the required share (percentages; `percent` is always below
    /// `required`, so the message never reads "67 % of at least 67 %").
    Attendance { percent: u32, required: u32 },
    /// No delivered make-track project.
    Project,
}

/// The share of sessions attended, in whole percent, half rounded up (4 of 6 is 67 %); 100
/// when there are none. The completion rule compares the exact share, not this figure.
pub fn attendance_percent(r: &Record) -> u32 {
    if r.sessions_total == 0 {
        100
    } else {
        let total = u64::from(r.sessions_total);
        ((u64::from(r.sessions_present) * 200 + total) / (2 * total)) as u32
    }
}

/// The completion rule: every module done, at least `min_attendance` percent of the live
/// sessions attended, and (when the programme asks it) a delivered project. Returns what is
/// missing; empty means the participant earns the certificate. A programme without modules
/// cannot be completed.
pub fn missing_for_certificate(
    r: &Record,
    min_attendance: u32,
    requires_project: bool,
) -> Vec<Missing> {
    let mut out = Vec::new();
    if r.modules_total == 0 || r.modules_done < r.modules_total {
        out.push(Missing::Modules {
            done: r.modules_done.min(r.modules_total),
            total: r.modules_total,
        });
    }
    let percent = attendance_percent(r);
    // Compare exactly: present / total >= required / 100.
    if u64::from(r.sessions_present) * 100 < u64::from(min_attendance) * u64::from(r.sessions_total)
    {
        // Below the requirement by less than half a percent, rounding would meet it: say
        // the whole percent below instead (66.7 % of a required 67 % reads as 66 %).
        out.push(Missing::Attendance {
            percent: percent.min(min_attendance.saturating_sub(1)),
            required: min_attendance,
        });
    }
    if requires_project && !r.project_delivered {
        out.push(Missing::Project);
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn module_content_needs_text_or_a_web_address() {
        let page = ContentDraft::parse("page", "Wat is datagedreven?", "# Inleiding", "").unwrap();
        assert_eq!(page.kind, ContentKind::Page);
        let video =
            ContentDraft::parse("video", "Lezing", "", " https://video.example/1 ").unwrap();
        assert_eq!(video.url, "https://video.example/1");
        let e = ContentDraft::parse("podcast", "", "", "").unwrap_err();
        let names: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["kind", "title"]);
        for bad_url in [
            "javascript:alert(1)",
            "https://",
            "ftp://x",
            "https://a b",
            "//x.nl",
        ] {
            let e = ContentDraft::parse("link", "Link", "", bad_url).unwrap_err();
            assert_eq!(e.0[0].name, "url", "{bad_url}");
        }
        assert!(ContentDraft::parse("page", "Leeg", " ", "").is_err());
        assert!(ContentDraft::parse("link", "Zonder adres", "", "").is_err());
        let long = "x".repeat(MAX_CONTENT_TEXT + 1);
        assert!(ContentDraft::parse("assignment", "Te lang", &long, "").is_err());
    }
    use super::*;

    #[test]
    fn a_session_register_marks_the_rest_present() {
        let for_session = ["anna", "bert", "chantal", "daan"];
        let (absent, present) = (Some(Attendance::Absent), Some(Attendance::Present));
        let chosen = vec![
            ("bert".to_string(), absent),
            ("eva".to_string(), present),
            // A mark taken away stays away: the rest is who has none chosen.
            ("daan".to_string(), None),
        ];
        let recorded: HashSet<&str> = ["chantal", "daan"].into();
        let marks = session_marks(&for_session, &chosen, &recorded, true);
        assert_eq!(
            marks,
            [
                ("bert".to_string(), absent),
                ("eva".to_string(), present),
                ("daan".to_string(), None),
                ("anna".to_string(), present),
            ]
        );
        assert_eq!(Attendance::parse_mark("status", "clear"), Ok(None));
        assert_eq!(Attendance::parse_mark("status", "absent"), Ok(absent));
        assert!(Attendance::parse_mark("status", "weg").is_err());
        // Without the rest: only what was chosen.
        assert_eq!(
            session_marks(&for_session, &chosen, &recorded, false),
            chosen
        );
    }
    use proptest::prelude::*;

    fn complete() -> Record {
        Record {
            modules_total: 5,
            modules_done: 5,
            sessions_total: 5,
            sessions_present: 4,
            project_delivered: true,
        }
    }

    #[test]
    fn everything_done_earns_the_certificate() {
        assert!(missing_for_certificate(&complete(), 80, true).is_empty());
    }

    #[test]
    fn each_missing_part_is_named() {
        let r = Record {
            modules_done: 3,
            sessions_present: 3,
            project_delivered: false,
            ..complete()
        };
        let m = missing_for_certificate(&r, 80, true);
        assert_eq!(
            m,
            vec![
                Missing::Modules { done: 3, total: 5 },
                Missing::Attendance {
                    percent: 60,
                    required: 80
                },
                Missing::Project
            ]
        );
        // Without the project requirement, the project is not missing.
        assert_eq!(missing_for_certificate(&r, 80, false).len(), 2);
    }

    #[test]
    fn attendance_is_compared_exactly() {
        // 2 of 3 is 66.7%: below 67, at or above 66.
        let r = Record {
            sessions_total: 3,
            sessions_present: 2,
            ..complete()
        };
        assert!(missing_for_certificate(&r, 66, true).is_empty());
        assert_eq!(attendance_percent(&r), 67, "half rounded up");
        assert_eq!(
            missing_for_certificate(&r, 67, true),
            vec![Missing::Attendance {
                percent: 66,
                required: 67
            }],
            "never shown as meeting what it misses"
        );
        let four_of_six = Record {
            sessions_total: 6,
            sessions_present: 4,
            ..complete()
        };
        assert_eq!(attendance_percent(&four_of_six), 67);
        let one_of_eight = Record {
            sessions_total: 8,
            sessions_present: 1,
            ..complete()
        };
        assert_eq!(attendance_percent(&one_of_eight), 13, "12.5 rounds up");
        // No sessions at all: nothing to miss.
        let none = Record {
            sessions_total: 0,
            sessions_present: 0,
            ..complete()
        };
        assert!(missing_for_certificate(&none, 80, true).is_empty());
    }

    #[test]
    fn a_programme_without_modules_cannot_be_completed() {
        let r = Record {
            modules_total: 0,
            modules_done: 0,
            ..complete()
        };
        assert_eq!(
            missing_for_certificate(&r, 80, true),
            vec![Missing::Modules { done: 0, total: 0 }]
        );
    }

    #[test]
    fn a_good_roster_reads_in_either_language_and_separator() {
        let nl = "naam,e-mail,afdeling,rol\nAnna de Vries,Anna@Example.nl,Financiën,teamleider\n";
        let r = parse_roster(nl, &HashSet::new(), &[]).unwrap();
        assert_eq!(r[0].email, "anna@example.nl");
        assert_eq!(r[0].department, "Financiën");
        let en = "\u{feff}role;department;email;name\nmanager;ICT;b@example.nl;Bert\n";
        let r = parse_roster(en, &HashSet::new(), &[]).unwrap();
        assert_eq!(r[0].name, "Bert");
        assert_eq!(r[0].role, "manager");
        assert_eq!(r[0].target_group, "");
    }

    #[test]
    fn a_roster_may_name_each_target_group() {
        let groups = vec!["Beleidsmakers".to_string(), "Uitvoerders".to_string()];
        let csv = "naam,e-mail,afdeling,rol,doelgroep\nAnna,a@example.nl,ICT,teamleider,Uitvoerders\nBert,b@example.nl,ICT,adviseur,\n";
        let r = parse_roster(csv, &HashSet::new(), &groups).unwrap();
        assert_eq!(r[0].target_group, "Uitvoerders");
        assert_eq!(r[1].target_group, "");
        let csv = "name,email,department,role,target group\nAnna,a@example.nl,ICT,lead,Iedereen\n";
        let e = parse_roster(csv, &HashSet::new(), &groups).unwrap_err();
        assert_eq!(
            e.0[0].reason,
            "regel 2, doelgroep: kies een doelgroep van deze leergang"
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let csv = "naam,e-mail,afdeling,rol\n\
                   Anna,anna@example.nl,ICT,teamleider\n\
                   ,geen-adres,ICT,manager\n\
                   Bert,anna@example.nl,ICT,manager\n\
                   Cor,cor@example.nl,,manager\n\
                   Dirk,dirk@example.nl,ICT,manager\n";
        let existing: HashSet<String> = ["dirk@example.nl".to_string()].into();
        let e = parse_roster(csv, &existing, &[]).unwrap_err();
        let reasons: Vec<_> = e.0.iter().map(|f| f.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].starts_with("regel 3, naam"));
        assert!(reasons[1].starts_with("regel 3, e-mail"));
        assert!(reasons[2].starts_with("regel 4, e-mail: komt eerder"));
        assert!(reasons[3].starts_with("regel 5, afdeling"));
        assert!(reasons[4].starts_with("regel 6, e-mail: staat al"));
    }

    #[test]
    fn a_roster_needs_its_columns_rows_and_a_sane_size() {
        assert_eq!(
            parse_roster("naam,email\nA,a@b.nl\n", &HashSet::new(), &[])
                .unwrap_err()
                .0[0]
                .code,
            "header"
        );
        assert_eq!(
            parse_roster("naam,e-mail,afdeling,rol\n", &HashSet::new(), &[])
                .unwrap_err()
                .0[0]
                .code,
            "empty"
        );
        let big = "x".repeat(MAX_ROSTER_BYTES + 1);
        assert_eq!(
            parse_roster(&big, &HashSet::new(), &[]).unwrap_err().0[0].code,
            "too_large"
        );
    }

    #[test]
    fn drafts_list_every_problem() {
        let e = SessionDraft::parse("", "2026-02-30", "25:00", "10:00", "http://x", "9", 5)
            .unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["title", "date", "startTime", "link", "afterModule"]);
        let e =
            SessionDraft::parse("Sessie", "2026-02-03", "10:00", "09:00", "", "", 5).unwrap_err();
        assert_eq!(e.0[0].name, "endTime");
        let p = ProgrammeDraft::parse(
            "Digitaal Leiderschap",
            "",
            ModelText {
                dimensions: "Visie\nSturen\n\nVisie",
                ..ModelText::default()
            },
            "",
            false,
        )
        .unwrap();
        assert_eq!(p.dimensions, ["Visie", "Sturen"]);
        assert_eq!(p.levels, model::DEFAULT_LEVELS);
        assert!(p.target_groups.is_empty());
        assert_eq!(p.min_attendance, 80);
        let m = p.default_modules();
        assert_eq!(m.len(), 5);
        assert_eq!(m[2].dimension, "Visie");
        assert!(ModuleDraft::parse("M", "", "Onbekend", &p.dimensions).is_err());
        assert!(CohortDraft::parse("2026", "", "0").is_err());
        assert_eq!(CohortDraft::parse("2026", "", "").unwrap().capacity, 20);
        let pr = ProjectDraft::parse("Tijdmachine", "", "", "Eva; JADS\n").unwrap();
        assert_eq!(pr.students[0].institution, "JADS");
        assert!(ProjectDraft::parse("T", "done", "", "zonder instelling").is_err());
    }

    fn people() -> impl Strategy<Value = Vec<(String, String)>> {
        proptest::collection::vec(("[A-E]", "[xyz]"), 0..200)
    }

    proptest! {
        /// Every participant lands in exactly one group; groups are within capacity, as few
        /// as capacity allows, and differ in size by at most one; each department (and each
        /// department-role pair) is spread so its counts per group differ by at most one.
        #[test]
        fn the_split_is_balanced(ps in people(), capacity in 1u32..40) {
            let groups = balanced_split(&ps, capacity);
            prop_assert_eq!(groups.len(), ps.len().div_ceil(capacity as usize));
            let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..ps.len()).collect::<Vec<_>>());
            let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
            if let (Some(min), Some(max)) = (sizes.iter().min(), sizes.iter().max()) {
                prop_assert!(max - min <= 1);
                prop_assert!(*max <= capacity as usize);
            }
            for d in ["A", "B", "C", "D", "E"] {
                let counts: Vec<usize> = groups.iter().map(|g| g.iter().filter(|i| ps[**i].0 == d).count()).collect();
                if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
                    prop_assert!(max - min <= 1, "department {} spread {:?}", d, counts);
                }
            }
        }

        /// The certificate is earned exactly when nothing is missing, and then every part of
        /// the rule holds.
        #[test]
        fn the_rule_is_consistent(total in 0u32..8, done in 0u32..8, st in 0u32..10, sp in 0u32..10, delivered: bool, min in 0u32..=100, req: bool) {
            let r = Record { modules_total: total, modules_done: done.min(total), sessions_total: st, sessions_present: sp.min(st), project_delivered: delivered };
            let m = missing_for_certificate(&r, min, req);
            if m.is_empty() {
                prop_assert!(total > 0 && r.modules_done == total);
                prop_assert!(st == 0 || r.sessions_present as f64 / st as f64 * 100.0 >= min as f64 - 1e-9);
                prop_assert!(!req || delivered);
            }
        }
    }
}
