//! One HTTP client for the tests: a [`Session`] is someone talking to a test koers (signed
//! in through the API or the sign-in page, with an API token, or anonymous), and sends what
//! that someone's browser or script sends: the session cookie, the CSRF token on every
//! change (as the `X-CSRF-Token` header with JSON, the `csrf_token` field in a form) or the
//! bearer token. Every answer is read whole into a [`Resp`], so a failing assertion prints
//! the request, the status and the body.
//!
//! Tests that craft odd requests (no CSRF token, a wrong content type, hostile headers) take
//! the raw client with [`Session::client`] and build the request themselves.

use crate::helpers::{PASSWORD, TestApp, hidden_csrf};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde_json::Value;

/// Someone talking to a test koers.
#[derive(Clone)]
pub struct Session {
    client: reqwest::Client,
    base: String,
    /// The session's CSRF token (none when anonymous or with an API token).
    csrf: Option<String>,
    /// A personal API token sent as `Authorization: Bearer`.
    token: Option<String>,
}

impl TestApp {
    /// The administrator of A (and of the deployment), signed in through the API.
    pub async fn as_admin(&self) -> Session {
        self.api_as("admin@pv26.example").await
    }

    /// The viewer of A, signed in through the API.
    pub async fn as_viewer(&self) -> Session {
        self.api_as("viewer@pv26.example").await
    }

    /// `email` signed in through the API (`POST /api/v1/sessions`).
    pub async fn api_as(&self, email: &str) -> Session {
        Session::sign_in(&self.base, email).await
    }

    /// `email` signed in through the sign-in page, as a browser does.
    pub async fn page_as(&self, email: &str) -> Session {
        let mut s = self.anonymous();
        let token = hidden_csrf(&s.page("/login").await);
        let r = s
            .client
            .post(s.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 303, "page login of {email}");
        // A guest's home is what is shared with them.
        let home = s.get("/").await;
        let html = match home.status().as_u16() {
            303 => s.page(home.header("location")).await,
            _ => home.text(),
        };
        s.csrf = Some(hidden_csrf(&html));
        s
    }

    /// Nobody signed in: a browser that keeps cookies and does not follow redirects.
    pub fn anonymous(&self) -> Session {
        Session::new(&self.base)
    }

    /// A script with the personal API token `token`: no cookies, no CSRF token.
    pub fn with_token(&self, token: &str) -> Session {
        Session {
            client: reqwest::Client::new(),
            base: self.base.clone(),
            csrf: None,
            token: Some(token.to_string()),
        }
    }
}

impl Session {
    /// Nobody signed in to the koers at `base` (a browser that keeps cookies and does not
    /// follow redirects).
    pub fn new(base: &str) -> Session {
        Session {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            csrf: None,
            token: None,
        }
    }

    /// `email` signed in through the API of the koers at `base`.
    pub async fn sign_in(base: &str, email: &str) -> Session {
        let mut s = Session::new(base);
        let r = s.try_sign_in(email, PASSWORD).await.expect(201);
        s.csrf = Some(r.json()["csrfToken"].as_str().expect("csrf").to_string());
        s
    }

    /// Tries to sign in as `email` with `password` through the API (`POST /api/v1/sessions`),
    /// whatever the answer; this session keeps the cookie it may get, but no CSRF token.
    pub async fn try_sign_in(&self, email: &str, password: &str) -> Resp {
        self.post_json(
            "/api/v1/sessions",
            &serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Takes `token` as the session's CSRF token (from a session made by an answer).
    pub fn set_csrf(&mut self, token: &str) {
        self.csrf = Some(token.to_string());
    }

    /// The raw client (with this session's cookies), for requests a test crafts itself.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The session's CSRF token.
    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().expect("a signed-in session")
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with this session's credentials: the bearer token, or on a change the CSRF
    /// header (when `csrf_header`) of the signed-in session.
    fn request(&self, method: Method, path: &str, csrf_header: bool) -> RequestBuilder {
        let mut rb = self.client.request(method.clone(), self.url(path));
        if let Some(token) = &self.token {
            rb = rb.bearer_auth(token);
        }
        if csrf_header
            && method != Method::GET
            && let Some(csrf) = &self.csrf
        {
            rb = rb.header("x-csrf-token", csrf);
        }
        rb
    }

    /// Sends `rb` (a request the test built on [`Session::client`]) and reads the answer.
    pub async fn send(&self, rb: RequestBuilder) -> Resp {
        let req = rb.build().expect("request");
        let what = format!("{} {}", req.method(), req.url().path());
        Resp::read(what, self.client.execute(req).await.expect("send")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.request(Method::GET, path, false)).await
    }

    /// The answer at `path`, which must be 200 OK.
    pub async fn get_ok(&self, path: &str) -> Resp {
        self.get(path).await.expect(200)
    }

    /// The JSON at `path` (whatever the status).
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json()
    }

    /// The text (a page's HTML) at `path` (whatever the status).
    pub async fn page(&self, path: &str) -> String {
        self.get(path).await.text()
    }

    /// Opens the page at `path` and keeps the CSRF token of its form for the next
    /// [`Session::post_form`], as a browser fills in the form it shows (before sign-in, the
    /// token that goes with the CSRF cookie). Returns the page.
    pub async fn open_form(&mut self, path: &str) -> String {
        let html = self.page(path).await;
        self.csrf = Some(hidden_csrf(&html));
        html
    }

    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> Resp {
        self.send(self.request(Method::POST, path, true).json(body))
            .await
    }

    /// Creates something through the API: posts `body` as JSON to `path`, which must answer
    /// 201 Created; the JSON answer (what was created).
    pub async fn create(&self, path: &str, body: &impl Serialize) -> Value {
        self.post_json(path, body).await.expect(201).json()
    }

    /// Asks a data question: makes a policy task (`task`), then the question (`question`,
    /// without its `taskId`) under it; the question as created.
    pub async fn ask_question(&self, task: Value, question: Value) -> Value {
        let task = self.create("/api/v1/policy-tasks", &task).await;
        let mut body = serde_json::json!({"taskId": task["id"]});
        if let (Some(body), Some(fields)) = (body.as_object_mut(), question.as_object()) {
            body.extend(fields.clone());
        }
        self.create("/api/v1/data-questions", &body).await
    }

    /// A change without a body (an action such as a restore): only the CSRF header.
    pub async fn post(&self, path: &str) -> Resp {
        self.send(self.request(Method::POST, path, true)).await
    }

    /// Posts a CSV file as the body (`text/csv`), with the CSRF header.
    pub async fn post_csv(&self, path: &str, csv: &str) -> Resp {
        self.post_body(path, "text/csv", csv).await
    }

    /// Posts `body` as it is, declared as `content_type`, with the CSRF header: for bodies
    /// that are not what they claim to be.
    pub async fn post_body(&self, path: &str, content_type: &str, body: &str) -> Resp {
        let rb = self.request(Method::POST, path, true);
        self.send(
            rb.header("content-type", content_type)
                .body(body.to_string()),
        )
        .await
    }

    pub async fn put_json(&self, path: &str, body: &impl Serialize) -> Resp {
        self.send(self.request(Method::PUT, path, true).json(body))
            .await
    }

    pub async fn patch_json(&self, path: &str, body: &impl Serialize) -> Resp {
        self.send(self.request(Method::PATCH, path, true).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.request(Method::DELETE, path, true)).await
    }

    /// Posts a form as a page does: the session's CSRF token in the `csrf_token` field first.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form = Vec::with_capacity(fields.len() + 1);
        form.push(("csrf_token", self.csrf()));
        form.extend_from_slice(fields);
        self.send(self.request(Method::POST, path, false).form(&form))
            .await
    }

    /// Sends a form that goes through and leads back to its page, as a browser does: the
    /// answer must be 303 See Other (Post/Redirect/Get), and what comes back is the page it
    /// leads to, with the form's notice.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.follow(self.post_form(path, fields).await).await
    }

    /// The page a form's answer leads back to: the answer must be 303 See Other.
    pub async fn follow(&self, r: Resp) -> Resp {
        let r = r.expect(303);
        self.get(r.header("location")).await
    }

    /// Posts a multipart form as a script does: the CSRF header, like the JSON calls.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Resp {
        self.send(self.request(Method::POST, path, true).multipart(form))
            .await
    }

    /// Runs `sql` through the API, the result in `format` (JSON when `None`); the answer,
    /// whatever its status.
    pub async fn post_query(&self, sql: &str, format: Option<&str>) -> Resp {
        let path = match format {
            Some(f) => format!("/api/v1/queries?format={f}"),
            None => "/api/v1/queries".to_string(),
        };
        self.post_json(&path, &serde_json::json!({ "sql": sql }))
            .await
    }

    /// Runs `sql` through the API, which must answer 200 OK; the result.
    pub async fn query(&self, sql: &str) -> Value {
        self.post_query(sql, None).await.expect(200).json()
    }

    /// Runs the saved analysis `id` with `body` (`{}`, or its `params`), which must answer
    /// 200 OK; the result.
    pub async fn run_analysis(&self, id: &str, body: &Value) -> Value {
        self.post_json(&format!("/api/v1/analyses/{id}/runs"), body)
            .await
            .expect(200)
            .json()
    }

    /// Waits for a job of the API (`job`, as the request that started it answered) to end;
    /// its last state.
    pub async fn job_end(&self, job: &Value) -> Value {
        let url = format!("/api/v1/jobs/{}", job["id"].as_str().expect("a job id"));
        for _ in 0..400 {
            let state = self.get_json(&url).await;
            if state["state"] != "running" {
                return state;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("job {job} did not end");
    }

    /// Uploads a dataset through the API (multipart) and waits for its import job; the job's
    /// last state.
    pub async fn upload_job(&self, form: reqwest::multipart::Form) -> Value {
        let job = self
            .post_multipart("/api/v1/datasets", form)
            .await
            .expect(202)
            .json();
        self.job_end(&job).await
    }

    /// Uploads a multipart form with the session's CSRF token in the query string, which koers
    /// accepts beside the first field its pages send.
    pub async fn upload(&self, path: &str, form: reqwest::multipart::Form) -> Resp {
        let sep = if path.contains('?') { '&' } else { '?' };
        let path = format!("{path}{sep}csrf_token={}", self.csrf());
        self.send(self.request(Method::POST, &path, false).multipart(form))
            .await
    }
}

/// An answer, read whole.
pub struct Resp {
    /// The method and path asked, for failure messages.
    what: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    /// Reads the whole of `r`, the answer to `what` (method and path, for failure messages).
    pub async fn read(what: impl Into<String>, r: reqwest::Response) -> Resp {
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.bytes().await.expect("body").to_vec();
        Resp {
            what: what.into(),
            status,
            headers,
            body,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name`; panics when it is absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("{}: no header {name}", self.what))
            .to_str()
            .expect("header text")
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) {
        assert_eq!(
            self.status,
            status,
            "{} answered {}: {}",
            self.what,
            self.status,
            String::from_utf8_lossy(&self.body)
        );
    }

    /// Asserts the status and passes the answer on.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        self.assert_status(status);
        self
    }

    /// The answer has `status` and shows every one of `texts` (printing the body when it does
    /// not); where it is a page, no id stands twice, no field is described twice, no table is
    /// named twice, and each link of an error summary leads to a message on it.
    #[track_caller]
    pub fn assert_shows(&self, status: u16, texts: &[&str]) {
        self.assert_status(status);
        let body = self.text();
        for text in texts {
            assert!(
                body.contains(text),
                "{} shows no {text:?}: {body}",
                self.what
            );
        }
        // A field described twice keeps only its first description: its problem unread.
        let twice = body
            .split('<')
            .find(|t| t.matches("aria-describedby=").count() > 1);
        assert!(
            twice.is_none(),
            "{}: a field described twice: <{twice:?}",
            self.what
        );
        // A problem beside two forms' fields (the same name in both) is said twice, once in
        // the wrong form, under one id.
        let mut ids = std::collections::BTreeSet::new();
        for id in body
            .split(" id=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next())
        {
            assert!(ids.insert(id), "{}: the id {id} twice: {body}", self.what);
        }
        // A table right under a heading of the same words says its name twice on the screen:
        // its caption is then for assistive technology only (`caption_hidden`).
        for (at, _) in body.match_indices("<caption class=\"utrecht-table__caption\"") {
            let caption = body[at..]
                .split_once('>')
                .and_then(|(_, r)| r.split_once("</caption>"))
                .map(|(c, _)| c.trim())
                .unwrap_or_default();
            let heading = ["<h1 ", "<h2 ", "<h3 "]
                .iter()
                .filter_map(|h| body[..at].rfind(h))
                .max()
                .and_then(|h| body[h..at].split_once('>'))
                .and_then(|(_, r)| r.split_once("</h"))
                .map(|(h, _)| h.trim());
            assert_ne!(
                heading,
                Some(caption),
                "{}: the table {caption:?} is named twice, by its heading and its caption",
                self.what
            );
        }
        for summary in body.split("koers-error-summary").skip(1) {
            let summary = summary.split("</ul>").next().unwrap_or_default();
            for target in summary.split("href=\"#").skip(1) {
                let id = target.split('"').next().unwrap_or_default();
                assert!(
                    body.contains(&format!("id=\"{id}\"")),
                    "{}: the summary's link #{id} leads nowhere: {body}",
                    self.what
                );
            }
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON; panics with the status and the body when it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered {} without JSON ({e}): {}",
                self.what,
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `id` of the JSON body.
    #[track_caller]
    pub fn id(&self) -> String {
        self.json()["id"].as_str().expect("an id").to_string()
    }
}
