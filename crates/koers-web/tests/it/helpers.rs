//! A koers per test: temporary store, two organisations, users, a random port.
//!
//! The store is SQLite in the test's folder, or a fresh PostgreSQL database (see
//! `koers_store::testing`) inside [`on_postgres`], and for every test when
//! `KOERS_TEST_STORE=postgres` is set.

use koers_core::secret::hash_password;
use koers_core::{Role, UserDraft};
use koers_store::testing::{TestDatabase, organisation};
use koers_store::{Actor, Organisation, Store, User};
use koers_web::{AppState, WebConfig};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// What [`TestApp::import_path`] sets beyond the file and the name; nothing by default.
#[derive(Default)]
pub struct ImportOptions {
    /// The coordinate system of the file, when it does not say.
    pub crs: Option<&'static str>,
    /// The catalog entry.
    pub meta: Option<koers_core::catalog::DatasetMeta>,
    /// Whether the dataset is marked as generated.
    pub generated: bool,
    /// Whether the file's rows are appended to the latest version.
    pub append: bool,
}

pub const PASSWORD: &str = "correct horse battery staple";

thread_local! {
    /// Whether the test on this thread starts its koers on PostgreSQL.
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `test` (a `#[tokio::test]` function: it starts its runtime on this thread) with every
/// [`TestApp`] it spawns on a fresh PostgreSQL database. Without a PostgreSQL server for tests
/// it is skipped with a note, or fails in CI (see `koers_store::testing::postgres_url`).
pub fn on_postgres(test: fn()) {
    if koers_store::testing::postgres_url().is_none() {
        return;
    }
    ON_POSTGRES.with(|p| p.set(true));
    test();
    ON_POSTGRES.with(|p| p.set(false));
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub ws: koers_app::Workspace,
    /// The running application's state (to drive background work such as the scheduler).
    pub state: AppState,
    pub org_a: Organisation,
    pub org_b: Organisation,
    /// Administrator of A (and deployment administrator).
    pub admin_a: User,
    pub viewer_a: User,
    /// The data folder (and SQLite database); shared with siblings.
    dir: Arc<tempfile::TempDir>,
    /// The PostgreSQL database, when the store is there; shared with siblings.
    db: Option<Arc<TestDatabase>>,
}

/// A user with `roles` in `org`, signing in with [`PASSWORD`].
pub(crate) async fn user(
    store: &Store,
    email: &str,
    org: &Organisation,
    roles: &[Role],
    instance_admin: bool,
) -> User {
    let hash = hash_password(PASSWORD).expect("hash");
    let d =
        UserDraft::parse(email, email.split('@').next().unwrap_or("x"), PASSWORD).expect("draft");
    store
        .users()
        .create_user(&d, &hash, instance_admin, &org.id, roles, &Actor::cli())
        .await
        .expect("user")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(WebConfig::default()).await
    }

    pub async fn spawn_with(cfg: WebConfig) -> TestApp {
        Self::spawn_full(cfg, None).await
    }

    /// A koers that refuses sign-in from an address after `failures` failed attempts.
    pub async fn spawn_with_login_limit(failures: u32) -> TestApp {
        Self::spawn_with(WebConfig {
            login_max_failures: failures,
            ..WebConfig::default()
        })
        .await
    }

    /// A koers that refuses attachments over `bytes`.
    pub async fn spawn_with_attachment_limit(bytes: u64) -> TestApp {
        Self::spawn_with(WebConfig {
            max_attachment_bytes: bytes,
            ..WebConfig::default()
        })
        .await
    }

    /// A koers that sends e-mail through `mailer`.
    pub async fn spawn_full(cfg: WebConfig, mailer: Option<koers_app::mail::Mailer>) -> TestApp {
        if ON_POSTGRES.with(|p| p.get())
            || std::env::var("KOERS_TEST_STORE").as_deref() == Ok("postgres")
        {
            let db = TestDatabase::create()
                .await
                .expect("KOERS_TEST_STORE=postgres needs KOERS_TEST_POSTGRES_URL");
            return Self::seeded(cfg, mailer, Some(db), None).await;
        }
        Self::seeded(cfg, mailer, None, None).await
    }

    /// A koers (on SQLite) that keeps dataset versions on `storage`.
    pub async fn spawn_with_storage(storage: koers_app::storage::ObjectStorage) -> TestApp {
        Self::seeded(WebConfig::default(), None, None, Some(storage)).await
    }

    /// A second koers process beside this one: its own connections, state and port, on the
    /// same database and data folder (as several processes behind a load balancer).
    pub async fn spawn_sibling(&self) -> TestApp {
        let store = match &self.db {
            Some(db) => Store::connect(&db.url).await.expect("store"),
            None => Store::open_in(self.dir.path()).await.expect("store"),
        };
        let (base, ws, state) = Self::serve(
            store.clone(),
            self.dir.path(),
            WebConfig::default(),
            None,
            self.ws.storage().cloned(),
        )
        .await;
        TestApp {
            base,
            store,
            ws,
            state,
            org_a: self.org_a.clone(),
            org_b: self.org_b.clone(),
            admin_a: self.admin_a.clone(),
            viewer_a: self.viewer_a.clone(),
            dir: self.dir.clone(),
            db: self.db.clone(),
        }
    }

    /// A koers on a new store (in `db`, or SQLite in its folder) with the two organisations.
    async fn seeded(
        cfg: WebConfig,
        mailer: Option<koers_app::mail::Mailer>,
        db: Option<TestDatabase>,
        storage: Option<koers_app::storage::ObjectStorage>,
    ) -> TestApp {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("koers_web=debug")
            .try_init();
        let dir = tempfile::tempdir().expect("tempdir");
        let store = match &db {
            Some(db) => Store::connect(&db.url).await.expect("store"),
            None => Store::open_in(dir.path()).await.expect("store"),
        };
        let org_a = organisation(&store, "Provincie Utrecht", "province", "PV26").await;
        let org_b = organisation(
            &store,
            "Gemeente 's-Hertogenbosch",
            "municipality",
            "GM0796",
        )
        .await;
        let admin_a = user(
            &store,
            "admin@pv26.example",
            &org_a,
            &[Role::Administrator],
            true,
        )
        .await;
        let viewer_a = user(
            &store,
            "viewer@pv26.example",
            &org_a,
            &[Role::Viewer],
            false,
        )
        .await;
        user(
            &store,
            "admin@gm0796.example",
            &org_b,
            &[Role::Administrator],
            false,
        )
        .await;
        let (base, ws, state) = Self::serve(store.clone(), dir.path(), cfg, mailer, storage).await;
        TestApp {
            base,
            store,
            ws,
            state,
            org_a,
            org_b,
            admin_a,
            viewer_a,
            dir: Arc::new(dir),
            db: db.map(Arc::new),
        }
    }

    /// Starts koers on `store` and a random loopback port.
    async fn serve(
        store: Store,
        data_dir: &std::path::Path,
        cfg: WebConfig,
        mailer: Option<koers_app::mail::Mailer>,
        storage: Option<koers_app::storage::ObjectStorage>,
    ) -> (String, koers_app::Workspace, AppState) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let ws = koers_app::Workspace::new(
            store.clone(),
            koers_app::WorkspaceConfig {
                data_dir: data_dir.to_path_buf(),
                engine: koers_engine::EngineConfig {
                    time_limit: std::time::Duration::from_secs(3),
                    ..Default::default()
                },
                // `localhost` may be fetched (the sources tests' fixture services);
                // `127.0.0.1` stays refused as an internal address.
                fetch: koers_app::fetch::FetchPolicy {
                    max_bytes: 10 * 1024 * 1024,
                    allow_hosts: vec!["localhost".into()],
                },
                mailer,
                storage,
            },
        )
        .expect("workspace");
        let state = AppState::new(ws.clone(), cfg);
        let served = state.clone();
        tokio::spawn(async move {
            let _ = koers_web::serve(listener, served).await;
        });
        (base, ws, state)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl TestApp {
    /// The folder in the data folder that holds the version files of `org`'s dataset `name`.
    pub fn dataset_folder(&self, org: &Organisation, name: &str) -> PathBuf {
        self.ws.data_dir().join("datasets").join(&org.id).join(name)
    }

    /// Imports `content`, a file of type `ext` (`csv`, `geojson`), as (a new version of)
    /// `org`'s dataset `name` through the workspace.
    pub async fn import(
        &self,
        org: &Organisation,
        name: &str,
        ext: &str,
        content: &str,
    ) -> koers_store::Dataset {
        let tmp = self.ws.temp_path(ext).expect("temp path");
        std::fs::write(&tmp, content).expect("write");
        let (dataset, _) = self
            .import_path(org, tmp.clone(), name, ImportOptions::default())
            .await
            .expect("import");
        std::fs::remove_file(tmp).expect("remove");
        dataset
    }

    /// Imports the file at `path` as dataset `name` of `org` through the workspace, as the
    /// command line does, with what `options` sets.
    pub async fn import_path(
        &self,
        org: &Organisation,
        path: PathBuf,
        name: &str,
        options: ImportOptions,
    ) -> Result<(koers_store::Dataset, koers_store::DatasetVersion), koers_app::Error> {
        let req = koers_app::catalog::ImportRequest {
            source: koers_app::catalog::ImportSource::Path(path),
            name: Some(name.into()),
            crs: options.crs.map(Into::into),
            format: None,
            layer: None,
            meta: options.meta,
            generated: options.generated,
            column_types: Default::default(),
            append: options.append,
        };
        self.ws
            .import(org, &Actor::cli(), req, Arc::new(koers_engine::NoProgress))
            .await
    }

    /// The datasets of organisation `org_id`, from the store.
    pub async fn datasets_of(&self, org_id: &str) -> Vec<koers_store::Dataset> {
        self.store.catalog().datasets(org_id).await.unwrap()
    }

    /// Dataset `id` of organisation A, from the store.
    pub async fn dataset(&self, id: &str) -> koers_store::Dataset {
        self.store
            .catalog()
            .dataset(&self.org_a.id, id)
            .await
            .unwrap()
    }

    /// Sets the access rights of dataset `name` of organisation `org_id`, as the command
    /// line does.
    pub async fn set_access(
        &self,
        org_id: &str,
        name: &str,
        access: koers_core::catalog::AccessRights,
    ) {
        let ds = self
            .datasets_of(org_id)
            .await
            .into_iter()
            .find(|d| d.name == name)
            .unwrap();
        self.set_dataset_access(org_id, &ds.id, access).await;
    }

    /// Sets the access rights of dataset `id` of organisation `org_id`, as the command line
    /// does.
    pub async fn set_dataset_access(
        &self,
        org_id: &str,
        id: &str,
        access: koers_core::catalog::AccessRights,
    ) {
        let ds = self.store.catalog().dataset(org_id, id).await.unwrap();
        let meta = koers_core::catalog::DatasetMeta {
            access_rights: access,
            ..ds.meta
        };
        self.store
            .catalog()
            .update_dataset_meta(org_id, id, &meta, &Actor::cli())
            .await
            .unwrap();
    }

    /// The analyses of organisation A, from the store.
    pub async fn analyses(&self) -> Vec<koers_store::Analysis> {
        self.store.catalog().analyses(&self.org_a.id).await.unwrap()
    }

    /// A new dashboard of organisation A without widgets or filters ("Leeg"), made through
    /// the API by its administrator; its id.
    pub async fn empty_dashboard(&self) -> String {
        let d = self
            .as_admin()
            .await
            .create(
                "/api/v1/dashboards",
                &serde_json::json!({"name": "Leeg", "description": "", "definition": {"widgets": []}}),
            )
            .await;
        d["id"].as_str().expect("an id").to_string()
    }

    /// Dashboard `id` of organisation A, from the store.
    pub async fn dashboard(&self, id: &str) -> koers_store::dashboards::Dashboard {
        self.store
            .dashboards()
            .dashboard(&self.org_a.id, id)
            .await
            .unwrap()
    }

    /// The latest result of indicator `id` of organisation A (none before its first
    /// refresh), from the store.
    pub async fn latest_result(
        &self,
        id: &str,
    ) -> Option<koers_store::indicators::IndicatorResult> {
        let indicator = self
            .store
            .indicators()
            .indicator(&self.org_a.id, id)
            .await
            .unwrap();
        self.store
            .indicators()
            .latest_indicator_result(&indicator)
            .await
            .unwrap()
    }

    /// Maturity round `id` of organisation A, from the store.
    pub async fn round(&self, id: &str) -> koers_store::maturity::Round {
        self.store
            .maturity()
            .round(&self.org_a.id, id)
            .await
            .unwrap()
    }

    /// The `limit` latest notifications of user `user_id` in organisation A, from the store.
    pub async fn notifications_of(
        &self,
        user_id: &str,
        limit: i64,
    ) -> Vec<koers_store::notifications::Notification> {
        self.store
            .notifications()
            .notifications(user_id, &self.org_a.id, limit)
            .await
            .unwrap()
    }

    /// The `limit` latest entries of organisation A's audit log, from the store.
    pub async fn audit_log(&self, limit: i64) -> Vec<koers_store::AuditEvent> {
        self.store
            .audit()
            .audit_events(&self.org_a.id, limit, None)
            .await
            .unwrap()
    }

    /// Adds `email` to organisation A with `role` (not a deployment administrator), in the
    /// store; the user.
    pub async fn add_user(&self, email: &str, role: Role) -> User {
        user(&self.store, email, &self.org_a, &[role], false).await
    }

    /// The user with the address `email`, from the store.
    pub async fn user_by_email(&self, email: &str) -> Option<User> {
        self.store
            .users()
            .user_for_login(email)
            .await
            .unwrap()
            .map(|(user, _)| user)
    }

    /// The roles of user `user_id` in organisation `org_id`, from the store.
    pub async fn roles_of(&self, user_id: &str, org_id: &str) -> Vec<Role> {
        self.store.users().roles_in(user_id, org_id).await.unwrap()
    }

    /// How many members organisation A has, from the store.
    pub async fn member_count(&self) -> usize {
        self.store
            .users()
            .members(&self.org_a.id)
            .await
            .unwrap()
            .len()
    }

    /// `GET /api/v1/sessions/current` with the session id `session` as its only cookie, from
    /// a client that keeps no cookies of its own.
    pub async fn current_session_with(&self, session: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(self.url("/api/v1/sessions/current"))
            .header("cookie", format!("koers_session={session}"))
            .send()
            .await
            .unwrap()
    }

    /// Asserts that nobody outside organisation A reads `path`: B's administrator finds
    /// nothing there (404), and without a session it asks for one (401).
    pub async fn assert_only_a_reads(&self, path: &str) {
        let b = self.api_as("admin@gm0796.example").await;
        b.get(path).await.assert_status(404);
        self.anonymous().get(path).await.assert_status(401);
    }

    /// The API's OpenAPI document, fetched without a session.
    pub async fn openapi(&self) -> serde_json::Value {
        plain_get_json(self.url("/api/v1/openapi.json")).await
    }

    /// Saves an analysis of `org_id` in the store, with `params` as (name, kind, default);
    /// its id.
    pub async fn save_analysis(
        &self,
        org_id: &str,
        title: &str,
        sql: &str,
        params: &[(&str, &str, &str)],
    ) -> String {
        let fields = koers_store::catalog::AnalysisFields {
            title: title.into(),
            description: String::new(),
            sql: sql.into(),
            parameters: params
                .iter()
                .map(|(n, k, d)| koers_core::analysis::Param {
                    name: (*n).into(),
                    kind: koers_core::analysis::ParamKind::parse(k).unwrap(),
                    default: (*d).into(),
                })
                .collect(),
            ..Default::default()
        };
        self.store
            .catalog()
            .create_analysis(org_id, &fields, &Actor::cli())
            .await
            .expect("analysis")
            .id
    }

    /// A personal API token of `user` in `org_id` with `scope` (`read` or `read_write`),
    /// valid for 30 days, made in the store.
    pub async fn token_for(&self, user: &User, org_id: &str, scope: &str) -> String {
        let today = chrono::Utc::now().date_naive();
        let expires = (today + chrono::Days::new(30)).to_string();
        let draft =
            koers_core::tokens::TokenDraft::parse("Test", scope, &expires, today).expect("draft");
        self.store
            .tokens()
            .create_api_token(
                &user.id,
                org_id,
                &draft,
                &Actor::user(&user.id, &user.email),
                "127.0.0.1",
            )
            .await
            .expect("token")
            .0
    }
}

/// The value of the first `csrf_token` hidden field in a page.
/// The JSON at `url`, fetched without a session or cookies (whatever the status).
pub async fn plain_get_json(url: impl reqwest::IntoUrl) -> serde_json::Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// The text at `url`, fetched without a session or cookies (whatever the status).
pub async fn plain_get_text(url: impl reqwest::IntoUrl) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Sends a request built by hand (a planted cookie, an odd header) and reads the body as
/// text, whatever the status.
pub(crate) trait SendText {
    async fn send_text(self) -> String;
}

impl SendText for reqwest::RequestBuilder {
    async fn send_text(self) -> String {
        self.send().await.unwrap().text().await.unwrap()
    }
}

/// The session id of the session cookie set in `headers`.
pub fn session_id(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("koers_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_string()
}

pub fn hidden_csrf(html: &str) -> String {
    hidden(html, "csrf_token")
}

/// The value of the first hidden field `name` on a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("hidden field {name}"));
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The items of the JSON array `list`; panics, showing `list`, when it is not an array.
#[track_caller]
pub fn items(list: &Value) -> &[Value] {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
}

/// The text field `key` of every item of the JSON array `list`, in order.
#[track_caller]
pub fn field_of_each<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    items(list)
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no text {key} in {item}"))
        })
        .collect()
}

/// The first item of the JSON array `list` whose field `key` is `value`.
#[track_caller]
pub fn find_by<'a, V>(list: &'a Value, key: &str, value: V) -> &'a Value
where
    Value: PartialEq<V>,
    V: std::fmt::Debug,
{
    items(list)
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no item with {key} = {value:?} in {list}"))
}

/// The names of the fields a problem+json answer lists as invalid, in order.
pub fn invalid_names(problem: &Value) -> Vec<String> {
    field_of_each(&problem["invalidParams"], "name")
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Asserts that `problem` lists each of `names` among its invalid parameters.
pub fn assert_invalid(problem: &serde_json::Value, names: &[&str]) {
    let listed = invalid_names(problem);
    for n in names {
        assert!(listed.iter().any(|l| l == n), "{n} missing in {problem}");
    }
}

/// The repository root (for node_modules and shipped reference files).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A request with the method an OpenAPI operation names.
pub fn request(c: &reqwest::Client, method: &str, url: &str) -> reqwest::RequestBuilder {
    match method {
        "get" => c.get(url),
        "post" => c.post(url),
        "put" => c.put(url),
        "patch" => c.patch(url),
        "delete" => c.delete(url),
        other => panic!("undocumented method {other}"),
    }
}

/// The main pages of every module, as a signed-in administrator reaches them: the pages
/// that are checked for width on a phone and for words in the other language.
pub const MAIN_PAGES: &[&str] = &[
    "/",
    "/bronnen",
    "/bronnen/nieuw",
    "/analyses",
    "/analyses/bouwer",
    "/informatieproducten",
    "/dashboards",
    "/datavragen",
    "/datavragen?weergave=lijst",
    "/datavragen/opgaven",
    "/datavragen/rollen",
    "/datavragen/nieuw",
    "/toepassingen",
    "/toepassingen/bestuursagenda",
    "/toepassingen/keuzekader",
    "/volwassenheid",
    "/volwassenheid/kader",
    "/leertrajecten",
    "/organisatie",
    "/organisatie/logboek",
    "/meldingen",
    "/account",
];

/// The text of HTML or XML: what stands outside its tags, each tag read as a space.
pub fn text_of_markup(markup: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in markup.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// An upload of two municipalities and their inhabitants as the dataset `inwoners`
/// (multipart, as a browser or script sends it to `POST /api/v1/datasets`).
pub fn inwoners_upload() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"gm,naam,inwoners\nGM0344,Utrecht,367984\nGM0345,Veenendaal,68000\n".to_vec(),
            )
            .file_name("gemeenten.csv"),
        )
        .text("name", "inwoners")
}
