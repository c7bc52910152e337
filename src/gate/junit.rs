//! The verdicts as a JUnit XML report (written by quick-junit): one test case per verdict, a
//! failure carrying the measured value, so any CI that reads JUnit shows which gate failed.

use super::verdict::{GateReport, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

/// The JUnit XML of `report`, for the run of scenario `scenario`.
pub fn render(report: &GateReport, scenario: &str) -> String {
    let mut suite = TestSuite::new(format!("chaosload gates: {scenario}"));
    for v in &report.verdicts {
        let status = match (v.status, v.fails_run) {
            (Status::Pass, _) => TestCaseStatus::success(),
            (Status::Fail, _) | (Status::InsufficientData, true) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(v.summary.clone())
                    .set_type(if v.status == Status::Fail { "gate failed" } else { "insufficient data" })
                    .set_description(format!("{} {}\n{}\nmethod: {}", v.key, v.condition, v.summary, v.method));
                status
            }
            (Status::InsufficientData, false) | (Status::Skipped, _) => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(v.summary.clone());
                status
            }
        };
        let mut case = TestCase::new(format!("{} {}", v.key, v.condition), status);
        case.set_classname(format!("chaosload.{scenario}"));
        let mut out = format!("{}\nscope: {}\nmethod: {}", v.summary, v.scope, v.method);
        if let Some(note) = &v.note {
            out.push_str(&format!("\nnote: {note}"));
        }
        case.set_system_out(out);
        suite.add_test_case(case);
    }
    let mut junit = Report::new("chaosload");
    junit.add_test_suite(suite);
    junit.to_string().expect("a report of strings serializes")
}
