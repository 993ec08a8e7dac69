//! The shape of koers-web, checked: it speaks HTTP and HTML only (no store, hardly any
//! engine), and its modules import each other without a circle (`state.rs` at the bottom,
//! routes assembled at the top in `app.rs`). See ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every source file of the crate, with its text up to its unit tests and without comments.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let code = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (p.strip_prefix(&src).unwrap_or(&p).to_path_buf(), code)
        })
        .collect()
}

/// The top-level module a file belongs to (`learning/pages.rs` → `learning`).
fn module(path: &Path) -> String {
    let first = path.components().next().expect("a path");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

#[test]
fn the_web_layer_calls_no_store_and_hardly_the_engine() {
    let mut engine = Vec::new();
    for (path, code) in sources() {
        assert!(
            !code.contains("koers_store"),
            "{} names the store; call a koers_app use case instead",
            path.display()
        );
        assert!(
            !code.contains(".store."),
            "{} reaches into the store",
            path.display()
        );
        if code.contains("koers_engine") {
            engine.push(path.display().to_string());
        }
    }
    // Only the mapping of the engine's errors to HTTP statuses names the engine.
    assert!(engine.len() <= 1, "engine named in {engine:?}");
}

#[test]
fn no_import_circle_spans_more_than_one_module() {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in sources() {
        let from = module(&path);
        for (i, _) in code.match_indices("crate::") {
            let to: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !to.is_empty() && to != from {
                uses.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Every module that can reach itself through another one is in a circle.
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = uses.get(start).into_iter().flatten().cloned().collect();
        while let Some(m) = todo.pop() {
            if seen.insert(m.clone()) {
                todo.extend(uses.get(&m).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let circular: Vec<&String> = uses.keys().filter(|m| reach(m).contains(*m)).collect();
    assert!(
        circular.is_empty(),
        "modules in an import circle: {circular:?}"
    );
}
