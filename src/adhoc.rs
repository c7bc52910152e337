//! `chaosload run --url URL --rate 500/s --duration 10s`: an ad-hoc run written as the scenario
//! it stands for, so it is validated, run and reported as any scenario is, and can be saved to
//! grow into one (`--save-scenario`).

use std::time::Duration;

/// The closed model's users when neither a rate nor a concurrency is given.
pub const DEFAULT_CONCURRENCY: u32 = 10;
/// How long an ad-hoc run loads without `--duration`.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct AdHoc {
    pub url: String,
    /// Arrivals per second (open model); `None`: the closed model with `concurrency` users.
    pub rate: Option<f64>,
    pub concurrency: Option<u32>,
    pub duration: Option<Duration>,
    /// The configuration's preset (`None`: chaosload's own defaults).
    pub preset: Option<String>,
}

impl AdHoc {
    /// The scenario this run is: one phase, one configuration of chaosload's defaults, the URL
    /// as target. Values are written by `toml`, so a URL cannot break out of its string.
    pub fn scenario_text(&self, command: &str) -> String {
        let url = toml::Value::String(self.url.clone());
        let duration = crate::vocabulary::duration_str(self.duration.unwrap_or(DEFAULT_DURATION));
        let load = match (self.rate, self.concurrency) {
            (Some(rate), _) => format!("shape = {{ kind = \"constant\", rate = {rate} }}   # arrivals per second"),
            (None, users) => format!(
                "concurrency = {}   # users, each sending when its last response came",
                users.unwrap_or(DEFAULT_CONCURRENCY)
            ),
        };
        let command = crate::escape::escape_controls(command).replace('\n', " ");
        let client = match &self.preset {
            None => "name = \"default\"\n".to_string(),
            Some(preset) => {
                let word = toml::Value::String(preset.clone());
                format!("name = {word}\npreset = {word}   # `chaosload presets` lists its values; any knob here overrides\n")
            }
        };
        format!(
            "# Written by: {command}\n\
             # Run it again with `chaosload run FILE`; add [[client]]s, [[fault]]s and a [gate] to grow it.\n\
             name = \"adhoc\"\n\
             seed = 1\n\
             \n\
             [target]\n\
             url = {url}\n\
             \n\
             [[phase]]\n\
             name = \"main\"\n\
             duration = \"{duration}\"\n\
             {load}\n\
             \n\
             [[client]]\n\
             {client}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn an_ad_hoc_run_is_a_valid_scenario_of_what_was_asked() {
        let open = AdHoc {
            url: "http://127.0.0.1:8080/api?q=1".into(),
            rate: Some(500.0),
            concurrency: None,
            duration: Some(Duration::from_secs(30)),
            preset: None,
        };
        let plan = crate::scenario::parse(&open.scenario_text("chaosload run --url …"), Path::new("adhoc.toml"))
            .unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(plan.phases.len(), 1);
        assert_eq!(plan.phases[0].duration, Duration::from_secs(30));
        assert!(
            matches!(plan.phases[0].load, crate::scenario::Load::Open { shape: crate::scenario::Shape::Constant { rate }, .. } if rate == 500.0)
        );
        assert_eq!(plan.clients.len(), 1);
        assert_eq!((plan.clients[0].name.as_str(), plan.clients[0].preset), ("default", None));
        let go = AdHoc { preset: Some("go".into()), ..open.clone() };
        let plan = crate::scenario::parse(&go.scenario_text("x"), Path::new("adhoc.toml")).unwrap();
        assert_eq!((plan.clients[0].name.as_str(), plan.clients[0].preset), ("go", Some("go")));
        assert_eq!(plan.clients[0].pool_max_idle_per_host, 2, "the preset's values");
        // A quote in the URL stays inside its TOML string: the URL's own rule refuses it.
        let quoted = AdHoc { url: "http://127.0.0.1/\"x\n[target]".into(), ..open.clone() };
        let e = crate::scenario::parse(&quoted.scenario_text("x"), Path::new("adhoc.toml")).unwrap_err().to_string();
        assert!(e.contains("target.url: invalid URL") && !e.contains("TOML syntax"), "{e}");
        let closed = AdHoc { rate: None, concurrency: None, duration: None, ..open };
        let plan = crate::scenario::parse(&closed.scenario_text("x\ny"), Path::new("adhoc.toml")).unwrap();
        assert_eq!(plan.phases[0].duration, DEFAULT_DURATION);
        assert!(
            matches!(plan.phases[0].load, crate::scenario::Load::Closed { concurrency, .. } if concurrency == DEFAULT_CONCURRENCY as usize)
        );
    }
}
