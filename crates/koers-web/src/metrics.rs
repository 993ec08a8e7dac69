//! Request metrics: counts and durations per route and status class, observed by the
//! [`track`] middleware and written in the Prometheus text format for `/metrics`
//! ([`crate::health`]). A bottom module: it knows nothing of the application state.

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the request-duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counts and durations per route and status class.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = map
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition of everything observed.
    pub fn render(&self) -> String {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        family(&mut out, "koers_build_info", "gauge", "Version of koers.");
        out.push_str(&format!(
            "koers_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        ));
        family(
            &mut out,
            "koers_http_requests_total",
            "counter",
            "HTTP requests handled.",
        );
        for ((m, r, st), s) in map.iter() {
            out.push_str(&format!(
                "koers_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}\n",
                s.count
            ));
        }
        family(
            &mut out,
            "koers_http_request_duration_seconds",
            "histogram",
            "Time to handle a request.",
        );
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{r}\",status=\"{st}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                out.push_str(&format!(
                    "koers_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}\n",
                    s.buckets[i]
                ));
            }
            out.push_str(&format!(
                "koers_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n",
                s.count
            ));
            out.push_str(&format!(
                "koers_http_request_duration_seconds_sum{{{labels}}} {}\nkoers_http_request_duration_seconds_count{{{labels}}} {}\n",
                s.sum, s.count
            ));
        }
        out
    }
}

/// The head of a metric family in the text exposition: its help and its type.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
}

/// A gauge without labels, with its head.
pub fn gauge(out: &mut String, name: &str, help: &str, value: usize) {
    family(out, name, "gauge", help);
    out.push_str(&format!("{name} {value}\n"));
}

/// The method as a label: one of the standard methods, anything else `other`, so that
/// made-up methods cannot add series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

/// Middleware: observes every request under its method (see [`method_label`]) and route
/// template, never the raw path (all paths no route matched share `unmatched`), so neither
/// ids nor made-up requests add series.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let start = Instant::now();
    let resp = next.run(req).await;
    metrics.observe(
        method,
        &route,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}
