//! report.html's gates section ([`super::gates`]) on verdicts [`crate::gate::evaluate`] reached on
//! the report fixture run ([`super::fixtures::report_run`]): where it sits, what it lists, how it
//! words passing and failing runs, and that names from the result are escaped.

use super::fixtures::{report_run, NAMES};
use super::page::esc;
use super::render;
use crate::gate::quantity::Unit;
use crate::gate::{evaluate, Baseline, Gate, GatePlan, GateReport, Names, OnInsufficient, Status, Verdict};
use crate::result::RunResult;

/// The fixture's fault gets a label with quotes, so a window-scoped key needs escaping too.
const LABEL: &str = "it's \"slow\"";

/// Gates on [`run`] of every outcome: three passes (`*`), a failed error rate (six overflows of
/// 1,006 requests), a failed relative p99 (the configuration at twice keep-alive's scale), no data
/// (the fixture's timeline seconds keep no histograms), a pass in the fault's window (keep-alive
/// has no errors) and a regress gate, skipped without a baseline.
const GATES: [(&str, &str); 6] = [
    ("*.p50", "< 1s"),
    ("a&b.error_rate", "< 0.1%"),
    ("<script>alert(1)</script>.p99", "< keep-alive.p99 * 0.5"),
    ("keep-alive.during.it's \"slow\".p50", "< 1s"),
    ("keep-alive.during.it's \"slow\".error_rate", "< 5%"),
    ("keep-alive.p99", "regress < 10%"),
];

/// The report fixture, not interrupted, its fault labelled [`LABEL`].
fn run() -> RunResult {
    let mut r = report_run();
    r.interrupted = false;
    r.faults[0].label = Some(LABEL.to_string());
    r
}

fn plan(r: &RunResult, gates: &[(&str, &str)], insufficient_data: OnInsufficient) -> GatePlan {
    let names = Names::of_result(r);
    let gates =
        gates.iter().map(|(k, c)| Gate::parse(k, c, &names).unwrap_or_else(|e| panic!("{k} = {c}: {e}"))).collect();
    GatePlan { gates, insufficient_data }
}

/// `r` with the verdicts of `gates` on it (and `baseline`), as `chaosload run` stores them.
fn judged(mut r: RunResult, gates: &[(&str, &str)], baseline: Option<&Baseline>) -> (RunResult, GateReport) {
    let report = evaluate(&plan(&r, gates, OnInsufficient::Fail), &r, baseline);
    r.gates = Some(report.clone());
    (r, report)
}

/// The `<section id="gates">…</section>` of `page`.
fn section(page: &str) -> &str {
    let start = page.find("<section id=\"gates\">").expect("a gates section");
    let end = page[start..].find("</section>\n").expect("the section closed") + start + "</section>\n".len();
    &page[start..end]
}

/// The table row of verdict `v`, found by its key and condition.
fn row<'p>(section: &'p str, v: &Verdict) -> &'p str {
    let cells = format!("<code>{}</code></td><td class=\"name\"><code>{}</code>", esc(&v.key), esc(&v.condition));
    let at = section.find(&cells).unwrap_or_else(|| panic!("no row for {} {}", v.key, v.condition));
    let start = section[..at].rfind("<tr").expect("a row");
    let end = section[at..].find("</tr>").expect("the row closed") + at;
    &section[start..end]
}

#[test]
fn the_fixture_gates_meet_every_outcome() {
    let (_, report) = judged(run(), &GATES, None);
    let status = |key: &str| report.verdicts.iter().find(|v| v.key == key).map(|v| v.status);
    assert_eq!(report.verdicts.len(), 8, "*.p50 is one verdict per configuration");
    for name in NAMES {
        assert_eq!(status(&format!("{name}.p50")), Some(Status::Pass));
    }
    assert_eq!(status("a&b.error_rate"), Some(Status::Fail));
    assert_eq!(status("<script>alert(1)</script>.p99"), Some(Status::Fail));
    assert_eq!(status("keep-alive.during.it's \"slow\".p50"), Some(Status::InsufficientData));
    assert_eq!(status("keep-alive.during.it's \"slow\".error_rate"), Some(Status::Pass));
    assert_eq!(status("keep-alive.p99"), Some(Status::Skipped));
    assert!(!report.passed);
}

/// Without gates the page has no section, and with them it is the same page plus the section.
#[test]
fn without_gates_the_page_is_as_before() {
    let plain = render(&run());
    assert!(!plain.contains("id=\"gates\""));
    assert!(!plain.contains("Gates"));
    let (gated, _) = judged(run(), &GATES, None);
    let page = render(&gated);
    let section = section(&page);
    assert_eq!(page.replacen(section, "", 1), plain, "the section is all the gates add");
}

/// The section comes right under the header, before the banners and "what happened", and holds a
/// row per verdict with its status word, measured value and interval.
#[test]
fn the_section_lists_every_verdict_under_the_header() {
    let (r, report) = judged(run(), &GATES, None);
    let page = render(&r);
    let at = page.find("<section id=\"gates\">").unwrap();
    assert_eq!(&page[page.find("</header>\n").unwrap() + "</header>\n".len()..at], "", "right under the header");
    assert!(at < page.find("<div class=\"banner warn\">").unwrap() && at < page.find("<h2>What happened").unwrap());
    let section = section(&page);
    assert_eq!(section.matches("<tr").count(), report.verdicts.len() + 1, "a row per verdict and the heading");
    for v in &report.verdicts {
        let row = row(section, v);
        assert!(row.contains(&format!(">{}</span>", v.status.label())), "{row}");
        match v.measured {
            Some(m) => assert!(row.contains(&format!("<td>{}", esc(&v.unit.format(m)))), "{row}"),
            None => assert!(row.contains("<td>—</td>"), "{row}"),
        }
        if let Some([lo, hi]) = v.interval {
            assert!(row.contains(&format!("95% {}–{}", v.unit.format(lo), v.unit.format(hi))), "{row}");
        }
        assert_eq!(row.starts_with("<tr class=\"fails\">"), v.fails_run, "{row}");
    }
    // The p50s shown are the run's own, as its summaries read them off the same histograms.
    for c in &r.clients {
        let v = report.verdicts.iter().find(|v| v.key == format!("{}.p50", c.name)).unwrap();
        assert!(row(section, v).contains(&format!("<td>{}", Unit::Us.format(c.total.latency.p50_us as f64))));
    }
    // The relative gate's threshold says what it came from.
    let relative = report.verdicts.iter().find(|v| v.condition.contains("keep-alive.p99")).unwrap();
    let against = relative.against.as_ref().expect("a relative gate's figure");
    assert!(row(section, relative).contains(&format!("from keep-alive.p99 {}", Unit::Us.format(against.value))));
    assert!(relative.margin.unwrap() < 0.0 && row(section, relative).contains("<span class=\"worse\">\u{2212}"));
}

#[test]
fn the_banner_counts_what_failed_the_run_and_names_the_exit_code() {
    let (r, report) = judged(run(), &GATES, None);
    let failing = report.failures().count();
    let section = section(&render(&r)).to_string();
    let banner = format!(
        "<div class=\"banner error\" id=\"gates-verdict\">Gates FAILED: {failing} of {} gates failed the run \
         (2 failed, 1 without enough data, which fails the run with insufficient_data = &quot;fail&quot;); so \
         chaosload run exited 1.</div>",
        report.verdicts.len()
    );
    assert!(section.contains(&banner), "{section}");
    assert!(section.contains("No baseline run was given (--baseline), so the regress gates were not judged."));
    // An interrupted run exited with the signal's code, not 1.
    let mut stopped = r.clone();
    stopped.interrupted = true;
    let page = render(&stopped);
    assert!(section_of(&page).contains("the run was interrupted, so chaosload run exited with the signal's code"));
    assert!(!section_of(&page).contains("exited 1"));
}

fn section_of(page: &str) -> String {
    section(page).to_string()
}

#[test]
fn a_run_that_passed_says_so_and_what_was_not_judged() {
    let passing = [("*.p50", "< 1s"), ("keep-alive.p99", "< 10s")];
    let (r, report) = judged(run(), &passing, None);
    assert!(report.passed);
    let section = section_of(&render(&r));
    assert!(
        section.contains("<div class=\"banner pass\" id=\"gates-verdict\">Gates PASSED: all 4 gates passed.</div>"),
        "{section}"
    );
    assert!(!section.contains("FAIL") && !section.contains("class=\"fails\""));
    // No data that only warns, and a regress gate without a baseline: passed, and said.
    let mut r = run();
    let gates =
        [("keep-alive.p99", "< 10s"), ("keep-alive.during.it's \"slow\".p50", "< 1s"), ("a&b.p99", "regress < 5%")];
    let report = evaluate(&plan(&r, &gates, OnInsufficient::Warn), &r, None);
    assert!(report.passed);
    r.gates = Some(report);
    let section = section_of(&render(&r));
    assert!(
        section.contains(
            "Gates PASSED: 1 of 3 gates passed; 1 without enough data (insufficient_data = &quot;warn&quot;: \
             reported, not failed), 1 skipped (not judged).</div>"
        ),
        "{section}"
    );
    assert!(section.contains(">NO DATA</span><span class=\"d\">warning only</span>"), "{section}");
    assert!(section.contains(">SKIP</span>"));
}

/// The details under the table: the verdicts that fail the run first, each with its summary and
/// method; notes beside their verdict.
#[test]
fn failures_come_first_in_the_details_with_their_method() {
    let (r, report) = judged(run(), &GATES, None);
    let section = section_of(&render(&r));
    let list = &section[section.find("<ul class=\"verdicts\">").expect("the details")..];
    let items: Vec<&str> = list.split("<li").skip(1).collect();
    assert_eq!(items.len(), report.verdicts.len());
    let failing = report.failures().count();
    assert!(items[..failing].iter().all(|i| i.starts_with(" class=\"fails\">")), "{list}");
    assert!(items[failing..].iter().all(|i| !i.contains("class=\"fails\"")), "{list}");
    for v in &report.verdicts {
        let item = items
            .iter()
            .find(|i| i.contains(&format!("<code>{}</code> <code>{}</code>", esc(&v.key), esc(&v.condition))))
            .unwrap_or_else(|| panic!("no item for {}", v.key));
        assert!(item.contains(&esc(&v.summary)), "{item}");
        if !v.method.is_empty() {
            assert!(item.contains(&format!("method: {}", esc(&v.method))), "{item}");
        }
        if let Some(note) = &v.note {
            assert!(item.contains(&format!("<b>Note:</b> {}", esc(note))), "{item}");
        }
    }
}

/// Configuration names, fault labels, conditions and the baseline's file name reach the page
/// escaped.
#[test]
fn names_from_the_result_are_escaped() {
    let base = run();
    let baseline = Baseline { result: &base, file: "base<&>\"1\".json".to_string() };
    let (r, report) = judged(run(), &GATES, Some(&baseline));
    let regress = report.verdicts.iter().find(|v| v.condition.starts_with("regress")).unwrap();
    assert_eq!(regress.status, Status::Pass, "the same run is its own baseline: {}", regress.summary);
    let page = render(&r);
    let section = section(&page);
    assert!(!page.to_lowercase().contains("<script"), "a name reached the page unescaped");
    for needle in [
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;.p99</code>",
        "<code>a&amp;b.error_rate</code>",
        "<code>keep-alive.during.it&#39;s &quot;slow&quot;.p50</code>",
        "<code>&lt; keep-alive.p99 * 0.5</code>",
        "the baseline <b>base&lt;&amp;&gt;&quot;1&quot;.json</b>, a run of <b>fixture &lt;&amp;&gt; &quot;quoted&quot;</b>",
    ] {
        assert!(section.contains(needle), "the section lacks {needle:?}");
    }
    assert!(!section.contains("it's \"slow\"") && !section.contains("a&b."));
}
