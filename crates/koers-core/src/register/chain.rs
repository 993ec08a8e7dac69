//! A tamper-evident history: every entry carries the hash of its predecessor, so editing,
//! removing or reordering an entry breaks the chain.
//!
//! `hash = sha256(prev_hash || canonical payload)`, hex encoded. The payload is stored in its
//! canonical JSON form (object keys sorted, no insignificant whitespace), so the same value
//! always hashes the same. The first entry's `prev_hash` is [`GENESIS`].
//!
//! Removing the *last* entries cannot be detected from the entries alone; anchor the head hash
//! elsewhere (for example in the decision record itself) with [`verify_with_head`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One link in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainEntry {
    pub seq: u64,
    pub prev_hash: String,
    /// The payload in canonical JSON form.
    pub payload_json: String,
    pub hash: String,
}

/// Why the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The first entry does not start from [`GENESIS`].
    Genesis,
    /// The sequence numbers are not consecutive.
    Sequence,
    /// `prev_hash` is not the hash of the entry before.
    PrevHash,
    /// The stored hash does not match the payload (the payload was edited).
    Hash,
    /// The payload is not canonical JSON.
    Payload,
    /// The last hash is not the anchored head.
    Head,
}

impl BreakKind {
    pub const ALL: [BreakKind; 6] = [
        BreakKind::Genesis,
        BreakKind::Sequence,
        BreakKind::PrevHash,
        BreakKind::Hash,
        BreakKind::Payload,
        BreakKind::Head,
    ];
}

/// The first place where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("keten verbroken bij volgnummer {seq}: {reason}")]
pub struct Broken {
    pub seq: u64,
    pub kind: BreakKind,
    /// A Dutch explanation fit to show.
    pub reason: String,
}

/// Canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace (the same form
/// evidence snapshots are frozen in, [`crate::snapshot::canonical`]).
pub fn canonical_json(v: &Value) -> String {
    crate::snapshot::canonical(v)
}

/// sha256(prev_hash || payload_json), hex encoded.
pub fn entry_hash(prev_hash: &str, payload_json: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(payload_json.as_bytes());
    crate::snapshot::hex(&h.finalize())
}

/// Appends `payload` after `prev` (or starts a chain when `prev` is `None`).
pub fn link(prev: Option<&ChainEntry>, seq: u64, payload: &Value) -> ChainEntry {
    let prev_hash = prev.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone());
    let payload_json = canonical_json(payload);
    let hash = entry_hash(&prev_hash, &payload_json);
    ChainEntry {
        seq,
        prev_hash,
        payload_json,
        hash,
    }
}

/// Checks the whole chain from its first entry; reports the first break.
pub fn verify(entries: &[ChainEntry]) -> Result<(), Broken> {
    let mut prev: Option<&ChainEntry> = None;
    for e in entries {
        let broken = |kind, reason: &str| Broken {
            seq: e.seq,
            kind,
            reason: reason.to_string(),
        };
        match prev {
            None => {
                if e.prev_hash != GENESIS {
                    return Err(broken(
                        BreakKind::Genesis,
                        "de eerste vermelding begint niet bij het begin van de keten; er is een vermelding verwijderd",
                    ));
                }
            }
            Some(p) => {
                if p.seq.checked_add(1) != Some(e.seq) {
                    return Err(broken(
                        BreakKind::Sequence,
                        &format!(
                            "volgnummer {} volgt niet op {}; er is een vermelding verwijderd of verplaatst",
                            e.seq, p.seq
                        ),
                    ));
                }
                if e.prev_hash != p.hash {
                    return Err(broken(
                        BreakKind::PrevHash,
                        "de verwijzing naar de vorige vermelding klopt niet; de volgorde is gewijzigd of er is een vermelding verwijderd",
                    ));
                }
            }
        }
        if entry_hash(&e.prev_hash, &e.payload_json) != e.hash {
            return Err(broken(
                BreakKind::Hash,
                "de inhoud past niet bij de vastgelegde hash; de vermelding is gewijzigd",
            ));
        }
        let canonical = serde_json::from_str::<Value>(&e.payload_json)
            .ok()
            .map(|v| canonical_json(&v));
        if canonical.as_deref() != Some(e.payload_json.as_str()) {
            return Err(broken(
                BreakKind::Payload,
                "de inhoud is geen canonieke JSON",
            ));
        }
        prev = Some(e);
    }
    Ok(())
}

/// Like [`verify`], and checks that the last entry's hash is the anchored `head` (which
/// detects removal of the last entries).
pub fn verify_with_head(entries: &[ChainEntry], head: &str) -> Result<(), Broken> {
    verify(entries)?;
    let last = entries.last();
    if last.map(|e| e.hash.as_str()).unwrap_or(GENESIS) != head {
        return Err(Broken {
            seq: last.map_or(0, |e| e.seq),
            kind: BreakKind::Head,
            reason: "de keten eindigt niet bij de vastgelegde laatste vermelding; er zijn vermeldingen verwijderd".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn chain(payloads: &[Value]) -> Vec<ChainEntry> {
        let mut out: Vec<ChainEntry> = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            let e = link(out.last(), i as u64 + 1, p);
            out.push(e);
        }
        out
    }

    fn sample() -> Vec<ChainEntry> {
        chain(&[
            json!({"event": "proposed", "choice": "hosting"}),
            json!({"event": "advised", "by": "CIO-office"}),
            json!({"event": "decided", "by": "GS", "date": "2026-03-01"}),
            json!({"event": "superseded", "by": "c-42"}),
        ])
    }

    #[test]
    fn canonical_form_sorts_keys() {
        let a = json!({"b": 1, "a": {"z": [1, "x"], "y": null}});
        assert_eq!(canonical_json(&a), r#"{"a":{"y":null,"z":[1,"x"]},"b":1}"#);
        assert_eq!(
            canonical_json(&json!({"é": "\"q\"\n"})),
            r#"{"é":"\"q\"\n"}"#
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let c = sample();
        assert_eq!(c[0].prev_hash, GENESIS);
        assert_eq!(c[1].prev_hash, c[0].hash);
        assert_eq!(c[0].hash.len(), 64);
        verify(&c).unwrap();
        verify(&[]).unwrap();
        verify_with_head(&c, &c[3].hash).unwrap();
    }

    #[test]
    fn hash_is_sha256_of_prev_and_payload() {
        // sha256("") for an empty prev and payload, a known vector.
        assert_eq!(
            entry_hash("", ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn edited_payload_is_detected() {
        let mut c = sample();
        c[2].payload_json = c[2].payload_json.replace("GS", "PS");
        let b = verify(&c).unwrap_err();
        assert_eq!((b.seq, b.kind), (3, BreakKind::Hash));
    }

    #[test]
    fn edited_payload_with_recomputed_hash_is_detected_by_the_next_entry() {
        let mut c = sample();
        c[1].payload_json = c[1].payload_json.replace("CIO", "CFO");
        c[1].hash = entry_hash(&c[1].prev_hash, &c[1].payload_json);
        let b = verify(&c).unwrap_err();
        assert_eq!((b.seq, b.kind), (3, BreakKind::PrevHash));
    }

    #[test]
    fn removed_entry_is_detected() {
        let mut c = sample();
        c.remove(1);
        assert_eq!(verify(&c).unwrap_err().kind, BreakKind::Sequence);
        let mut c = sample();
        c.remove(0);
        assert_eq!(verify(&c).unwrap_err().kind, BreakKind::Genesis);
        let mut c = sample();
        let head = c[3].hash.clone();
        c.pop();
        verify(&c).unwrap();
        assert_eq!(
            verify_with_head(&c, &head).unwrap_err().kind,
            BreakKind::Head
        );
    }

    #[test]
    fn reordered_entries_are_detected() {
        let mut c = sample();
        c.swap(1, 2);
        assert!(verify(&c).is_err());
        // Even with renumbered sequence numbers the hashes do not line up.
        let mut c = sample();
        c.swap(1, 2);
        c[1].seq = 2;
        c[2].seq = 3;
        assert_eq!(verify(&c).unwrap_err().kind, BreakKind::PrevHash);
    }

    #[test]
    fn non_canonical_payload_is_detected() {
        let mut c = sample();
        c[0].payload_json = format!(" {}", c[0].payload_json);
        c[0].hash = entry_hash(&c[0].prev_hash, &c[0].payload_json);
        c[1].prev_hash = c[0].hash.clone();
        assert_eq!(verify(&c[..1]).unwrap_err().kind, BreakKind::Payload);
    }

    proptest! {
        #[test]
        fn any_single_byte_change_in_any_payload_is_detected(
            texts in proptest::collection::vec("[ -~]{0,40}", 1..6),
            pick in any::<prop::sample::Index>(),
            pos in any::<prop::sample::Index>(),
            byte in 0x20u8..0x7f,
        ) {
            let payloads: Vec<Value> = texts.iter().map(|t| json!({"note": t})).collect();
            let mut c = chain(&payloads);
            verify(&c).unwrap();
            let i = pick.index(c.len());
            let mut bytes = c[i].payload_json.clone().into_bytes();
            let p = pos.index(bytes.len());
            prop_assume!(bytes[p] != byte);
            bytes[p] = byte;
            // Printable ASCII in place of ASCII keeps the string valid UTF-8.
            c[i].payload_json = String::from_utf8(bytes).unwrap();
            prop_assert!(verify(&c).is_err());
        }

        #[test]
        fn linking_is_deterministic(texts in proptest::collection::vec(".{0,20}", 0..5)) {
            let payloads: Vec<Value> = texts.iter().map(|t| json!({"t": t, "n": 1})).collect();
            prop_assert_eq!(chain(&payloads), chain(&payloads));
            prop_assert!(verify(&chain(&payloads)).is_ok());
        }
    }
}
