//! `bad_cert`: a connection it hits is presented a certificate a verifying client refuses: for
//! another name (`wrong_name`), expired (`expired`), or signed by a CA nobody trusts
//! (`untrusted`). Needs `[mock] tls` with the certificate the mock makes (not `cert_file`).

use super::{MockFaultKind, Protocols, Request, RequestFaults, Role, TlsAct};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};

/// Which bad certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadCertKind {
    WrongName,
    Expired,
    Untrusted,
}

impl BadCertKind {
    pub const ALL: [BadCertKind; 3] = [BadCertKind::WrongName, BadCertKind::Expired, BadCertKind::Untrusted];

    /// The kinds as scenarios name them, in the order of [`BadCertKind::ALL`].
    const WORDS: [&'static str; 3] = ["wrong_name", "expired", "untrusted"];

    fn word(self) -> &'static str {
        Self::WORDS[Self::ALL.iter().position(|k| *k == self).expect("every kind is listed")]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadCert(pub BadCertKind);

impl MockFaultKind for BadCert {
    const NAME: &'static str = "bad_cert";
    const KEYS: &'static [&'static str] = &["cert"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let i = keys.choice("cert", &BadCertKind::WORDS, Need::Default(0))?;
        Some(BadCert(BadCertKind::ALL[i]))
    }

    fn normalized(&self) -> Value {
        json!({ "cert": self.0.word() })
    }

    /// At the handshake, before any HTTP is spoken: both versions meet it.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Handshake(TlsAct::BadCert(self.0))
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
