//! Keyset pagination: `nextToken` is the last key of a page, opaque to clients (base64), so
//! pages stay stable under concurrent writes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tributary_model::ServiceError;

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The token for the next page, if there may be one.
    pub next_token: Option<String>,
}

/// The page size: `maxResults` from 1 to 1000, 100 when absent.
pub(crate) fn limit(max_results: Option<u32>) -> Result<u64, ServiceError> {
    match max_results {
        None => Ok(100),
        Some(n @ 1..=1000) => Ok(u64::from(n)),
        Some(n) => Err(ServiceError::validation(format!("`maxResults` is {n}; use a number from 1 to 1000"))),
    }
}

/// Encodes the key parts of the last item.
pub(crate) fn encode(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("\n"))
}

/// The refusal of a token this server did not issue.
pub(crate) fn invalid_token() -> ServiceError {
    ServiceError::validation("`nextToken` is not a token this server issued; start again without it")
}

/// Decodes a token into `n` key parts.
pub(crate) fn decode(token: &str, n: usize) -> Result<Vec<String>, ServiceError> {
    let bad = invalid_token;
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let parts: Vec<String> = text.split('\n').map(str::to_owned).collect();
    if parts.len() == n { Ok(parts) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusal() {
        let token = encode(&["d", "r"]);
        assert_eq!(decode(&token, 2).ok(), Some(vec!["d".to_owned(), "r".to_owned()]));
        assert!(decode(&token, 1).is_err());
        assert!(decode("***", 1).is_err());
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(1001)).is_err());
        assert_eq!(limit(None).ok(), Some(100));
    }
}
