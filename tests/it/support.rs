//! Helpers for integration tests: plans built in code, a lock so load tests never overlap on
//! this small machine, and scratch folders.

use chaosload::dist::Dist;
use chaosload::result::RunResult;
use chaosload::run::{self, RunOptions};
use chaosload::scenario::{ClientPlan, Load, MockPlan, PhasePlan, Plan, RequestPlan, Shape, Target};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

static LOAD: Mutex<()> = Mutex::new(());

/// Held by every test that generates load, so timings are not skewed by another test's load.
pub fn exclusive() -> MutexGuard<'static, ()> {
    LOAD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh, empty folder under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "chaosload-it-{}-{name}-{:?}",
        std::process::id(),
        std::time::Instant::now()
    ));
    let dir = PathBuf::from(dir.to_string_lossy().replace([' ', ':', '{', '}', ','], "_"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn constant(rate: f64, duration: Duration) -> PhasePlan {
    PhasePlan {
        name: "steady".into(),
        duration,
        load: Load::Open { shape: Shape::Constant { rate }, poisson: false, max_in_flight: 10_000 },
        request: RequestPlan::default(),
    }
}

/// A plan against the built-in mock with a fixed latency.
pub fn mock_plan(latency: Duration, phases: Vec<PhasePlan>, clients: Vec<ClientPlan>) -> Plan {
    Plan {
        name: "it".into(),
        seed: 7,
        source: "tests/it".into(),
        target: Target::Mock,
        mock: MockPlan { latency: Dist::Fixed(latency), ..MockPlan::default() },
        phases,
        clients,
        faults: Vec::new(),
        drain: Duration::from_secs(3),
        threads: 1,
    }
}

/// Runs a plan quietly into a scratch folder and returns its result.
pub fn run(plan: &Plan) -> RunResult {
    let mut options = RunOptions::new(scratch(&plan.name));
    options.progress = run::ProgressMode::Off;
    run::run(plan, &options).expect("run succeeds").result
}
