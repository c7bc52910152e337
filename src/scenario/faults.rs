//! The run's faults across layers: a fault's kind by layer ([`FaultKind`]), the split by layer
//! done once for the servers ([`ByLayer`], keeping each fault's `[[fault]]` index for its seeded
//! draws), and the registry of every layer's kinds (mock, proxy, dns, clients) that validation reads ([`kinds`]). A new
//! layer is a variant here and in [`Layer`], a field of [`ByLayer`] and its registry in
//! [`kinds`]; the compiler lists every match to extend.

use crate::chaos::toxics::ProxyFault;
use crate::dns::faults::DnsFault;
use crate::fault::{FaultPlan, Indexed, Keys, KindSpec};
use crate::mock::faults::{MockFault, Protocols};
use crate::slow::CohortFault;
use crate::vocabulary::{duration_str, words, Words};
use serde_json::{json, Value};

/// Where a fault acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Inside the built-in mock upstream (needs `[target] mock = true`).
    Mock,
    /// In the chaos proxy between the clients and the target (mock or URL).
    Proxy,
    /// In the DNS stub that answers the run's names.
    Dns,
    /// Slow-client cohorts beside the measured traffic, against the target (mock or URL).
    Clients,
}

words!(Layer { Mock => "mock", Proxy => "proxy", Dns => "dns", Clients => "clients" });

/// A fault's kind, by layer.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    Mock(MockFault),
    Proxy(ProxyFault),
    Dns(DnsFault),
    Clients(CohortFault),
}

impl FaultKind {
    pub fn layer(&self) -> Layer {
        match self {
            FaultKind::Mock(_) => Layer::Mock,
            FaultKind::Proxy(_) => Layer::Proxy,
            FaultKind::Dns(_) => Layer::Dns,
            FaultKind::Clients(_) => Layer::Clients,
        }
    }

    /// The kind as scenarios name it (`"reset"`, `"slow_close"`).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Mock(fault) => fault.name(),
            FaultKind::Proxy(fault) => fault.toxic.name(),
            FaultKind::Dns(fault) => fault.kind.name(),
            FaultKind::Clients(fault) => fault.kind.name(),
        }
    }

    /// Which HTTP versions' connections it acts on: a mock fault of HTTP/1's bytes (chunked
    /// framing) or of HTTP/2's frames (GOAWAY, RST_STREAM…) is never met by the other's clients.
    pub fn protocols(&self) -> Protocols {
        match self {
            FaultKind::Mock(fault) => fault.protocols(),
            FaultKind::Proxy(_) | FaultKind::Dns(_) | FaultKind::Clients(_) => Protocols::Both,
        }
    }

    /// The kind's own keys in scenario vocabulary.
    fn params(&self) -> Value {
        match self {
            FaultKind::Mock(fault) => fault.normalized(),
            FaultKind::Proxy(fault) => fault.normalized(),
            FaultKind::Dns(fault) => fault.normalized(),
            FaultKind::Clients(fault) => fault.normalized(),
        }
    }
}

impl FaultPlan<FaultKind> {
    pub fn layer(&self) -> Layer {
        self.kind.layer()
    }

    /// See [`FaultKind::protocols`].
    pub fn protocols(&self) -> Protocols {
        self.kind.protocols()
    }

    /// The fault in scenario vocabulary: `kind`, `layer`, its window and its own parameters.
    pub fn normalized(&self) -> Value {
        let mut out = json!({
            "kind": self.kind.name(),
            "layer": self.layer().word(),
            "at": duration_str(self.at),
            "for": duration_str(self.duration),
            "every": self.every.map_or_else(|| "once".to_string(), duration_str),
            "probability": self.probability,
        });
        if let (Some(out), Value::Object(params)) = (out.as_object_mut(), self.kind.params()) {
            out.extend(params);
        }
        out
    }
}

/// A run's faults split by layer, once: what each layer's server is given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ByLayer {
    pub mock: Vec<Indexed<MockFault>>,
    pub proxy: Vec<Indexed<ProxyFault>>,
    pub dns: Vec<Indexed<DnsFault>>,
    pub clients: Vec<Indexed<CohortFault>>,
}

impl ByLayer {
    pub fn split(faults: &[FaultPlan<FaultKind>]) -> ByLayer {
        let mut out = ByLayer::default();
        for (index, fault) in faults.iter().enumerate() {
            match &fault.kind {
                FaultKind::Mock(kind) => out.mock.push((index, fault.with_kind(kind.clone()))),
                FaultKind::Proxy(kind) => out.proxy.push((index, fault.with_kind(kind.clone()))),
                FaultKind::Dns(kind) => out.dns.push((index, fault.with_kind(kind.clone()))),
                FaultKind::Clients(kind) => out.clients.push((index, fault.with_kind(kind.clone()))),
            }
        }
        out
    }
}

/// A fault kind of any layer, as validation looks it up by name and layer.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    pub layer: Layer,
    /// The kind's own keys, in the order messages list them.
    pub keys: &'static [&'static str],
    /// The keys every kind of its layer takes, listed after its own.
    pub layer_keys: &'static [&'static str],
    parse: Parse,
}

/// A kind's parser, into its layer's kind.
#[derive(Debug, Clone, Copy)]
enum Parse {
    Mock(fn(&mut dyn Keys) -> Option<MockFault>),
    Proxy(fn(&mut dyn Keys) -> Option<ProxyFault>),
    Dns(fn(&mut dyn Keys) -> Option<DnsFault>),
    Clients(fn(&mut dyn Keys) -> Option<CohortFault>),
}

impl Kind {
    fn of<K>(spec: &KindSpec<K>, layer: Layer, parse: Parse) -> Kind {
        Kind { name: spec.name, layer, keys: spec.keys, layer_keys: spec.layer_keys, parse }
    }

    /// Every key the kind takes, in the order messages list them.
    pub fn all_keys(self) -> impl Iterator<Item = &'static str> {
        self.keys.iter().chain(self.layer_keys).copied()
    }

    pub fn takes(self, key: &str) -> bool {
        self.all_keys().any(|k| k == key)
    }

    /// Reads the kind's own keys into a fault kind of its layer.
    pub fn parse(self, keys: &mut dyn Keys) -> Option<FaultKind> {
        match self.parse {
            Parse::Mock(parse) => parse(keys).map(FaultKind::Mock),
            Parse::Proxy(parse) => parse(keys).map(FaultKind::Proxy),
            Parse::Dns(parse) => parse(keys).map(FaultKind::Dns),
            Parse::Clients(parse) => parse(keys).map(FaultKind::Clients),
        }
    }
}

/// Every fault kind of every layer, mock kinds first, then proxy, then dns, then clients, each
/// layer in its registration order.
pub fn kinds() -> impl Iterator<Item = Kind> {
    let mock = crate::mock::faults::KINDS.iter().map(|spec| Kind::of(spec, Layer::Mock, Parse::Mock(spec.parse)));
    let proxy = crate::chaos::toxics::KINDS.iter().map(|spec| Kind::of(spec, Layer::Proxy, Parse::Proxy(spec.parse)));
    let dns = crate::dns::faults::KINDS.iter().map(|spec| Kind::of(spec, Layer::Dns, Parse::Dns(spec.parse)));
    let clients =
        crate::slow::kinds::KINDS.iter().map(|spec| Kind::of(spec, Layer::Clients, Parse::Clients(spec.parse)));
    mock.chain(proxy).chain(dns).chain(clients)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::Need;

    /// A `[[fault]]` table without keys that records which keys a kind asks about.
    #[derive(Default)]
    struct Asked(std::cell::RefCell<Vec<String>>);

    impl Asked {
        fn ask<T>(&self, key: &str, need: Need<T>) -> Option<T> {
            self.0.borrow_mut().push(key.to_string());
            match need {
                Need::Default(value) => Some(value),
                Need::Required(_) => None,
            }
        }
    }

    impl Keys for Asked {
        fn given(&self, key: &str) -> bool {
            self.0.borrow_mut().push(key.to_string());
            false
        }
        fn duration(
            &mut self,
            key: &'static str,
            _: bool,
            need: Need<std::time::Duration>,
        ) -> Option<std::time::Duration> {
            self.ask(key, need)
        }
        fn delay(&mut self, key: &'static str, need: Need<crate::dist::Dist>) -> Option<crate::dist::Dist> {
            self.ask(key, need)
        }
        fn count(&mut self, key: &'static str, _: u64, need: Need<u64>) -> Option<u64> {
            self.ask(key, need)
        }
        fn integer(&mut self, key: &'static str, need: Need<i64>) -> Option<i64> {
            self.ask(key, need)
        }
        fn choice(&mut self, key: &'static str, _: &[&'static str], need: Need<usize>) -> Option<usize> {
            self.ask(key, need)
        }
        fn text(&mut self, key: &'static str, need: Need<String>) -> Option<String> {
            self.ask(key, need)
        }
        fn addresses(
            &mut self,
            key: &'static str,
            _: usize,
            need: Need<Vec<std::net::IpAddr>>,
        ) -> Option<Vec<std::net::IpAddr>> {
            self.ask(key, need)
        }
        fn invalid(&mut self, _: &'static str, _: String, _: Option<String>) {}
    }

    /// A key a kind declares but never reads would be accepted and silently ignored.
    #[test]
    fn every_kind_reads_every_key_it_declares() {
        for kind in kinds() {
            let mut asked = Asked::default();
            kind.parse(&mut asked);
            let asked = asked.0.into_inner();
            for key in kind.all_keys() {
                assert!(asked.iter().any(|k| k == key), "{} ({:?}) never reads {key}", kind.name, kind.layer);
            }
        }
    }

    #[test]
    fn kind_names_are_unique_per_layer() {
        for layer in [Layer::Mock, Layer::Proxy, Layer::Dns, Layer::Clients] {
            let mut names: Vec<&str> = kinds().filter(|k| k.layer == layer).map(|k| k.name).collect();
            let all = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), all, "{layer:?}");
        }
    }
}
