//! Client presets (`[[client]] preset = "go"`): real clients' published defaults as knob values,
//! one file per preset, registered in `presets!`; `chaosload presets` lists them with sources.
//!
//! A preset fills a configuration before its own keys are read, so every knob stays
//! overridable and validation treats a preset's values as it treats written ones. Each knob a
//! preset sets names where its value comes from (`Knob::source`); the unit tests hold the
//! plan each preset makes against those values, and hold that a knob set differently from
//! chaosload's own defaults always has its source.

use super::plan::ClientPlan;
use super::resolver::ResolverPlan;

/// One client's defaults.
pub struct Preset {
    /// The word a scenario names it by.
    pub name: &'static str,
    /// The client and the versions its defaults were read from.
    pub client: &'static str,
    /// The knobs it sets, each with where its value comes from.
    pub knobs: &'static [Knob],
    /// What of the client chaosload does not reproduce, said beside the preset.
    pub notes: &'static [&'static str],
    apply: fn(&mut ClientPlan),
    /// How it looks names up, where the run looks names up through chaosload's resolver
    /// (with `[dns]`); `None`: the default, a lookup per new connection as Go's.
    resolver: Option<fn() -> ResolverPlan>,
}

/// A knob a preset sets, by its scenario key, and the source of its value.
pub struct Knob {
    pub key: &'static str,
    pub source: &'static str,
}

impl Preset {
    /// A configuration named `name` with this client's defaults.
    pub fn plan(&self, name: impl Into<String>) -> ClientPlan {
        let mut plan = ClientPlan::defaults(name);
        plan.preset = Some(self.name);
        (self.apply)(&mut plan);
        plan
    }

    /// What `chaosload presets` prints: the client, each knob with its value as a scenario
    /// writes it and its source, the notes.
    pub fn describe(&self) -> String {
        let plan = self.plan("preset").normalized();
        let mut out = format!("{}: {}\n", self.name, self.client);
        let width = self.knobs.iter().map(|k| k.key.len() + plan[k.key].to_string().len()).max().unwrap_or(0);
        for knob in self.knobs {
            let setting = format!("{} = {}", knob.key, plan[knob.key]);
            out += &format!("  {setting:<w$}  # {}\n", knob.source, w = width + 3);
        }
        if let Some(resolver) = self.resolver() {
            let resolver = ClientPlan { resolver: Some(resolver), ..ClientPlan::defaults("") }.normalized();
            let keys = resolver["resolver"].as_object().cloned().unwrap_or_default();
            let table: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            out += &format!("  with [dns]: resolver = {{ {} }}\n", table.join(", "));
        }
        for note in self.notes {
            out += &format!("  note: {note}\n");
        }
        out
    }

    /// The resolver this client looks names up with, when it differs from the default.
    pub fn resolver(&self) -> Option<ResolverPlan> {
        self.resolver.map(|make| make())
    }
}

macro_rules! presets {
    ($($module:ident),+ $(,)?) => {
        $(mod $module;)+
        /// Every preset, in the order `chaosload presets` lists them.
        pub static PRESETS: &[&Preset] = &[$(&$module::PRESET),+];
    };
}

presets!(go, hyper_util, reqwest, undici, node_agent, python_requests, httpx, java_httpclient, okhttp);

/// The preset a scenario names, if there is one.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().copied().find(|p| p.name == name)
}

impl ClientPlan {
    /// The resolver a configuration looks its target's name up with: its own `resolver`, else
    /// its preset's, else `None` (the run's default).
    pub fn lookup_resolver(&self) -> Option<ResolverPlan> {
        self.resolver.clone().or_else(|| self.preset.and_then(find).and_then(Preset::resolver))
    }
}

#[cfg(test)]
mod tests;
