//! An Open Badges 3.0 credential for a completed learning programme: an
//! `OpenBadgeCredential` in the data model of Verifiable Credentials 2.0, secured as a
//! VC-JWT (Open Badges 3.0 §8.2: the credential's members are the JWT's claims, `validFrom`
//! its `nbf`, the credential id its `jti`, the issuer its `iss`) signed with EdDSA (Ed25519),
//! the public key in the JOSE header. The participant keeps it in a wallet or portfolio;
//! anyone can check it against the issuer's published key. Who earned it is not written out:
//! the subject carries a salted SHA-256 of their e-mail address.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The JSON-LD contexts an Open Badges 3.0 credential names, in order.
pub const CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// What a credential states.
#[derive(Debug, Clone)]
pub struct BadgeFacts<'a> {
    /// A fresh UUID: the credential's id is `urn:uuid:<id>`.
    pub id: &'a str,
    /// The issuing organisation's address and name.
    pub issuer_id: &'a str,
    pub issuer_name: &'a str,
    /// The programme as an achievement: its address, name, description and what completing
    /// it takes.
    pub achievement_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub criteria: &'a str,
    /// The recipient's e-mail address and the salt its hash is made with.
    pub email: &'a str,
    pub salt: &'a str,
    pub valid_from: DateTime<Utc>,
}

/// The salted hash that identifies the recipient: `sha256$` and the hex SHA-256 of the
/// lower-case address followed by the salt (as Open Badges' `IdentityObject` has it).
pub fn identity_hash(email: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{}{salt}", email.trim().to_lowercase()).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256${hex}")
}

/// The credential, unsigned.
pub fn credential(f: &BadgeFacts<'_>) -> Value {
    json!({
        "@context": CONTEXTS,
        "id": format!("urn:uuid:{}", f.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f.name,
        "issuer": { "id": f.issuer_id, "type": ["Profile"], "name": f.issuer_name },
        "validFrom": f.valid_from.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(f.email, f.salt),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": f.salt,
            }],
            "achievement": {
                "id": f.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": f.name,
                "description": f.description,
                "criteria": { "narrative": f.criteria },
            },
        },
    })
}

/// The key a deployment signs its badges with (Ed25519), made from 32 secret bytes.
pub struct IssuerKey(SigningKey);

impl IssuerKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        IssuerKey(SigningKey::from_bytes(seed))
    }

    /// The public half, which verifies the badges.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// The public half as a JSON Web Key (OKP, Ed25519), to publish.
    pub fn public_jwk(&self) -> Value {
        public_jwk(&self.verifying_key())
    }
}

/// A public key as a JSON Web Key (OKP, Ed25519).
fn public_jwk(key: &VerifyingKey) -> Value {
    json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.as_bytes()) })
}

fn part(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
}

/// The credential as a VC-JWT signed with `key`.
pub fn sign(credential: &Value, key: &IssuerKey) -> String {
    let header = json!({ "alg": "EdDSA", "typ": "JWT", "jwk": key.public_jwk() });
    let mut claims = credential.clone();
    if let Some(map) = claims.as_object_mut() {
        let nbf = map
            .get("validFrom")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp());
        let iss = map.get("issuer").and_then(|i| i.get("id")).cloned();
        let jti = map.get("id").cloned();
        map.insert("nbf".into(), json!(nbf));
        map.insert("iss".into(), iss.unwrap_or(Value::Null));
        map.insert("jti".into(), jti.unwrap_or(Value::Null));
    }
    let input = format!("{}.{}", part(&header), part(&claims));
    let signature = key.0.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    /// Why a VC-JWT does not verify.
    #[derive(Debug, PartialEq, Eq)]
    enum BadgeError {
        Malformed,
        Signature,
    }

    /// Checks a VC-JWT against the issuer's key; its claims when the signature holds.
    fn verify(jwt: &str, key: &VerifyingKey) -> Result<Value, BadgeError> {
        let mut parts = jwt.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(BadgeError::Malformed);
        };
        let decode = |x: &str| URL_SAFE_NO_PAD.decode(x).map_err(|_| BadgeError::Malformed);
        let header: Value =
            serde_json::from_slice(&decode(h)?).map_err(|_| BadgeError::Malformed)?;
        if header["alg"] != "EdDSA" {
            return Err(BadgeError::Malformed);
        }
        let sig: [u8; 64] = decode(s)?.try_into().map_err(|_| BadgeError::Malformed)?;
        key.verify(format!("{h}.{p}").as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| BadgeError::Signature)?;
        serde_json::from_slice(&decode(p)?).map_err(|_| BadgeError::Malformed)
    }

    fn facts() -> BadgeFacts<'static> {
        BadgeFacts {
            id: "0190aaaa-0000-7000-8000-000000000001",
            issuer_id: "https://koers.example/organisaties/gm0796",
            issuer_name: "Gemeente 's-Hertogenbosch",
            achievement_id: "https://koers.example/leertrajecten/leergangen/p1",
            name: "Digitaal Leiderschap",
            description: "Vijf modules en live sessies.",
            criteria: "Alle modules afgerond en minstens 80% van de live sessies bijgewoond.",
            email: "Anna@Example.nl",
            salt: "zout",
            valid_from: "2026-12-05T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_credential_has_the_shape_open_badges_asks() {
        let c = credential(&facts());
        assert_eq!(c["@context"][0], CONTEXTS[0]);
        assert_eq!(
            c["type"],
            json!(["VerifiableCredential", "OpenBadgeCredential"])
        );
        assert_eq!(c["id"], "urn:uuid:0190aaaa-0000-7000-8000-000000000001");
        assert_eq!(c["issuer"]["type"], json!(["Profile"]));
        assert_eq!(
            c["credentialSubject"]["achievement"]["criteria"]["narrative"],
            facts().criteria
        );
        let id = &c["credentialSubject"]["identifier"][0];
        assert_eq!(id["identityHash"], identity_hash("anna@example.nl", "zout"));
        assert!(
            !c.to_string().contains("Anna@Example.nl"),
            "the address is not written out"
        );
    }

    #[test]
    fn a_signed_badge_verifies_and_a_changed_one_does_not() {
        let key = IssuerKey::from_seed(&[7u8; 32]);
        let jwt = sign(&credential(&facts()), &key);
        let claims = verify(&jwt, &key.verifying_key()).unwrap();
        assert_eq!(claims["nbf"], 1_796_464_800);
        assert_eq!(claims["iss"], facts().issuer_id);
        assert_eq!(
            claims["jti"],
            "urn:uuid:0190aaaa-0000-7000-8000-000000000001"
        );
        assert_eq!(claims["name"], "Digitaal Leiderschap");
        // Another key, a changed payload, garbage: refused.
        let other = IssuerKey::from_seed(&[8u8; 32]).verifying_key();
        assert_eq!(verify(&jwt, &other), Err(BadgeError::Signature));
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = part(&json!({"name": "Iets anders"}));
        parts[1] = &forged;
        assert_eq!(
            verify(&parts.join("."), &key.verifying_key()),
            Err(BadgeError::Signature)
        );
        assert_eq!(
            verify("a.b", &key.verifying_key()),
            Err(BadgeError::Malformed)
        );
    }
}
