//! report.html in a real browser: headless Chromium renders the report of a fixed, committed
//! result, takes a screenshot, measures every chart, every event marker and error bar, and the
//! gates section in the DOM, and a deliberately broken copy proves the checks catch what they look
//! for. `sweep_problems` checks a run's sweep sections the same way (tests/it/sweep.rs).
//!
//! Needs Chromium (`chromium` or `chromium-browser` on PATH, or `CHAOSLOAD_CHROMIUM`). Without it
//! the test is skipped with a note, except under CI (`CI` set), where `.ci/run` installs it and a
//! missing browser is a failure.

use crate::support::{exclusive, scratch};
use chaosload::gate::{GateReport, Status};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The result the report is rendered from: a real 4-second run of tests/fixtures/browser.toml
/// (which says how to regenerate it), committed so the page is the same on every run.
const FIXTURE: &str = "tests/fixtures/result.json";

/// A hung browser must fail the test, not hang CI.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);

/// Smallest size of a rendered chart, in CSS pixels, in either direction.
const MIN_CHART_PX: f64 = 50.0;

/// Fewest SVG elements (lines, paths, text…) a chart may have: the smallest chart of the fixture
/// has over 30 (axes, ticks, labels, one line per configuration).
const MIN_CHART_SHAPES: f64 = 20.0;

/// Smallest box of a rendered event marker (a glyph about 12 SVG pixels across), in CSS pixels.
const MIN_MARKER_PX: f64 = 4.0;

/// Smallest height of a rendered error bar, in CSS pixels: the report draws any second with an
/// error at least 3 SVG pixels tall, and the page scales a chart down a little at most.
const MIN_ERROR_BAR_PX: f64 = 2.0;

/// The charts over time that carry event markers.
const MARKED_CHARTS: [&str; 2] = ["chart-latency-time", "chart-throughput"];

/// A screenshot of a near-empty page at 1300×4000 is about 23 KB of PNG; the report with its
/// charts is over 300 KB. Anything below this is a blank or broken render.
const MIN_SCREENSHOT_BYTES: u64 = 100_000;

const WINDOW: (u32, u32) = (1300, 4000);

/// The element the probe writes its measurements into, as JSON.
const PROBE_ID: &str = "chaosload-browser-check";

/// Injected into a scratch copy of the report, never into the shipped one (which has no
/// scripts). It records every page error from the moment it runs, and on `load` measures every
/// `<svg>` (each chart is one, inside a `<figure>`) and the gates section (its box and its text as
/// rendered) and every event marker and error bar (`.marker`, `.error-bar`: their box, chart and
/// kind) and every sweep section (its box, text, points and winner marks) into
/// `<pre id="chaosload-browser-check">`.
/// Errors after `load` rewrite the record, so a late error is not lost. `<`, `>`, `&` and
/// no-break spaces are written as JSON `\u` escapes, so the dumped DOM holds the JSON verbatim.
const PROBE: &str = r#"<script>
(function () {
  var errors = [], loaded = false;
  function note(kind, text) { errors.push(kind + ": " + text); if (loaded) write(); }
  window.addEventListener("error", function (e) {
    var t = e.target, url = t && (t.src || t.href);
    note("error", e.message || (url ? "failed to load " + url : String(e)));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { note("unhandledrejection", String(e.reason)); });
  window.addEventListener("securitypolicyviolation", function (e) { note("csp", e.violatedDirective + " " + e.blockedURI); });
  ["error", "warn"].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      note("console." + level, Array.prototype.map.call(arguments, String).join(" "));
      return original.apply(console, arguments);
    };
  });
  function measure() {
    return Array.prototype.map.call(document.querySelectorAll("svg"), function (svg) {
      var r = svg.getBoundingClientRect();
      return {
        id: svg.id, width: r.width, height: r.height, left: r.left, right: r.right, top: r.top, in_figure: !!svg.closest("figure"),
        shapes: svg.querySelectorAll("path,polyline,polygon,rect,line,circle,text").length
      };
    });
  }
  function boxes(selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (m) {
      var r = m.getBoundingClientRect(), svg = m.closest("svg"), s = svg.getBoundingClientRect();
      var title = m.querySelector("title");
      return {
        chart: svg.id, kind: m.getAttribute("data-kind") || "", value: m.getAttribute("data-value") || "",
        panel: m.getAttribute("data-panel") || "", width: r.width, height: r.height,
        inside: r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1,
        title: title ? title.textContent : ""
      };
    });
  }
  function gates() {
    var section = document.getElementById("gates");
    if (!section) { return null; }
    var r = section.getBoundingClientRect();
    return { width: r.width, height: r.height, top: r.top, right: r.right, text: section.innerText };
  }
  function sweeps() {
    return Array.prototype.map.call(document.querySelectorAll("section.sweep"), function (section) {
      var r = section.getBoundingClientRect();
      return {
        id: section.id, width: r.width, height: r.height, text: section.innerText,
        points: boxes('#' + section.id + " svg .sweep-point"), winners: boxes('#' + section.id + " svg .sweep-winner")
      };
    });
  }
  function write() {
    var pre = document.getElementById("PROBE_ID");
    if (!pre) { pre = document.createElement("pre"); pre.id = "PROBE_ID"; document.body.appendChild(pre); }
    var json = JSON.stringify({
      viewport_width: document.documentElement.clientWidth, charts: measure(), gates: gates(),
      markers: boxes("svg .marker"), error_bars: boxes("svg .error-bar"), sweeps: sweeps(), errors: errors
    });
    pre.textContent = json.replace(/[<>&\u00a0]/g, function (c) { return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4); });
  }
  window.addEventListener("load", function () { loaded = true; write(); });
})();
</script>
"#;

/// Breaks a probed copy in every way the checks look for: a console error, an uncaught
/// exception, a chart removed, a chart collapsed to zero size, a chart wider than the window, the
/// gates section hidden, every cold-start marker hidden and an error bar flattened.
const SABOTAGE: &str = r#"<script>
console.error("negative control: console.error");
setTimeout(function () { throw new Error("negative control: uncaught"); }, 0);
document.addEventListener("DOMContentLoaded", function () {
  var svgs = document.querySelectorAll("svg");
  svgs[0].remove();
  svgs[1].style.display = "none";
  svgs[2].style.maxWidth = "none";
  svgs[2].style.width = "4000px";
  document.getElementById("gates").style.display = "none";
  document.querySelectorAll(".marker[data-kind=cold-start]").forEach(function (m) { m.style.display = "none"; });
  document.querySelectorAll(".error-bar")[0].querySelectorAll("rect").forEach(function (r) { r.setAttribute("height", "0"); });
});
</script>
"#;

#[test]
fn report_renders_in_chromium_with_every_chart_and_no_errors() {
    let Some(exe) = chromium() else {
        return;
    };
    let dir = scratch("browser");
    let report = render_fixture(&dir);
    let html = std::fs::read_to_string(&report).unwrap();
    // The probe's console hooks and the "any console line fails" rule rely on the shipped page
    // running no script of its own.
    assert!(!html.to_lowercase().contains("<script"), "report.html now carries a script; extend this test");
    let expected = html.matches("<svg").count();
    assert!(html.contains("<svg id=\"chart-cohort-3\""), "the fixture's slowloris cohort is charted");
    let floor = charts_with_data(FIXTURE);
    assert!(expected >= floor, "report.html has {expected} charts, but the result has data for {floor}");
    let gates = fixture_gates(FIXTURE);
    assert!(html.contains("<section id=\"gates\">"), "the fixture's gates have a section");
    let marks = Marks::of(&html, FIXTURE);

    // Chromium keeps both cores of this small machine busy for a few seconds; timing tests that
    // generate load would read that as latency.
    let _serial = exclusive();
    let started = Instant::now();
    let browser = Chromium { exe, dir: dir.clone() };

    // The shipped page itself, as a user sees it.
    let png = dir.join("report.png");
    let shot = browser.run("screenshot", &[format!("--screenshot={}", png.display())], &report);
    check_screenshot(&png);
    let console = console_lines(&shot.stderr);
    assert!(console.is_empty(), "the page logged to the console:\n{}", console.join("\n"));

    // A probed copy, measured in the DOM.
    let probed = dir.join("report-probed.html");
    std::fs::write(&probed, inject(&html, PROBE)).unwrap();
    let problems = inspect(&browser, "probed", &probed, expected, &gates, &marks);
    assert!(problems.is_empty(), "report.html in Chromium:\n  {}", problems.join("\n  "));

    // Negative control: the same checks on a broken copy must find every breakage, so a check
    // that silently stopped working (a probe that never ran, a log format Chromium changed)
    // fails here instead of passing above.
    let broken = dir.join("report-broken.html");
    std::fs::write(&broken, inject(&html, &format!("{PROBE}{SABOTAGE}"))).unwrap();
    let found = inspect(&browser, "broken", &broken, expected, &gates, &marks).join("\n");
    for wanted in [
        "chart-throughput: a cold-start marker has no visible box",
        "chart-throughput: no cold-start marker is shown",
        "error bar of chart-throughput is only 0 px tall",
        &format!("{expected} charts expected, {} rendered", expected - 1)[..],
        "has zero size",
        "extends past the window",
        "the gates section is not shown",
        "page error: console.error: negative control: console.error",
        "page error: error: Uncaught Error: negative control: uncaught",
        "console line: ",
        "\"negative control: console.error\"",
        "Uncaught Error: negative control: uncaught",
    ] {
        assert!(found.contains(wanted), "the broken copy was not caught ({wanted:?} missing); found:\n{found}");
    }
    eprintln!(
        "browser: {expected} charts, {} markers, {} error bars and {} gate verdicts checked in {:.1?}; screenshot {}",
        marks.markers,
        marks.error_bars,
        gates.verdicts.len(),
        started.elapsed(),
        png.display()
    );
}

/// Breaks a probed copy's sweep figure: its first point hidden.
const SWEEP_SABOTAGE: &str = r#"<script>
document.addEventListener("DOMContentLoaded", function () {
  document.querySelector(".sweep-point").style.display = "none";
});
</script>
"#;

/// What is wrong with the sweep sections of `report` (a run's report.html beside its result.json)
/// in Chromium: each sweep of the result must have its section shown, naming its knob, with a
/// visible point inside its chart for each value that ran in both panels, the winner's mark in
/// both panels or in neither, and no page errors. `None` when Chromium is absent (see
/// [`chromium`]). A broken copy must be caught, or the checks themselves are broken. The caller
/// holds [`exclusive`] (Chromium keeps both cores busy).
pub(crate) fn sweep_problems(report: &Path) -> Option<Vec<String>> {
    let exe = chromium()?;
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.with_file_name("result.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(report).unwrap();
    let dir = scratch("browser-sweep");
    let browser = Chromium { exe, dir: dir.clone() };
    let check = |name: &str, script: &str| -> Vec<String> {
        let page = dir.join(format!("{name}.html"));
        std::fs::write(&page, inject(&html, script)).unwrap();
        let run = browser.run(name, &["--dump-dom".to_string(), "--virtual-time-budget=5000".to_string()], &page);
        let Some(record) = probe_record(&run.stdout) else {
            return vec![format!("the probe wrote no #{PROBE_ID}; stderr:\n{}", run.stderr)];
        };
        let mut problems: Vec<String> =
            record["errors"].as_array().into_iter().flatten().map(|e| format!("page error: {e}")).collect();
        let shown = record["sweeps"].as_array().cloned().unwrap_or_default();
        let ran: Vec<&str> =
            result["clients"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
        for sweep in result["sweeps"].as_array().into_iter().flatten() {
            let id = format!("sweep-{}", sweep["client"].as_str().unwrap());
            let Some(section) = shown.iter().find(|s| s["id"] == id.as_str()) else {
                problems.push(format!("no section #{id}"));
                continue;
            };
            let num = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(0.0);
            if num(section, "width") < MIN_CHART_PX || num(section, "height") < MIN_CHART_PX {
                problems.push(format!("#{id} is not shown ({}×{} px)", num(section, "width"), num(section, "height")));
                continue;
            }
            let knob = sweep["knob"].as_str().unwrap();
            if !section["text"].as_str().unwrap_or_default().contains(knob) {
                problems.push(format!("#{id} does not name its knob {knob}"));
            }
            let points = section["points"].as_array().cloned().unwrap_or_default();
            let values = sweep["values"].as_array().unwrap().iter().zip(sweep["members"].as_array().unwrap());
            for (value, member) in values.filter(|(_, m)| ran.contains(&m.as_str().unwrap())) {
                for panel in ["errors", "p99"] {
                    let visible = points.iter().any(|p| {
                        p["value"] == *value
                            && p["panel"] == panel
                            && p["inside"] == true
                            && num(p, "width") >= MIN_MARKER_PX
                            && num(p, "height") >= MIN_MARKER_PX
                            && p["title"].as_str().unwrap_or_default().contains(member.as_str().unwrap())
                    });
                    if !visible {
                        problems.push(format!("#{id}: the {panel} point of {value} is not shown"));
                    }
                }
            }
            let winners = section["winners"].as_array().map_or(0, Vec::len);
            if winners != 0 && winners != 2 {
                problems.push(format!("#{id}: the winner is marked {winners} times, not in both panels"));
            }
        }
        problems
    };
    let problems = check("sweep-probed", PROBE);
    let caught = check("sweep-broken", &format!("{PROBE}{SWEEP_SABOTAGE}")).join("\n");
    if let Some(first) = result["sweeps"].as_array().and_then(|s| s.first()) {
        let id = format!("sweep-{}", first["client"].as_str().unwrap());
        let hidden = format!("#{id}: the errors point of {} is not shown", first["values"][0]);
        assert!(caught.contains(&hidden), "the broken copy was not caught ({hidden}): {caught}");
    }
    Some(problems)
}

/// Renders the fixture with `chaosload report`, as a user would, into `dir`.
fn render_fixture(dir: &Path) -> PathBuf {
    let result = dir.join("result.json");
    std::fs::copy(FIXTURE, &result).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_chaosload")).arg("report").arg(&result).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "chaosload report: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    // It prints the path it chose (report.html beside the result, never overwriting one).
    let path = stdout.lines().find_map(|l| l.strip_prefix("report: ")).expect("report prints its path");
    PathBuf::from(path.trim())
}

/// How many charts the result has data for: latency over time, throughput and connections
/// always, a percentile chart for each histogram (latency, connect time, time to first byte)
/// that some configuration recorded, and one per slow-client cohort some configuration
/// recorded. New charts may come; these must not go.
fn charts_with_data(path: &str) -> usize {
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let clients = result["clients"].as_array().expect("clients");
    let recorded = |hist: &str| clients.iter().any(|c| c["total"][hist]["count"].as_u64().unwrap_or(0) > 0);
    let cohorts: std::collections::BTreeSet<u64> = clients
        .iter()
        .flat_map(|c| c["cohorts"].as_array().into_iter().flatten())
        .filter_map(|k| k["fault"].as_u64())
        .collect();
    3 + ["latency", "connect_time", "time_to_first_byte"].into_iter().filter(|h| recorded(h)).count() + cohorts.len()
}

/// The verdicts the fixture's run reached (result.json's `gates`), which the page must show. The
/// fixture has gates of every outcome: PASS, FAIL, NO DATA and SKIP.
fn fixture_gates(path: &str) -> GateReport {
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let report: GateReport = serde_json::from_value(result["gates"].clone()).expect("the fixture has gates");
    for status in [Status::Pass, Status::Fail, Status::InsufficientData, Status::Skipped] {
        assert!(
            report.verdicts.iter().any(|v| v.status == status),
            "the fixture has no {} verdict: regenerate it from tests/fixtures/browser.toml",
            status.label()
        );
    }
    report
}

/// The event markers and error bars report.html must show.
struct Marks {
    /// How many of each the page holds.
    markers: usize,
    error_bars: usize,
    /// The marker kinds (`data-kind`) the fixture's result has events of, which each chart over time
    /// must show.
    kinds: std::collections::BTreeSet<&'static str>,
}

impl Marks {
    /// What `html`, the report of the result at `path`, must show. The fixture has events of every
    /// kind, so each kind's glyph is measured.
    fn of(html: &str, path: &str) -> Marks {
        let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let clients = result["clients"].as_array().expect("clients");
        let sum = |list: &str, field: &str| -> u64 {
            clients
                .iter()
                .flat_map(|c| c[list].as_array().into_iter().flatten())
                .map(|s| s[field].as_u64().unwrap_or(0))
                .sum()
        };
        let windows = result["faults"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["windows"].as_array().is_some_and(|w| !w.is_empty()));
        let kinds: std::collections::BTreeSet<&'static str> = [
            ("fault-on", windows),
            ("fault-off", windows),
            ("cold-start", sum("mock_timeline", "cold_starts") > 0),
            ("freeze", sum("mock_timeline", "freezes") > 0),
            ("frozen-hit", sum("mock_timeline", "frozen_connection_hits") > 0),
            ("retry", sum("timeline", "retries") > 0),
        ]
        .into_iter()
        .filter_map(|(kind, has)| has.then_some(kind))
        .collect();
        assert_eq!(
            kinds.len(),
            6,
            "the fixture lacks some marker kind ({kinds:?}): regenerate it from tests/fixtures/browser.toml"
        );
        let error_bars = html.matches("<g class=\"error-bar\"").count();
        assert!(error_bars > 0, "the fixture's errors are drawn");
        Marks { markers: html.matches("<g class=\"marker\"").count(), error_bars, kinds }
    }

    /// What is wrong with the markers and error bars the probe measured: too few rendered, a box
    /// too small or outside its chart, a kind of the result's missing from a chart over time, a
    /// tooltip without its count, an error bar too flat to see.
    fn problems(&self, markers: &[serde_json::Value], bars: &[serde_json::Value]) -> Vec<String> {
        let mut problems = Vec::new();
        let num = |m: &serde_json::Value, k: &str| m[k].as_f64().unwrap_or(0.0);
        let text = |m: &serde_json::Value, k: &str| m[k].as_str().unwrap_or_default().to_string();
        if markers.len() != self.markers {
            problems.push(format!("{} event markers expected, {} rendered", self.markers, markers.len()));
        }
        for m in markers {
            let (chart, kind) = (text(m, "chart"), text(m, "kind"));
            if num(m, "width") < MIN_MARKER_PX || num(m, "height") < MIN_MARKER_PX {
                problems.push(format!(
                    "{chart}: a {kind} marker has no visible box ({}×{} px)",
                    num(m, "width"),
                    num(m, "height")
                ));
            } else if m["inside"] != true {
                problems.push(format!("{chart}: a {kind} marker lies outside its chart"));
            }
            if !text(m, "title").chars().any(|c| c.is_ascii_digit()) {
                problems.push(format!("{chart}: a {kind} marker's tooltip has no count: {:?}", text(m, "title")));
            }
        }
        for chart in MARKED_CHARTS {
            for kind in &self.kinds {
                let shown = markers.iter().any(|m| {
                    text(m, "chart") == chart
                        && text(m, "kind") == *kind
                        && num(m, "width") >= MIN_MARKER_PX
                        && num(m, "height") >= MIN_MARKER_PX
                });
                if !shown {
                    problems.push(format!("{chart}: no {kind} marker is shown"));
                }
            }
        }
        if bars.len() != self.error_bars {
            problems.push(format!("{} error bars expected, {} rendered", self.error_bars, bars.len()));
        }
        for b in bars {
            if num(b, "height") < MIN_ERROR_BAR_PX {
                problems.push(format!("an error bar of {} is only {} px tall", text(b, "chart"), num(b, "height")));
            }
        }
        problems
    }
}

/// The page with `script` placed just before `</head>`: after the charset and style, before any
/// content, so it sees every error the body causes.
fn inject(html: &str, script: &str) -> String {
    assert_eq!(html.matches("</head>").count(), 1, "report.html has one </head>");
    html.replacen("</head>", &format!("{}</head>", script.replace("PROBE_ID", PROBE_ID)), 1)
}

/// Loads a probed page, and returns every problem found: missing, empty, collapsed or
/// overflowing charts, a gates section missing, hidden, below a chart, overflowing or not showing
/// every verdict of `gates`, markers or error bars missing or invisible (`marks`), errors the
/// probe recorded, and console lines Chromium logged.
fn inspect(
    browser: &Chromium,
    name: &str,
    page: &Path,
    expected: usize,
    gates: &GateReport,
    marks: &Marks,
) -> Vec<String> {
    // Virtual time lets `load` fire and timers run before the DOM is dumped, without waiting.
    let run = browser.run(name, &["--dump-dom".to_string(), "--virtual-time-budget=5000".to_string()], page);
    let mut problems: Vec<String> =
        console_lines(&run.stderr).into_iter().map(|l| format!("console line: {l}")).collect();
    let Some(check) = probe_record(&run.stdout) else {
        problems.push(format!("the probe wrote no #{PROBE_ID}: it did not run; stderr:\n{}", run.stderr));
        return problems;
    };
    let charts = check["charts"].as_array().expect("charts");
    if charts.len() != expected {
        problems.push(format!("{expected} charts expected, {} rendered", charts.len()));
    }
    let viewport = check["viewport_width"].as_f64().unwrap_or(0.0);
    for c in charts {
        let num = |k: &str| c[k].as_f64().unwrap_or(0.0);
        let id = c["id"].as_str().unwrap_or("?");
        if num("width") < MIN_CHART_PX || num("height") < MIN_CHART_PX {
            problems.push(format!("chart {id} has zero size ({}×{} px)", num("width"), num("height")));
        } else if num("shapes") < MIN_CHART_SHAPES {
            // Plotters fills the background, so the drawing's bounding box is always the whole
            // chart; the number of elements drawn is what tells an empty chart.
            problems.push(format!("chart {id} is empty: {c}"));
        }
        if num("left") < 0.0 || num("right") > viewport + 1.0 {
            problems.push(format!(
                "chart {id} extends past the window ({}..{} of {viewport} px)",
                num("left"),
                num("right")
            ));
        }
        if c["in_figure"] != true {
            problems.push(format!("chart {id} is not in a <figure>"));
        }
    }
    problems.extend(gates_problems(&check["gates"], charts, viewport, gates));
    let list = |k: &str| check[k].as_array().cloned().unwrap_or_default();
    problems.extend(marks.problems(&list("markers"), &list("error_bars")));
    for e in check["errors"].as_array().expect("errors") {
        problems.push(format!("page error: {}", e.as_str().unwrap_or_default()));
    }
    problems
}

/// What is wrong with the gates section as the probe measured it (`section`): it must be shown,
/// above every chart, within the window, and its rendered text must carry the banner and every
/// verdict's status word, key and condition.
fn gates_problems(
    section: &serde_json::Value,
    charts: &[serde_json::Value],
    viewport: f64,
    gates: &GateReport,
) -> Vec<String> {
    if section.is_null() {
        return vec!["the gates section is missing".to_string()];
    }
    let num = |k: &str| section[k].as_f64().unwrap_or(0.0);
    if num("height") < MIN_CHART_PX || num("width") < MIN_CHART_PX {
        return vec![format!("the gates section is not shown ({}×{} px)", num("width"), num("height"))];
    }
    let mut problems = Vec::new();
    if let Some(chart) = charts.iter().find(|c| c["top"].as_f64().unwrap_or(0.0) < num("top")) {
        problems.push(format!("the gates section is below chart {}", chart["id"]));
    }
    if num("right") > viewport + 1.0 {
        problems.push(format!("the gates section extends past the window ({} of {viewport} px)", num("right")));
    }
    let text = section["text"].as_str().unwrap_or_default();
    let banner = if gates.passed { "Gates PASSED" } else { "Gates FAILED" };
    let mut wanted = vec![banner.to_string()];
    for v in &gates.verdicts {
        wanted.extend([v.status.label().to_string(), v.key.clone(), v.condition.clone()]);
    }
    for w in wanted {
        if !text.contains(&w) {
            problems.push(format!("the gates section does not show {w:?}: {text}"));
        }
    }
    problems
}

/// The probe's JSON from a dumped DOM.
fn probe_record(dom: &str) -> Option<serde_json::Value> {
    let open = format!("<pre id=\"{PROBE_ID}\">");
    let start = dom.find(&open)? + open.len();
    let end = dom[start..].find("</pre>")? + start;
    Some(serde_json::from_str(&dom[start..end]).expect("the probe writes JSON"))
}

/// Lines Chromium logged for the page's console (`…:INFO:CONSOLE:1] "text", source: file://…`,
/// `CONSOLE(1)` in older builds) or for an uncaught exception. Chromium logs every console level
/// as INFO, so every such line counts: the report runs no script, and the probe logs nothing,
/// so anything here is the browser complaining about the page. Its own noise (D-Bus, GPU,
/// sandbox) never matches.
fn console_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE(") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

/// The screenshot is a PNG of the window's size and too large to be a blank page.
fn check_screenshot(png: &Path) {
    let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24, "{} is not a PNG", png.display());
    // IHDR, the first chunk, holds width and height as big-endian u32s at bytes 16..24.
    let dim = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((dim(16), dim(20)), WINDOW, "screenshot size");
    assert!(
        bytes.len() as u64 >= MIN_SCREENSHOT_BYTES,
        "screenshot {} is only {} bytes: a blank or broken render",
        png.display(),
        bytes.len()
    );
}

/// Chromium's path, or `None` (after a note) when it is absent and the test may be skipped.
fn chromium() -> Option<PathBuf> {
    let found = match std::env::var_os("CHAOSLOAD_CHROMIUM") {
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .find(|candidate| candidate.is_file())
        }),
    };
    if found.is_none() {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        assert!(!ci, "no chromium on PATH (nor CHAOSLOAD_CHROMIUM) under CI: .ci/run should have installed it");
        eprintln!("browser: skipped, no chromium on PATH (install it, or set CHAOSLOAD_CHROMIUM=/path/to/chromium)");
    }
    found
}

struct Chromium {
    exe: PathBuf,
    dir: PathBuf,
}

struct Output {
    stdout: String,
    stderr: String,
}

impl Chromium {
    /// Opens `page` headless with a fresh profile and `extra` flags, and waits for it to exit,
    /// killing its whole process group after [`CHROMIUM_TIMEOUT`].
    fn run(&self, name: &str, extra: &[String], page: &Path) -> Output {
        let (out, err) = (self.dir.join(format!("{name}.stdout")), self.dir.join(format!("{name}.stderr")));
        let profile = self.dir.join(format!("profile-{name}"));
        let page = std::fs::canonicalize(page).unwrap();
        let mut child = Command::new(&self.exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                // No network here: without these Chromium keeps trying to reach Google's services.
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // The page's console messages and uncaught exceptions, on stderr.
                "--enable-logging=stderr",
                "--v=0",
                &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
                &format!("--user-data-dir={}", profile.display()),
            ])
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .stdin(Stdio::null())
            // Files rather than pipes: nothing blocks however much Chromium writes.
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            // Its own process group, so the renderer and GPU processes go with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.exe.display()));
        let deadline = Instant::now() + CHROMIUM_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // Also ends helpers that outlive the browser process; the group is ours alone. The
        // browser itself is killed directly too, in case `kill` is not on PATH.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).stderr(Stdio::null()).status();
        let _ = child.kill();
        let _ = child.wait();
        // A few MB per run, of no use afterwards; the page, logs and screenshot stay.
        let _ = std::fs::remove_dir_all(&profile);
        let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        let output = Output { stdout: read(&out), stderr: read(&err) };
        match status {
            None => panic!("chromium ({name}) still running after {CHROMIUM_TIMEOUT:?}; stderr:\n{}", output.stderr),
            Some(s) if !s.success() => panic!("chromium ({name}) exited with {s}; stderr:\n{}", output.stderr),
            Some(_) => output,
        }
    }
}
