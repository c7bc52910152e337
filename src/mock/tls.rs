//! The mock's TLS (`[mock] tls = true`): its certificates — a CA and a certificate it signed,
//! made at start with rcgen, or the user's `cert_file`/`key_file` —, the server configurations a
//! handshake may be given (the right certificate or a bad one a fault asks for; ALPN as the
//! client offers, or mismatched), and the handshake itself with its faults.

use super::faults::BadCertKind;
use crate::stream::Stream;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::Acceptor;
use rustls::ServerConfig;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::LazyConfigAcceptor;

/// The ALPN protocols the mock speaks, in its order of preference.
const PROTOCOLS: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The mock's certificate (`[mock] tls`): made at start (both `None`), or the user's PEM files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MockTlsPlan {
    pub cert_file: Option<std::path::PathBuf>,
    pub key_file: Option<std::path::PathBuf>,
}

/// Which certificate a handshake presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Presented {
    #[default]
    Right,
    Bad(BadCertKind),
}

/// What the faults that hit a connection do to its handshake (`Role::Handshake`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct HandshakeFaults {
    /// Before the server answers the ClientHello.
    pub delay: Duration,
    /// Never answered: the connection is held, silent, until the client gives up.
    pub stall: bool,
    pub presented: Presented,
    /// ALPN offers none of what the client asked for first.
    pub alpn_mismatch: bool,
}

/// A certificate chain and its key.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    fn clone_key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }
}

/// The mock's certificates and the server configurations made from them, made once per run and
/// shared by every configuration's mock, so that one CA file serves the whole run.
pub struct MockTls {
    /// The CA a client must trust, in PEM (`None` with the user's own certificate).
    ca_pem: Option<String>,
    right: Identity,
    /// The certificates `bad_cert` presents, by [`BadCertKind`] (made only with a made CA).
    bad: Vec<(BadCertKind, Identity)>,
    /// Server configurations by (certificate, ALPN list), made when first needed.
    configs: Vec<OnceLock<Arc<ServerConfig>>>,
}

impl std::fmt::Debug for MockTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTls").field("made_ca", &self.ca_pem.is_some()).finish_non_exhaustive()
    }
}

/// Which protocols a configuration offers in ALPN: both, or all but one (a mismatch).
#[derive(Debug, Clone, Copy)]
enum Offer {
    Both,
    Without(usize),
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("mock tls: {e}"))
}

impl MockTls {
    /// With `cert_file` and `key_file`, the user's certificate; else a CA made now and a
    /// certificate it signed for `names` (besides localhost, 127.0.0.1 and ::1), and the bad
    /// certificates `bad_cert` presents.
    pub fn new(plan: &MockTlsPlan, names: &[String]) -> io::Result<MockTls> {
        let (ca_pem, right, bad) = match (&plan.cert_file, &plan.key_file) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| tls_error(format!("{}: {e}", cert.display())))?;
                let key =
                    PrivateKeyDer::from_pem_file(key).map_err(|e| tls_error(format!("{}: {e}", key.display())))?;
                (None, Identity { chain, key }, Vec::new())
            }
            _ => {
                let made = Made::new(names).map_err(tls_error)?;
                (Some(made.ca_pem), made.right, made.bad)
            }
        };
        let configs = (0..(1 + BadCertKind::ALL.len()) * 3).map(|_| OnceLock::new()).collect();
        Ok(MockTls { ca_pem, right, bad, configs })
    }

    /// The CA a client must trust to reach this mock, in PEM (`None`: the user's certificate).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The same CA as a certificate a client trusts.
    pub fn ca_certificates(&self) -> Vec<CertificateDer<'static>> {
        self.ca_pem.as_deref().map_or_else(Vec::new, |pem| {
            CertificateDer::pem_slice_iter(pem.as_bytes()).filter_map(Result::ok).collect()
        })
    }

    fn config(&self, presented: Presented, offer: Offer) -> io::Result<Arc<ServerConfig>> {
        let (cert_index, identity) = match presented {
            Presented::Right => (0, &self.right),
            Presented::Bad(kind) => match self.bad.iter().position(|(k, _)| *k == kind) {
                Some(i) => (1 + i, &self.bad[i].1),
                // With the user's own certificate there is no bad one to present.
                None => (0, &self.right),
            },
        };
        let offer_index = match offer {
            Offer::Both => 0,
            Offer::Without(i) => 1 + i,
        };
        let slot = &self.configs[cert_index * 3 + offer_index];
        if let Some(config) = slot.get() {
            return Ok(config.clone());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(identity.chain.clone(), identity.clone_key())
            .map_err(tls_error)?;
        config.alpn_protocols = PROTOCOLS
            .iter()
            .enumerate()
            .filter(|(i, _)| !matches!(offer, Offer::Without(w) if w == *i))
            .map(|(_, p)| p.to_vec())
            .collect();
        Ok(slot.get_or_init(|| Arc::new(config)).clone())
    }

    /// The server's side of a handshake, as `faults` change it; `None` when it did not finish
    /// (the client gave up, a stall held it to its end, or the certificate was refused).
    pub(crate) async fn accept(&self, mut tcp: TcpStream, faults: HandshakeFaults) -> Option<Stream> {
        if faults.stall {
            // Read and drop whatever comes (the ClientHello) until the client closes.
            let mut sink = [0u8; 4096];
            while matches!(tcp.read(&mut sink).await, Ok(n) if n > 0) {}
            return None;
        }
        let start = LazyConfigAcceptor::new(Acceptor::default(), tcp).await.ok()?;
        let offer = if faults.alpn_mismatch {
            // The client's first choice is the one left out: a client that insists on it gets
            // the no_application_protocol alert, one that offers the other falls back to it.
            let first = start.client_hello().alpn().and_then(|mut offered| offered.next()).map(<[u8]>::to_vec);
            match first.and_then(|p| PROTOCOLS.iter().position(|known| *known == p.as_slice())) {
                Some(i) => Offer::Without(i),
                None => Offer::Both,
            }
        } else {
            Offer::Both
        };
        if !faults.delay.is_zero() {
            crate::timer::sleep(faults.delay).await;
        }
        let config = self.config(faults.presented, offer).ok()?;
        let stream = start.into_stream(config).await.ok()?;
        Some(Stream::TlsServer(Box::new(stream)))
    }
}

/// A CA made at start and the certificates it signed.
struct Made {
    ca_pem: String,
    right: Identity,
    bad: Vec<(BadCertKind, Identity)>,
}

impl Made {
    fn new(names: &[String]) -> Result<Made, rcgen::Error> {
        let ours = ca("chaosload mock CA")?;
        let (ca_pem, ca_der) = (ours.pem, ours.pem_der);
        let issuer = Issuer::new(ours.params, ours.key);
        let mut sans = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
        sans.extend(names.iter().filter(|n| !sans.contains(n)).cloned().collect::<Vec<_>>());
        let right = leaf(sans.clone(), &issuer, &ca_der)?;
        let mut bad = Vec::new();
        for kind in BadCertKind::ALL {
            let identity = match kind {
                BadCertKind::WrongName => leaf(vec!["wrong-name.invalid".to_string()], &issuer, &ca_der)?,
                BadCertKind::Expired => {
                    let mut params = CertificateParams::new(sans.clone())?;
                    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
                    params.not_after = rcgen::date_time_ymd(2001, 1, 1);
                    signed(params, &issuer, &ca_der)?
                }
                // Signed by a CA nobody was told to trust.
                BadCertKind::Untrusted => {
                    let stranger = ca("chaosload untrusted CA")?;
                    let stranger_issuer = Issuer::new(stranger.params, stranger.key);
                    leaf(sans.clone(), &stranger_issuer, &stranger.pem_der)?
                }
            };
            bad.push((kind, identity));
        }
        Ok(Made { ca_pem, right, bad })
    }
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
    pem_der: CertificateDer<'static>,
}

fn ca(name: &str) -> Result<Ca, rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key)?;
    Ok(Ca { pem: cert.pem(), pem_der: cert.der().clone(), params, key })
}

fn leaf(
    sans: Vec<String>,
    issuer: &Issuer<'_, KeyPair>,
    ca: &CertificateDer<'static>,
) -> Result<Identity, rcgen::Error> {
    signed(CertificateParams::new(sans)?, issuer, ca)
}

fn signed(
    mut params: CertificateParams,
    issuer: &Issuer<'_, KeyPair>,
    ca: &CertificateDer<'static>,
) -> Result<Identity, rcgen::Error> {
    params.distinguished_name.push(DnType::CommonName, "chaosload mock");
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, issuer)?;
    let key = PrivateKeyDer::try_from(key.serialize_der()).map_err(|_| rcgen::Error::CouldNotParseKeyPair)?;
    Ok(Identity { chain: vec![cert.der().clone(), ca.clone()], key })
}
