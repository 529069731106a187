//! npm's request paths below a repository endpoint, parsed into a [`Route`] before any handler
//! runs. Scoped names come as `@scope%2fname` (one segment) or `@scope/name` (two).

use percent_encoding::percent_decode_str;

/// What an npm request asks for. Names are as decoded from the path (`@scope/name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /-/ping`
    Ping,
    /// `GET /-/whoami`
    Whoami,
    /// `PUT /-/user/org.couchdb.user:{user}`: the whole segment, as the login parser reads it.
    Login { user: String },
    /// `GET /-/v1/search`
    Search,
    /// `GET /-/package/{name}/dist-tags`
    DistTags { name: String },
    /// `PUT` or `DELETE /-/package/{name}/dist-tags/{tag}`
    DistTag { name: String, tag: String },
    /// `GET` (packument) or `PUT` (publish, deprecate) `/{name}`
    Package { name: String },
    /// `PUT` or `DELETE /{name}/-rev/{rev}`
    PackageRevision { name: String, rev: String },
    /// `GET /{name}/{version or tag}`
    Version { name: String, version: String },
    /// `GET`, `HEAD` `/{name}/-/{file}`; `DELETE /{name}/-/{file}/-rev/{rev}`
    Tarball { name: String, file: String },
}

fn decode(segment: &str) -> Option<String> {
    percent_decode_str(segment).decode_utf8().ok().map(|s| s.into_owned())
}

/// Splits a package name off the front of `segments`: `name`, `@scope%2fname` or `@scope/name`.
fn take_name(segments: &[String]) -> Option<(String, &[String])> {
    let first = segments.first()?;
    if first.starts_with('@') && !first.contains('/') {
        let second = segments.get(1)?;
        Some((format!("{first}/{second}"), &segments[2..]))
    } else {
        Some((first.clone(), &segments[1..]))
    }
}

impl Route {
    /// The endpoint's name in metrics: the route and, where one route serves several, the method.
    pub fn name(&self, method: &str) -> &'static str {
        match (self, method) {
            (Self::Ping, _) => "ping",
            (Self::Whoami, _) => "whoami",
            (Self::Login { .. }, _) => "login",
            (Self::Search, _) => "search",
            (Self::DistTags { .. }, _) => "dist-tags",
            (Self::DistTag { .. }, "DELETE") => "dist-tag-remove",
            (Self::DistTag { .. }, _) => "dist-tag-set",
            (Self::Package { .. }, "PUT") => "publish",
            (Self::Package { .. }, _) => "packument",
            (Self::PackageRevision { .. }, "DELETE") => "unpublish",
            (Self::PackageRevision { .. }, _) => "revise",
            (Self::Version { .. }, _) => "version",
            (Self::Tarball { .. }, "DELETE") => "tarball-remove",
            (Self::Tarball { .. }, _) => "tarball",
        }
    }

    /// Parses the part of the path after `/npm/{domain}/{repository}/`, still percent-encoded.
    pub fn parse(tail: &str) -> Option<Self> {
        let segments: Vec<String> = tail.split('/').filter(|s| !s.is_empty()).map(decode).collect::<Option<_>>()?;
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["-", "ping"] => return Some(Self::Ping),
            ["-", "whoami"] => return Some(Self::Whoami),
            ["-", "v1", "search"] => return Some(Self::Search),
            ["-", "user", user] if user.starts_with("org.couchdb.user:") => {
                return Some(Self::Login { user: (*user).to_owned() });
            }
            ["-", "package", ..] => {
                let (name, rest) = take_name(&segments[2..])?;
                return match rest.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                    ["dist-tags"] => Some(Self::DistTags { name }),
                    ["dist-tags", tag] => Some(Self::DistTag { name, tag: (*tag).to_owned() }),
                    _ => None,
                };
            }
            ["-", ..] => return None,
            _ => {}
        }
        let (name, rest) = take_name(&segments)?;
        match rest.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => Some(Self::Package { name }),
            ["-rev", rev] => Some(Self::PackageRevision { name, rev: (*rev).to_owned() }),
            ["-", file] | ["-", file, "-rev", _] => Some(Self::Tarball { name, file: (*file).to_owned() }),
            // A scoped tarball path some clients send: `@scope/name/-/@scope/name-1.0.0.tgz`.
            ["-", scope, file] if scope.starts_with('@') => {
                Some(Self::Tarball { name, file: format!("{scope}/{file}") })
            }
            [version] => Some(Self::Version { name, version: (*version).to_owned() }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, Option<Route>)] = &[
            ("-/ping", Some(Route::Ping)),
            ("-/whoami", Some(Route::Whoami)),
            ("-/v1/search", Some(Route::Search)),
            ("-/user/org.couchdb.user:TKIA123", Some(Route::Login { user: "org.couchdb.user:TKIA123".into() })),
            ("-/user/org.couchdb.user%3ATKIA123", Some(Route::Login { user: "org.couchdb.user:TKIA123".into() })),
            ("-/user/TKIA123", None),
            ("lodash", Some(Route::Package { name: "lodash".into() })),
            ("@acme%2flib", Some(Route::Package { name: "@acme/lib".into() })),
            ("@acme%2Flib", Some(Route::Package { name: "@acme/lib".into() })),
            ("@acme/lib", Some(Route::Package { name: "@acme/lib".into() })),
            ("lodash/4.17.21", Some(Route::Version { name: "lodash".into(), version: "4.17.21".into() })),
            ("@acme/lib/latest", Some(Route::Version { name: "@acme/lib".into(), version: "latest".into() })),
            (
                "lodash/-/lodash-4.17.21.tgz",
                Some(Route::Tarball { name: "lodash".into(), file: "lodash-4.17.21.tgz".into() }),
            ),
            (
                "@acme/lib/-/lib-1.0.0.tgz",
                Some(Route::Tarball { name: "@acme/lib".into(), file: "lib-1.0.0.tgz".into() }),
            ),
            (
                "@acme%2flib/-/lib-1.0.0.tgz",
                Some(Route::Tarball { name: "@acme/lib".into(), file: "lib-1.0.0.tgz".into() }),
            ),
            (
                "lodash/-/lodash-1.0.0.tgz/-rev/3-abc",
                Some(Route::Tarball { name: "lodash".into(), file: "lodash-1.0.0.tgz".into() }),
            ),
            ("lodash/-rev/3-abc", Some(Route::PackageRevision { name: "lodash".into(), rev: "3-abc".into() })),
            ("-/package/@acme%2flib/dist-tags", Some(Route::DistTags { name: "@acme/lib".into() })),
            ("-/package/lib/dist-tags/beta", Some(Route::DistTag { name: "lib".into(), tag: "beta".into() })),
            ("-/nope", None),
            ("a/b/c/d", None),
            ("", None),
        ];
        for (tail, expected) in cases {
            assert_eq!(&Route::parse(tail), expected, "{tail}");
        }
    }
}
