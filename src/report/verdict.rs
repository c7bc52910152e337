//! report.html's verdict, at the top of the page: which configuration won, by how much, why, and
//! whether the difference is larger than the noise (worded by [`crate::verdict`], as the terminal's).

use super::page::esc;
use crate::result::RunResult;
use std::fmt::Write as _;

/// The verdict box, or nothing when no configuration ran.
pub(super) fn section(out: &mut String, result: &RunResult) {
    let Some(verdict) = crate::verdict::judge(result) else { return };
    let _ = writeln!(
        out,
        "<section class=\"verdict {}\" id=\"verdict\">\n<h2>Verdict</h2>\n<p class=\"headline\">{}</p>",
        verdict.class(),
        esc(&verdict.headline)
    );
    if !verdict.evidence.is_empty() || !verdict.why.is_empty() {
        out.push_str("<ul>\n");
        for line in &verdict.why {
            let _ = writeln!(out, "<li class=\"why\">{}</li>", esc(line));
        }
        for line in &verdict.evidence {
            let _ = writeln!(out, "<li class=\"evidence\">{}</li>", esc(line));
        }
        out.push_str("</ul>\n");
    }
    if let Some(settings) = &verdict.settings {
        let _ = writeln!(out, "<p class=\"meta\">The configurations differ in: {}.</p>", esc(settings));
    }
    if result.interrupted {
        out.push_str("<p class=\"meta\">The run was interrupted: the verdict covers only what ran.</p>\n");
    }
    out.push_str("</section>\n");
}
