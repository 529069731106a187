//! Package ids: case-insensitive, kept as the publisher wrote them for display, stored and
//! addressed lowercased (nuget.org's rule: at most 100 characters, word characters separated
//! by single `.`, `-` or `_`).

use tributary_model::ServiceError;

/// The longest package id.
pub const MAX_ID_LEN: usize = 100;

/// Checks a package id as written.
pub fn validate(id: &str) -> Result<(), ServiceError> {
    let bad = |why: &str| {
        ServiceError::validation(format!("`{id}` is not a valid NuGet package id: {why}; e.g. `Contoso.Utilities`"))
    };
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(bad("it must have 1 to 100 characters"));
    }
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let separator = |b: u8| b == b'.' || b == b'-';
    let bytes = id.as_bytes();
    if !bytes.iter().all(|&b| word(b) || separator(b)) {
        return Err(bad("it holds only letters, digits, `.`, `-` and `_`"));
    }
    if separator(bytes[0])
        || separator(bytes[bytes.len() - 1])
        || bytes.windows(2).any(|w| separator(w[0]) && separator(w[1]))
    {
        return Err(bad("`.` and `-` only separate words"));
    }
    Ok(())
}

/// An id in normal form (lowercase): how packages are stored, found and compared.
pub fn normalize(id: &str) -> String {
    id.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for good in ["Newtonsoft.Json", "a", "My_Lib-2.Core", "x1"] {
            assert!(validate(good).is_ok(), "{good}");
        }
        for bad in ["", ".a", "a.", "a..b", "a/b", "a b", "ä", "../x", &"a".repeat(101)] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize("Newtonsoft.Json"), "newtonsoft.json");
    }
}
