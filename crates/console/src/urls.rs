//! The console's addresses. Domain and repository names are path segments (their characters
//! need no escaping); package names, namespaces and versions travel as query parameters, since
//! they may hold `/` (Go modules), `@` and `:`.

use tributary_model::PackageFormat;

/// The console's root: the list of domains.
pub const HOME: &str = "/ui/";
/// The sign-in page.
pub const SIGN_IN: &str = "/ui/sign-in";
/// Signing out (POST).
pub const SIGN_OUT: &str = "/ui/sign-out";
/// The stylesheet.
pub const STYLESHEET: &str = "/ui/assets/console.css";

/// Percent-encodes `text` for a query string.
pub fn query_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Creating a domain (POST).
pub const CREATE_DOMAIN: &str = "/ui/domains";

/// A domain's page: its repositories.
pub fn domain(domain: &str) -> String {
    format!("/ui/d/{}", query_value(domain))
}

/// Creating a repository in `domain` (POST).
pub fn create_repository(domain: &str) -> String {
    format!("{}/repositories", self::domain(domain))
}

/// A repository's page.
pub fn repository(domain: &str, repository: &str) -> String {
    format!("{}/r/{}", self::domain(domain), query_value(repository))
}

/// Setting a repository's upstreams (POST).
pub fn upstreams(domain: &str, repository: &str) -> String {
    format!("{}/upstreams", self::repository(domain, repository))
}

/// Associating or removing a repository's external connection (POST).
pub fn connection(domain: &str, repository: &str) -> String {
    format!("{}/connection", self::repository(domain, repository))
}

/// A repository's packages.
pub fn packages(domain: &str, repository: &str) -> String {
    format!("{}/packages", self::repository(domain, repository))
}

/// A package of a repository: its versions.
pub fn package(domain: &str, repository: &str, format: PackageFormat, namespace: &str, name: &str) -> String {
    format!(
        "{}/package?format={format}&namespace={}&name={}",
        self::repository(domain, repository),
        query_value(namespace),
        query_value(name)
    )
}

/// A version of a package.
pub fn version(
    domain: &str,
    repository: &str,
    format: PackageFormat,
    namespace: &str,
    name: &str,
    version: &str,
) -> String {
    format!(
        "{}/version?format={format}&namespace={}&name={}&version={}",
        self::repository(domain, repository),
        query_value(namespace),
        query_value(name),
        query_value(version)
    )
}

/// Changing a version's status (POST).
pub fn version_status(domain: &str, repository: &str) -> String {
    format!("{}/version/status", self::repository(domain, repository))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_slashes_travel_in_the_query() {
        let url = version("d", "r", PackageFormat::Go, "github.com/acme", "widget/v2", "v2.0.0+incompatible");
        assert_eq!(
            url,
            "/ui/d/d/r/r/version?format=go&namespace=github.com%2Facme&name=widget%2Fv2&version=v2.0.0%2Bincompatible"
        );
    }
}
