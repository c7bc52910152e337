//! TLS for the client under test, on rustls: one `ClientConfig` per configuration (shared by its
//! workers, so its session cache is the configuration's, as one client's is), the handshake
//! with its own timeout, ALPN for the HTTP version, and the handshake's failures as error kinds.

use crate::record::ErrorKind;
use crate::scenario::{ClientPlan, HttpVersion, TlsVersion};
use crate::stream::Stream;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// How one configuration opens TLS connections to one server name.
#[derive(Clone)]
pub struct TlsConnect {
    connector: TlsConnector,
    server_name: ServerName<'static>,
    handshake_timeout: Option<Duration>,
    /// The ALPN protocol the connection must agree on.
    alpn: &'static [u8],
}

impl std::fmt::Debug for TlsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnect").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

/// A finished handshake: the stream, how long the handshake took, whether it resumed a session.
pub(super) struct Handshaken {
    pub(super) stream: Stream,
    pub(super) took: Duration,
    pub(super) resumed: bool,
}

/// The certificates of a PEM file (`ca_file`); an error says why there are none.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM file of certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in it (no BEGIN CERTIFICATE block)".into());
    }
    Ok(certs)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsConnect {
    /// `host` is the name the certificate must carry (a DNS name or an IP address); `extra_roots`
    /// are trusted besides Mozilla's roots and the configuration's `ca_file` (the mock's CA).
    pub fn new(plan: &ClientPlan, host: &str, extra_roots: &[CertificateDer<'static>]) -> anyhow::Result<TlsConnect> {
        let tls = &plan.tls;
        let versions: &[&'static rustls::SupportedProtocolVersion] = match tls.min_version {
            TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            TlsVersion::Tls13 => &[&rustls::version::TLS13],
        };
        let builder = ClientConfig::builder_with_provider(provider()).with_protocol_versions(versions)?;
        let mut config = if tls.verify {
            let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let from_file = match &tls.ca_file {
                Some(path) => {
                    read_certificates(path).map_err(|e| anyhow::anyhow!("ca_file {}: {e}", path.display()))?
                }
                None => Vec::new(),
            };
            for cert in extra_roots.iter().chain(&from_file) {
                roots.add(cert.clone())?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
                .with_no_client_auth()
        };
        let alpn: &'static [u8] = match plan.http {
            HttpVersion::Http1 => b"http/1.1",
            HttpVersion::Http2 => b"h2",
        };
        config.alpn_protocols = vec![alpn.to_vec()];
        if !tls.session_resumption {
            config.resumption = Resumption::disabled();
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let server_name = ServerName::try_from(host.to_string())
            .map_err(|e| anyhow::anyhow!("{host:?} cannot be a TLS server name: {e}"))?;
        Ok(TlsConnect {
            connector: TlsConnector::from(Arc::new(config)),
            server_name,
            handshake_timeout: tls.handshake_timeout,
            alpn,
        })
    }

    /// The handshake over a connected socket, within `tls_handshake_timeout`.
    pub(super) async fn handshake(&self, tcp: TcpStream) -> Result<Handshaken, ErrorKind> {
        let started = Instant::now();
        let connect = self.connector.connect(self.server_name.clone(), tcp);
        let done = match self.handshake_timeout {
            None => connect.await,
            Some(limit) => tokio::time::timeout(limit, connect).await.map_err(|_| ErrorKind::TlsHandshakeTimeout)?,
        };
        let stream = done.map_err(|e| classify_handshake(&e))?;
        let took = started.elapsed();
        let (_, conn) = stream.get_ref();
        // A server that agreed on no protocol (or another one) would be spoken to in the wrong one.
        if conn.alpn_protocol() != Some(self.alpn) {
            return Err(ErrorKind::TlsError);
        }
        let resumed = conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        Ok(Handshaken { stream: Stream::TlsClient(Box::new(stream)), took, resumed })
    }
}

/// A failed handshake: the certificate refused (`tls_cert`), a reset (`reset`), anything else the
/// handshake met — an alert, a peer that closed, bytes that are not TLS — `tls_error`.
fn classify_handshake(e: &std::io::Error) -> ErrorKind {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return match tls {
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => ErrorKind::TlsCert,
            _ => ErrorKind::TlsError,
        };
    }
    if super::classify::is_reset(e.kind()) {
        ErrorKind::Reset
    } else {
        ErrorKind::TlsError
    }
}

/// `tls_verify = false`: any certificate is taken, as `curl -k` takes it; the handshake's
/// signatures are still checked (they prove the peer holds the key it presented).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
