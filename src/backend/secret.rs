//! Credentials that never print: `Debug` and `Display` show `[redacted]`, and every message a
//! REST backend reports or logs is scrubbed of each secret's value.

use super::BackendError;
use std::fmt;

/// A credential read from the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
}

impl Secret {
    /// Wraps a value (use [`Secret::from_env`] in production code).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret {
            value: value.into(),
        }
    }

    /// Reads environment variable `name`; missing or empty is a configuration error that names
    /// the variable (never its value).
    pub fn from_env(name: &str) -> Result<Secret, BackendError> {
        match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
            _ => Err(BackendError::Config(format!(
                "environment variable {name} is not set; the credential is read only from there"
            ))),
        }
    }

    /// The value, for building a request header or signature. Never format it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// `text` with every occurrence of the value replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        if self.value.is_empty() {
            return text.to_string();
        }
        text.replace(&self.value, "[redacted]")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_its_value() {
        let secret = Secret::new("sk-sentinel-123");
        assert_eq!(
            format!("{secret} {secret:?}"),
            "[redacted] Secret([redacted])"
        );
        assert_eq!(
            secret.scrub("Authorization: apiKey sk-sentinel-123"),
            "Authorization: apiKey [redacted]"
        );
        let missing = Secret::from_env("QATTNC_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("QATTNC_TEST_SURELY_UNSET_VARIABLE")
        );
    }
}
