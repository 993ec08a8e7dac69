//! The demo workspace: Provincie Utrecht (PV26) with a user for every role, and the real
//! 2025 boundaries of the 12 provinces and 342 municipalities (CBS / Kadaster) in the catalog,
//! so that a newcomer can explore koers. Passwords are generated, printed once and written
//! to `demo-accounts.txt` in the data folder (readable by its owner only).
//!
//! Beside the seed: the reference-workload generator ([`movements`]: logistics movements
//! between real municipalities, the same as `bench/gen_movements.py`), and console progress
//! bars ([`console`]). This crate is a client of koers-app like the web and the command line.

pub mod console;
mod dashboard;
mod learning;
mod maturity;
pub mod movements;
mod questions;
mod twin;

use crate::movements::MovementArgs;
use anyhow::{Context, Result, bail};
use koers_app::Workspace;
use koers_app::catalog::{ImportRequest, ImportSource};
use koers_core::catalog::{AccessRights, DatasetMeta};
use koers_core::secret::{generate_password, hash_password};
use koers_core::{OrganisationDraft, Role, UserDraft};
use koers_store::{Actor, Dataset, DatasetVersion, Organisation};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The demo accounts: e-mail address, name, roles, deployment administrator.
const ACCOUNTS: [(&str, &str, &[Role], bool); 6] = [
    (
        "beheerder@provincie-utrecht.example",
        "Bea Beheer",
        &[Role::Administrator],
        true,
    ),
    (
        "analist@provincie-utrecht.example",
        "Ahmed Analist",
        &[Role::Analyst],
        false,
    ),
    (
        "datasteward@provincie-utrecht.example",
        "Dirk Data",
        &[Role::DataSteward],
        false,
    ),
    (
        "beleid@provincie-utrecht.example",
        "Bo Beleid",
        &[Role::PolicyOwner],
        false,
    ),
    (
        "gedeputeerde@provincie-utrecht.example",
        "Geert Gedeputeerde",
        &[Role::BoardMember],
        false,
    ),
    (
        "lezer@provincie-utrecht.example",
        "Lotte Lezer",
        &[Role::Viewer],
        false,
    ),
];

const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// The demo user `user` acting in `org`, as a signed-in client would be.
pub(crate) async fn principal(
    ws: &Workspace,
    org: &Organisation,
    user: &koers_store::User,
) -> Result<koers_app::Principal> {
    Ok(koers_app::accounts::principal(ws, &user.id, &org.id, None).await?)
}

/// What the columns of the organisation's dataset `dataset` mean, as its data steward says
/// it (titles, units, code lists), so that pages show words instead of column names.
async fn label_columns(
    ws: &Workspace,
    org: &Organisation,
    steward: &koers_store::User,
    dataset: &str,
    labels: Vec<(&str, serde_json::Value)>,
) -> Result<()> {
    let who = principal(ws, org, steward).await?;
    let datasets = koers_app::catalog::datasets(ws, &who).await?;
    let Some(ds) = datasets.own.iter().find(|d| d.name == dataset) else {
        return Ok(());
    };
    for (column, l) in labels {
        koers_app::catalog::label_column(ws, &who, &ds.id, column, input(l)).await?;
    }
    Ok(())
}

/// What the columns of CBS's boundaries mean.
fn boundary_labels() -> Vec<(&'static str, serde_json::Value)> {
    let title = |t: &str| serde_json::json!({ "title": t });
    vec![
        ("statcode", title("Gebiedscode (CBS)")),
        ("statnaam", title("Naam")),
        ("jrstatcode", title("Jaar en gebiedscode")),
        ("rubriek", title("Soort gebied")),
        ("id", title("Volgnummer")),
        ("FID", title("Kenmerk bij PDOK")),
        ("geom", title("Grens")),
    ]
}

/// A use case's input from a JSON object.
pub(crate) fn input(v: serde_json::Value) -> koers_app::Input {
    match v {
        serde_json::Value::Object(m) => koers_app::Input::from_object(m),
        _ => unreachable!("the demo builds its inputs from JSON objects"),
    }
}

/// What the demo analyses' result columns mean, as their analyst says it: title and unit by
/// column name (columns the movements dataset already labels, such as `tonnes`, are left out).
const RESULT_COLUMNS: &[(&str, &str, &str)] = &[
    ("aandeel_veilig", "Aandeel veilige locaties", "%"),
    ("arrivals", "Aankomende bewegingen", ""),
    ("binnenvaart_ton", "Binnenvaart", "ton"),
    ("change_pct", "Verandering ten opzichte van vorig jaar", "%"),
    ("departures", "Vertrekkende bewegingen", ""),
    ("dest_province_code", "Provincie van bestemming", ""),
    (
        "dest_province_name",
        "Naam van de provincie van bestemming",
        "",
    ),
    ("gm_code", "Gemeente", ""),
    ("jaar", "Jaar", ""),
    ("month", "Maand", ""),
    ("movements", "Bewegingen", ""),
    ("name", "Naam", ""),
    ("origin_province_code", "Provincie van herkomst", ""),
    (
        "origin_province_name",
        "Naam van de provincie van herkomst",
        "",
    ),
    ("province_code", "Provincie", ""),
    ("province_name", "Naam van de provincie", ""),
    ("share_pct", "Aandeel", "%"),
    ("tonne_km", "Vervoersprestatie", "tonkilometer"),
    (
        "tonne_km_rail_water",
        "Vervoersprestatie spoor en binnenvaart",
        "tonkilometer",
    ),
    ("tonnes_in", "Aankomend gewicht", "ton"),
    ("tonnes_out", "Vertrekkend gewicht", "ton"),
    ("tonnes_previous_year", "Gewicht vorig jaar", "ton"),
    ("week", "Week", ""),
    ("wegvervoer_ton", "Wegvervoer", "ton"),
    ("year", "Jaar", ""),
];

/// Saves a demo analysis as its analyst `who` does, and says what its result's columns mean
/// ([`RESULT_COLUMNS`]).
pub(crate) async fn save_analysis(
    ws: &Workspace,
    who: &koers_app::Principal,
    (title, description, sql): (&str, &str, &str),
    params: &[koers_core::analysis::Param],
) -> Result<koers_app::analysis::Analysis> {
    let fields = input(serde_json::json!({
        "title": title,
        "description": description,
        "sql": sql,
        "paramName": params.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
        "paramKind": params.iter().map(|x| x.kind.as_str()).collect::<Vec<_>>(),
        "paramDefault": params.iter().map(|x| x.default.as_str()).collect::<Vec<_>>(),
    }));
    let mut a = koers_app::analysis::save(ws, who, None, fields).await?;
    for (column, title, unit) in RESULT_COLUMNS {
        if a.columns.iter().any(|c| c == column) {
            let labels = input(serde_json::json!({ "title": title, "unit": unit }));
            a = koers_app::analysis::label_column(ws, who, &a.id, column, labels).await?;
        }
    }
    Ok(a)
}

/// The boundaries shipped in the binary: SQL name, title, file.
pub(crate) const BOUNDARIES: [(&str, &str, &[u8]); 2] = [
    (
        "provincies",
        "Provinciegrenzen 2025",
        koers_core::regions::PROVINCES_GEOJSON.as_bytes(),
    ),
    (
        "gemeenten",
        "Gemeentegrenzen 2025",
        koers_core::regions::MUNICIPALITIES_GEOJSON.as_bytes(),
    ),
];

async fn import_boundaries(ws: &Workspace, org: &Organisation) -> Result<()> {
    for (name, title, bytes) in BOUNDARIES {
        let meta = DatasetMeta {
            description: format!(
                "{title}, gegeneraliseerd, WGS84 (statcode, statnaam). Bron: CBS / PDOK gebiedsindelingen. Naamsvermelding: CBS / Kadaster, 2025."
            ),
            contact_name: "CBS".into(),
            theme: "REGI".into(),
            licence: "CC-BY-4.0".into(),
            access_rights: AccessRights::Public,
            cadence: "ANNUAL".into(),
            tags: vec!["grenzen".into(), "cbs".into(), "2025".into()],
            ..DatasetMeta::for_new(title, "CBS / Kadaster")
        };
        let file = (format!("{name}_2025.geojson"), bytes);
        let (ds, v) = import_bytes(ws, org, file, (name, None, false), meta).await?;
        println!("Bron {} geïmporteerd: {} rijen.", ds.name, v.row_count);
    }
    Ok(())
}

/// Imports `source` as dataset `name` of `org`, by the command line, with `meta`; `crs` names
/// the coordinates' CRS where the file does not, and `generated` marks generated data.
pub(crate) async fn import(
    ws: &Workspace,
    org: &Organisation,
    source: ImportSource,
    (name, crs, generated): (&str, Option<&str>, bool),
    meta: DatasetMeta,
    progress: Arc<dyn koers_engine::Progress + Send + Sync>,
) -> Result<(Dataset, DatasetVersion)> {
    let req = ImportRequest {
        source,
        name: Some(name.into()),
        crs: crs.map(str::to_string),
        format: None,
        layer: None,
        meta: Some(meta),
        generated,
        column_types: Default::default(),
        append: false,
    };
    ws.import(org, &Actor::cli(), req, progress)
        .await
        .map_err(|e| anyhow::anyhow!("kan {name} niet importeren: {e}"))
}

/// Imports `bytes` as if uploaded as `file_name` (through a temporary file) as dataset
/// `name` of `org`: see [`import`].
pub(crate) async fn import_bytes(
    ws: &Workspace,
    org: &Organisation,
    (file_name, bytes): (String, &[u8]),
    (name, crs, generated): (&str, Option<&str>, bool),
    meta: DatasetMeta,
) -> Result<(Dataset, DatasetVersion)> {
    let ext = file_name.rsplit('.').next().unwrap_or_default();
    let tmp = ws.temp_path(ext)?;
    std::fs::write(&tmp, bytes)?;
    let source = ImportSource::Upload {
        path: tmp.clone(),
        file_name,
    };
    let progress = Arc::new(koers_engine::NoProgress);
    let r = import(ws, org, source, (name, crs, generated), meta, progress).await;
    let _ = std::fs::remove_file(&tmp);
    r
}

/// A small deterministic generator (xorshift64*), so every demo is the same.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub(crate) fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// Seeds the demo workspace; refuses when the data folder already has organisations.
pub async fn seed(ws: &Workspace, movements: &MovementArgs) -> Result<()> {
    movements.check()?;
    let store = &ws.store;
    let data_dir = ws.data_dir();
    if !store.organisations().organisations().await?.is_empty() {
        bail!(
            "de datamap {} bevat al een werkruimte; kies een lege map met --data-dir",
            data_dir.display()
        );
    }
    let actor = Actor::cli();
    let org = store
        .organisations()
        .create_organisation(
            &OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "")?,
            &actor,
        )
        .await?;
    let mut users = Vec::new();
    let mut lines = vec![format!(
        "# koers demo-accounts voor {} ({})",
        org.name, "PV26"
    )];
    for (email, name, roles, instance_admin) in ACCOUNTS {
        let (user, line) = account(ws, &org, (email, name), roles, instance_admin).await?;
        users.push(user);
        lines.push(line);
    }
    import_boundaries(ws, &org).await?;
    let people = crate::questions::People {
        owner: &users[3],
        analyst: &users[1],
        steward: &users[2],
        board: &users[4],
    };
    crate::questions::seed(ws, &org, &people).await?;
    lines.push(invite_partner(ws, &org, &users[3]).await?);
    crate::questions::seed_register(ws, &org, &people).await?;
    crate::maturity::seed(ws, &org, &users[1]).await?;
    crate::learning::seed(ws, &org, &users[0]).await?;
    let logistics = crate::movements::seed(ws, &org, &users[1], movements).await?;
    label_columns(ws, &org, &users[2], "movements", movements::column_labels()).await?;
    for (name, _, _) in BOUNDARIES {
        label_columns(ws, &org, &users[2], name, boundary_labels()).await?;
    }
    crate::dashboard::seed(ws, &org, &users[1], &logistics).await?;
    crate::twin::seed(ws, &org, &users[1]).await?;
    lines.push(crate::learning::deliver_dashboard(ws, &org, &users[0]).await?);
    lines.push(crate::maturity::seed_umbrella(ws, &org).await?);
    let path = data_dir.join(ACCOUNTS_FILE);
    write_private(&path, &(lines.join("\n") + "\n"))?;
    println!("Demowerkruimte aangemaakt: {} (PV26).", org.name);
    println!(
        "Accounts (e-mailadres, wachtwoord, rol) — ook in {}:",
        path.display()
    );
    for l in &lines[1..] {
        println!("  {l}");
    }
    Ok(())
}

/// A demo account (address, name) with `roles` in `org` and a fresh password; the account and
/// the accounts file's line for it.
pub(crate) async fn account(
    ws: &Workspace,
    org: &Organisation,
    (email, name): (&str, &str),
    roles: &[Role],
    instance_admin: bool,
) -> Result<(koers_store::User, String)> {
    let password = generate_password();
    let draft = UserDraft::parse(email, name, &password)?;
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = ws
        .store
        .users()
        .create_user(&draft, &hash, instance_admin, &org.id, roles, &Actor::cli())
        .await?;
    let role_names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
    Ok((
        user,
        format!("{email}\t{password}\t{}", role_names.join(",")),
    ))
}

/// A partner from outside, invited by the policy owner to the roads question (reading,
/// commenting and adding files: a grid operator's cables lie under the roads) with an account
/// of their own: the demo's guest. Returns the accounts file's line for them.
async fn invite_partner(
    ws: &Workspace,
    org: &Organisation,
    owner: &koers_store::User,
) -> Result<String> {
    let who = principal(ws, org, owner).await?;
    let roads = crate::questions::roads_question(ws, &who).await?;
    let object = (koers_core::guests::GuestObject::Question, roads.id.as_str());
    guest(
        ws,
        &who,
        object,
        (
            "partner@netbeheerder-oost.example",
            "Sam Partner",
            "Netbeheerder Oost",
        ),
    )
    .await
}

/// Invites a guest (address, name, where they come from) to `object`, reading, commenting and
/// adding files for a year, and takes the invitation up with a new account. Returns the
/// accounts file's line for them.
pub(crate) async fn guest(
    ws: &Workspace,
    who: &koers_app::Principal,
    object: (koers_core::guests::GuestObject, &str),
    (email, name, affiliation): (&str, &str, &str),
) -> Result<String> {
    let invited = koers_app::guests::invite(
        ws,
        who,
        object,
        input(serde_json::json!({
            "email": email, "name": name, "affiliation": affiliation,
            "abilities": ["comment", "upload"], "days": 365,
        })),
        "",
    )
    .await?;
    let token = invited
        .link
        .rsplit('/')
        .next()
        .context("een uitnodiging zonder link")?;
    let password = generate_password();
    koers_app::guests::accept_with_new_account(
        ws,
        Default::default(),
        token,
        input(serde_json::json!({"displayName": name, "password": password})),
        None,
    )
    .await?;
    Ok(format!("{email}\t{password}\tgast"))
}

/// Runs `work` to its end on a thread of its own with a main thread's stack (8 MiB) and a
/// runtime of its own: the demo is seeded as the CLI seeds it, on `main`, also by a caller on
/// a smaller stack (a test's thread has 2 MiB, and importing and planning the demo's
/// boundaries and analyses in a debug build comes close to that).
pub fn on_main_stack<T: Send + 'static, F: Future<Output = T>>(
    work: impl FnOnce() -> F + Send + 'static,
) -> T {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
                .block_on(work())
        })
        .expect("a thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Seeds the demo workspace when the data folder is empty; otherwise says where the
/// accounts were written.
pub async fn seed_if_empty(ws: &Workspace, movements: &MovementArgs) -> Result<()> {
    if ws.store.organisations().organisations().await?.is_empty() {
        return seed(ws, movements).await;
    }
    let path = ws.data_dir().join(ACCOUNTS_FILE);
    if path.exists() {
        println!(
            "Demowerkruimte staat al klaar; de accounts staan in {}.",
            path.display()
        );
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("kan {} niet schrijven", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use koers_app::guests::SharedObject;

    /// The demo's guests work on the question their work is about: the grid operator's partner
    /// and the student whose project reads the goods traffic over the roads both land on the
    /// roads question, not on whichever question happens to be newest; what it delivered is a
    /// dashboard, read by its name.
    #[test]
    fn the_demo_guests_work_on_the_roads_question() {
        on_main_stack(the_demo_guests_work_on_the_roads_question_async);
    }

    async fn the_demo_guests_work_on_the_roads_question_async() {
        let dir = tempfile::tempdir().unwrap();
        let store = koers_store::Store::open_in(dir.path()).await.unwrap();
        let ws = Workspace::new(store, koers_app::WorkspaceConfig::in_folder(dir.path())).unwrap();
        let rows = MovementArgs {
            movements_rows: 500,
            movements: None,
        };
        seed(&ws, &rows).await.unwrap();
        let orgs = ws.store.organisations().organisations().await.unwrap();
        let utrecht = orgs
            .iter()
            .find(|o| o.cbs_code.as_deref() == Some("PV26"))
            .unwrap();
        for email in ["partner@netbeheerder-oost.example", "student@uu.example"] {
            let (user, _) = ws
                .store
                .users()
                .user_for_login(email)
                .await
                .unwrap()
                .unwrap();
            let who = principal(&ws, utrecht, &user).await.unwrap();
            let shared = koers_app::guests::shared_with_me(&ws, &who).await.unwrap();
            assert_eq!(shared.len(), 1, "{email}");
            let (_, object) = koers_app::guests::open(&ws, &who, &shared[0].grant.id)
                .await
                .unwrap();
            let question = match object {
                SharedObject::Question(g) => *g,
                SharedObject::Project(p) => p.question,
                SharedObject::Report(_) => panic!("{email} is a guest on a report"),
            };
            assert_eq!(
                question.question.question,
                crate::questions::ROADS,
                "{email}"
            );
            // What it delivered is a dashboard, named as such.
            let product = question.links.iter().find(|l| l.kind == "product").unwrap();
            assert_eq!(product.label, "Wegen aan vervanging toe", "{email}");
            assert!(product.target.starts_with("/dashboards/"), "{email}");
        }
        // The monitor a make-track project delivered follows an indicator with a value.
        let indicators = ws.store.indicators();
        let monitors = indicators.monitors(&utrecht.id).await.unwrap();
        let delivered = monitors
            .iter()
            .find(|m| m.name == "Tijdmachine zwemwater")
            .unwrap();
        let [id] = delivered.indicator_ids.as_slice() else {
            panic!("{:?}", delivered.indicator_ids)
        };
        let indicator = indicators.indicator(&utrecht.id, id).await.unwrap();
        let result = indicators
            .latest_indicator_result(&indicator)
            .await
            .unwrap();
        assert_eq!(result.map(|r| r.points.len()), Some(5), "2021 to 2025");
    }
}
