//! The page kit shared by report.html and the comparison page: escaping, the page's start (with its
//! one stylesheet) and end, figures, colour swatches, table cells with deltas, and row-group headings.
//!
//! Everything here returns HTML; the numbers it shows come from [`super::metrics`] and
//! [`super::compare`].

use super::compare::{Better, Delta};
use super::metrics::Phase;
use super::palette::{client_color, css};
use crate::result::ClientResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1160px;padding:16px 24px 48px;color:#1f2328;line-height:1.45}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 8px;font-size:20px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{margin:24px 0 4px;font-size:16px}
.meta{color:#57606a;font-size:14px}.meta b{color:#1f2328;font-weight:600}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.error{background:#ffebe9;border:1px solid #cf222e;color:#82071e}
.banner.warn{background:#fff8c5;border:1px solid #bf8700;color:#633c01}
.banner.pass{background:#dafbe1;border:1px solid #1a7f37;color:#116329}
.verdict{border:2px solid #d0d7de;border-radius:6px;padding:6px 14px;margin:12px 0}
.verdict.won{border-color:#1a7f37}.verdict.tie{border-color:#9a6700}
.verdict h2{margin:4px 0}.verdict .headline{font-size:16px;font-weight:600}
.verdict li.evidence{color:#57606a;font-size:13px}
.sweep .headline{font-size:16px;font-weight:600}
.story{font-size:15px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px}
figure{margin:8px 0 20px}figcaption{font-size:13px;color:#57606a;margin-top:2px}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #d8dee4;padding:4px 8px;text-align:right;vertical-align:top}
td{white-space:nowrap}
th{background:#f6f8fa;font-weight:600}td.name,th.name{text-align:left;white-space:nowrap}
td.kinds{text-align:left;max-width:220px;white-space:normal}
.d{display:block;font-size:11px;color:#57606a}.d.noise{color:#8c959f}.better{color:#1a7f37}.worse{color:#cf222e}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
pre{background:#f6f8fa;padding:10px;overflow:auto;font-size:12px}
code{font-size:12px}td.wrap{text-align:left;white-space:normal;min-width:160px}
.st{display:inline-block;min-width:56px;padding:0 6px;border:1px solid;border-radius:4px;text-align:center;font-weight:700;font-size:12px}
.st.pass{background:#dafbe1;color:#116329;border-color:#1a7f37}.st.fail{background:#ffebe9;color:#82071e;border-color:#cf222e}
.st.nodata{background:#fff8c5;color:#633c01;border-color:#bf8700}.st.skip{background:#f6f8fa;color:#57606a;border-color:#8c959f}
tr.fails td{background:#fff5f5}
ul.verdicts{list-style:none;padding:0;font-size:14px}ul.verdicts li{margin:6px 0;padding:6px 10px;border-left:3px solid #d0d7de}
ul.verdicts li.fails{border-left-color:#cf222e;background:#fff5f5}.note{color:#633c01;margin-top:2px}
"#;

/// A page's start, through `<body>`: the title (escaped here) and the shared style, nothing loaded.
pub(super) fn page_start(title: &str) -> String {
    let mut out = String::with_capacity(512 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    );
    out
}

/// A page's end, after its last section.
pub(super) const PAGE_END: &str = "</body>\n</html>\n";

/// A figure: its title, a chart (an `<svg>`) and its caption, all three HTML already.
pub(super) fn figure(out: &mut String, title: &str, svg: &str, caption: &str) {
    let _ = writeln!(out, "<figure>\n<h3>{title}</h3>\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>");
}

/// A colour square matching series `i` in the charts.
pub(super) fn swatch(i: usize) -> String {
    format!("<span class=\"sw\" style=\"background:{}\"></span>", css(client_color(i)))
}

/// Milliseconds as whole or tenths of seconds: `10s`, `2.5s`.
pub(super) fn fmt_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// A change in % under a table value: green when better and red when worse beyond the noise,
/// grey (with a tooltip saying why) when within it or when the figure has no interval; `new`
/// from zero.
fn delta_span(d: &Delta, better: Better) -> String {
    let text = if d.pct.is_none() { "new".to_string() } else { d.format_pct() };
    match (d.verdict(better), d.beyond_noise) {
        (Some(good), _) => format!(
            "<span class=\"d {}\" title=\"beyond the noise: the 95% intervals do not overlap\">{text}</span>",
            if good { "better" } else { "worse" }
        ),
        (None, Some(false)) => {
            format!("<span class=\"d noise\" title=\"within the noise: the 95% intervals overlap\">{text}</span>")
        }
        (None, _) => format!("<span class=\"d\" title=\"no interval to judge this change by\">{text}</span>"),
    }
}

/// A table cell: a value and, when there is a baseline, its change from it.
pub(super) fn value_cell(shown: &str, delta: Option<Delta>, better: Better) -> String {
    let d = delta.map(|d| delta_span(&d, better)).unwrap_or_default();
    format!("<td>{shown}{d}</td>")
}

/// Errors by kind, for a table cell: `http_503 4, reset 10`, or `—`.
pub(super) fn error_kinds(errors: &BTreeMap<String, u64>) -> String {
    let kinds: Vec<String> = errors.iter().map(|(k, v)| format!("{} {v}", esc(k))).collect();
    if kinds.is_empty() {
        "—".into()
    } else {
        kinds.join(", ")
    }
}

/// The `<h3>` heading of a row group: the phase's name, model, duration (and what was planned,
/// when a stop cut it short) and asked-for rate.
pub(super) fn phase_heading(phase: &Phase, first: &ClientResult) -> String {
    let model = phase.of(first).map(|p| {
        let rate = p.requested_rate.map(|x| format!(", {x:.1} arrivals/s asked")).unwrap_or_default();
        let planned = match p.planned_duration_ms {
            Some(planned) if planned != p.duration_ms => format!(" of {} planned", fmt_ms(planned)),
            _ => String::new(),
        };
        format!(" <span class=\"meta\">({} model, {}{planned}{rate})</span>", esc(&p.model), fmt_ms(p.duration_ms))
    });
    format!("{}{}", esc(phase.name()), model.unwrap_or_default())
}
