//! `[target]`: the built-in mock or an http:// or https:// URL.

use super::diagnostic::Cx;
use crate::scenario::plan::Target;
use crate::scenario::raw::RawTarget;

impl Cx<'_> {
    pub(super) fn target(&mut self, raw: &RawTarget) -> Target {
        match (raw.mock, &raw.url) {
            (Some(true), Some(_)) => {
                self.error_hint("target.url", "mock = true and url are mutually exclusive", "keep one of them");
                Target::Mock
            }
            (Some(true), None) => Target::Mock,
            (_, Some(url)) => self.url(url).map_or(Target::Mock, Target::Url),
            (Some(false), None) => {
                self.error_hint(
                    "target.mock",
                    "mock = false and no url: nothing to send requests to",
                    "set mock = true for the built-in mock upstream, or url = \"http://host:port/path\"",
                );
                Target::Mock
            }
            (None, None) => {
                self.error_hint(
                    "target",
                    "[target] needs mock = true or url",
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                Target::Mock
            }
        }
    }

    fn url(&mut self, url: &str) -> Option<http::Uri> {
        const FIELD: &str = "target.url";
        let uri: http::Uri = match url.parse() {
            Ok(uri) => uri,
            Err(e) => {
                self.error_hint(
                    FIELD,
                    format!("invalid URL \"{url}\": {e}"),
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                return None;
            }
        };
        let (scheme, default_port) = match uri.scheme_str() {
            Some("http") => ("http", 80),
            Some("https") => ("https", 443),
            _ => {
                self.error_hint(
                    FIELD,
                    format!("\"{url}\" is not an http:// or https:// URL"),
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                return None;
            }
        };
        let host = uri.host().unwrap_or_default();
        if host.is_empty() {
            self.error_hint(FIELD, format!("\"{url}\" has no host"), "e.g. url = \"http://127.0.0.1:8080/api\"");
            return None;
        }
        let authority = format!("{host}:{}", uri.port_u16().unwrap_or(default_port));
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        http::Uri::builder().scheme(scheme).authority(authority).path_and_query(path).build().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn targets() {
        let target = |body: &str| {
            format!("name = \"t\"\n[target]\n{body}\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n")
        };
        assert_eq!(
            ok(&target("url = \"http://example.com:8080\"")).target,
            Target::Url("http://example.com:8080/".parse().unwrap())
        );
        assert_eq!(
            ok(&target("mock = false\nurl = \"http://h/x\"")).target,
            Target::Url("http://h:80/x".parse().unwrap())
        );
        assert_eq!(ok(&target("url = \"https://h/x\"")).target, Target::Url("https://h:443/x".parse().unwrap()));
        assert_eq!(ok(&target("url = \"https://h:8443/\"")).target, Target::Url("https://h:8443/".parse().unwrap()));
        assert_eq!(
            errs(&target("url = \"ftp://h/\"")),
            ["3:7 target.url: \"ftp://h/\" is not an http:// or https:// URL"]
        );
        assert_eq!(
            errs(&target("url = \"/just/a/path\"")),
            ["3:7 target.url: \"/just/a/path\" is not an http:// or https:// URL"]
        );
        assert_eq!(errs(&target("url = \"http://\"")), ["3:7 target.url: invalid URL \"http://\": empty string"]);
        assert_eq!(
            errs(&target("mock = true\nurl = \"http://h\"")),
            ["4:7 target.url: mock = true and url are mutually exclusive"]
        );
        assert_eq!(
            errs(&target("mock = false")),
            ["3:8 target.mock: mock = false and no url: nothing to send requests to"]
        );
        assert_eq!(errs(&target("")), ["2:1 target: [target] needs mock = true or url"]);
        assert_eq!(
            errs("name = \"t\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n"),
            ["1:1 target: missing [target] section"]
        );
    }
}
