//! Users: who they are (an e-mail address and a name) and the password policy.

use crate::error::{Collector, Invalid, text};

/// A normalised e-mail address (trimmed, lower-case), checked for a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_lowercase();
        let shape_ok = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
        if !shape_ok || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Invalid::one(
                "email",
                "format",
                "is geen geldig e-mailadres",
            ));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password a user chose; only the policy lives here, never the stored form.
pub struct NewPassword(String);

impl NewPassword {
    /// Minimum length.
    pub const MIN: usize = 12;
    /// Maximum length: long enough for passphrases, short enough to bound hashing work.
    pub const MAX: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if n < Self::MIN {
            return Err(Invalid::one(
                "password",
                "too_short",
                &format!("moet minstens {} tekens zijn", Self::MIN),
            ));
        }
        if n > Self::MAX {
            return Err(Invalid::one(
                "password",
                "too_long",
                &format!("mag hoogstens {} tekens zijn", Self::MAX),
            ));
        }
        Ok(NewPassword(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A validated new user.
pub struct UserDraft {
    pub email: Email,
    pub display_name: String,
    pub password: NewPassword,
}

impl UserDraft {
    pub fn parse(email: &str, display_name: &str, password: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let email = c.take(Email::parse(email));
        let display_name = c.take(text("displayName", display_name, 120));
        let password = c.take(NewPassword::parse(password));
        c.build(|| {
            Some(UserDraft {
                email: email?,
                display_name: display_name?,
                password: password?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Anna@Provincie-Utrecht.nl ")
                .unwrap()
                .as_str(),
            "anna@provincie-utrecht.nl"
        );
        for bad in [
            "", "anna", "anna@", "@x.nl", "a@b", "a b@c.nl", "a@b@c.nl", "a@.nl",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("twelve chars").is_ok());
        assert!(NewPassword::parse(&"x".repeat(300)).is_err());
    }

    #[test]
    fn user_draft_lists_all_problems() {
        let e = UserDraft::parse("nope", "", "x").err().unwrap();
        assert_eq!(e.0.len(), 3);
    }

    proptest! {
        #[test]
        fn email_parse_is_idempotent(s in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}
