//! Evidence snapshots: what a board saw, frozen. A snapshot's content (the monitor or
//! indicator, its results, the SQL and the dataset versions it ran on) is written once in a
//! canonical JSON form; those bytes are hashed, stored and served as they are, so that anyone
//! can check years later, with `sha256sum`, that they are unchanged. The bytes are never
//! written again from a parsed value: a number read back from text need not print as the
//! same text, so a hash over re-serialised content would not hold.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The content in canonical JSON: object keys sorted at every level, no spaces, numbers and
/// strings as serde_json writes them.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(item) = map.get(*k) {
                    write(item, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The SHA-256 of the canonical content, as `sha256:` and hex.
pub fn content_hash(v: &Value) -> String {
    text_hash(&canonical(v))
}

/// The SHA-256 of exactly these bytes, as `sha256:` and hex.
pub fn text_hash(text: &str) -> String {
    format!("sha256:{}", hex(&Sha256::digest(text.as_bytes())))
}

/// Content frozen for good: its canonical text, written once, and the hash of that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frozen {
    pub text: String,
    pub hash: String,
}

impl Frozen {
    /// Writes the content in canonical form once and hashes those bytes.
    pub fn of(content: &Value) -> Frozen {
        let text = canonical(content);
        let hash = text_hash(&text);
        Frozen { text, hash }
    }
}

/// Whether stored bytes still have the hash they were frozen with.
pub fn verify(text: &str, hash: &str) -> bool {
    text_hash(text) == hash
}

/// Bytes as lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [1, 2.5, "x"], "x": null}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a": {"x": null, "y": [1, 2.5, "x"]}, "b": 1}"#).unwrap();
        assert_eq!(canonical(&a), r#"{"a":{"x":null,"y":[1,2.5,"x"]},"b":1}"#);
        assert_eq!(content_hash(&a), content_hash(&b));
    }

    /// Numbers that do not survive a careless text round trip, and text beyond ASCII.
    fn awkward() -> Value {
        json!({
            "sum": 11281.099999999999_f64,
            "tenth": 0.1_f64 + 0.2_f64,
            "huge": 1.7976931348623157e308_f64,
            "tiny": 5e-324_f64,
            "small": 1.0e-7_f64,
            "negZero": -0.0_f64,
            "maxU64": u64::MAX,
            "minI64": i64::MIN,
            "names": ["Súdwest-Fryslân", "’s-Hertogenbosch", "Zürich 🚲", "line\u{2028}sep", "tab\tquote\""],
        })
    }

    #[test]
    fn frozen_bytes_verify_and_read_back_to_the_same_content() {
        let content = awkward();
        let frozen = Frozen::of(&content);
        assert!(verify(&frozen.text, &frozen.hash));
        assert_eq!(frozen.hash, content_hash(&content));
        // Stored bytes read back parse to exactly the same values (no float drifts by a
        // unit in the last place), and writing them again gives the same bytes.
        let back: Value = serde_json::from_str(&frozen.text).unwrap();
        assert_eq!(back, content);
        assert_eq!(canonical(&back), frozen.text);
        assert!(
            frozen.text.contains("11281.099999999999"),
            "{}",
            frozen.text
        );
        assert!(frozen.text.contains("Súdwest-Fryslân"), "{}", frozen.text);
    }

    #[test]
    fn changed_bytes_do_not_verify() {
        let frozen = Frozen::of(&awkward());
        let changed = frozen.text.replace("11281.099999999999", "11281.1");
        assert_ne!(changed, frozen.text);
        assert!(!verify(&changed, &frozen.hash));
        assert!(!verify(&format!("{} ", frozen.text), &frozen.hash));
        assert!(!verify(&frozen.text, "sha256:00"));
    }

    #[test]
    fn any_change_changes_the_hash() {
        let a = json!({"value": 12.5, "period": "2026"});
        let b = json!({"value": 12.6, "period": "2026"});
        assert_ne!(content_hash(&a), content_hash(&b));
        assert!(content_hash(&a).starts_with("sha256:"));
        assert_eq!(content_hash(&a).len(), "sha256:".len() + 64);
        // A known value: the hash of the empty object.
        assert_eq!(
            content_hash(&json!({})),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }
}
