//! Open Badges 3.0 for a completed programme: the participant (or a coordinator) gets a signed
//! credential to keep; the deployment's signing key is made on first use in the data folder
//! and its public half is published with the issuer's profile.

use super::{Standing, standing};
use crate::{Error, Principal, Result, Workspace};
use koers_core::learning::badge::{BadgeFacts, IssuerKey, credential, sign};
use serde_json::Value;

/// The file in the data folder that holds the signing key (hex, readable by koers only).
const KEY_FILE: &str = "badge-signing.key";

/// The deployment's badge key: read from the data folder, or made there on first use (a
/// process that loses the race to make it reads the winner's).
fn issuer_key(ws: &Workspace) -> Result<IssuerKey> {
    let path = ws.data_dir().join(KEY_FILE);
    let read = |p: &std::path::Path| -> Option<[u8; 32]> {
        let text = std::fs::read_to_string(p).ok()?;
        hex::decode(text.trim()).ok()?.try_into().ok()
    };
    if let Some(seed) = read(&path) {
        return Ok(IssuerKey::from_seed(&seed));
    }
    let seed = koers_core::secret::random_bytes();
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let written = opts
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, hex::encode(seed).as_bytes()))
        .and_then(|()| std::fs::hard_link(&tmp, &path));
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(IssuerKey::from_seed(&seed)),
        Err(_) => read(&path)
            .map(|s| IssuerKey::from_seed(&s))
            .ok_or_else(|| Error::Internal("de sleutel voor badges is niet te lezen".into())),
    }
}

/// An issuer as a badge names it: its profile, with the public key that verifies its badges.
pub async fn issuer_profile(ws: &Workspace, org_id: &str, base: &str) -> Result<Value> {
    let org = ws.store.organisations().organisation(org_id).await?;
    Ok(serde_json::json!({
        "@context": koers_core::learning::badge::CONTEXTS,
        "id": issuer_id(base, &org.id),
        "type": ["Profile"],
        "name": org.name,
        "publicKey": issuer_key(ws)?.public_jwk(),
    }))
}

fn issuer_id(base: &str, org_id: &str) -> String {
    format!("{base}/api/v1/badges/issuers/{org_id}")
}

/// A participant's badge: the credential and the same as a signed VC-JWT.
pub struct Badge {
    pub credential: Value,
    pub jwt: String,
}

/// The Open Badges 3.0 credential of a participant who completed their programme (the
/// participant themselves or a coordinator; `base`: the deployment's address); until then
/// their standing, whose `missing` says what is still to do.
pub async fn badge(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    base: &str,
) -> Result<std::result::Result<Badge, Standing>> {
    let s = standing(ws, who, participant_id).await?;
    if !s.missing.is_empty() {
        return Ok(Err(s));
    }
    let p = &s.programme;
    let modules = ws.store.learning().modules(&p.id).await?.len();
    let mut criteria = format!(
        "Alle {modules} modules afgerond en aanwezig bij minstens {}% van de live sessies",
        p.min_attendance
    );
    if p.requires_project {
        criteria.push_str(", met een opgeleverd maakproject");
    }
    criteria.push('.');
    let id = uuid::Uuid::new_v4().to_string();
    let salt = uuid::Uuid::new_v4().simple().to_string();
    let achievement = format!("{base}/leertrajecten/leergangen/{}", p.id);
    let facts = BadgeFacts {
        id: &id,
        issuer_id: &issuer_id(base, &who.org.id),
        issuer_name: &who.org.name,
        achievement_id: &achievement,
        name: &p.name,
        description: &p.description,
        criteria: &criteria,
        email: &s.participant.email,
        salt: &salt,
        valid_from: chrono::Utc::now(),
    };
    let c = credential(&facts);
    let jwt = sign(&c, &issuer_key(ws)?);
    Ok(Ok(Badge { credential: c, jwt }))
}
