//! The query string of a metadata request, kept as ordered pairs so duplicates can be seen.

/// A parsed, percent-decoded query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses the raw query (`None` when the URL has no `?`).
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|raw| {
                url::form_urlencoded::parse(raw.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    /// The first value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first parameter name that occurs more than once: the service rejects such requests.
    pub(crate) fn first_duplicate(&self) -> Option<&str> {
        self.pairs
            .iter()
            .enumerate()
            .find_map(|(index, (name, _))| {
                self.pairs[..index]
                    .iter()
                    .any(|(earlier, _)| earlier == name)
                    .then_some(name.as_str())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_decoded() {
        let query = QueryParams::parse(Some(
            "resource=https%3A%2F%2Fvault.azure.net&api-version=2018-02-01",
        ));
        assert_eq!(query.get("resource"), Some("https://vault.azure.net"));
        assert_eq!(query.get("api-version"), Some("2018-02-01"));
        assert_eq!(query.get("client_id"), None);
        assert_eq!(query.first_duplicate(), None);
    }

    #[test]
    fn duplicate_names_are_found() {
        let query = QueryParams::parse(Some("a=1&resource=x&b=2&resource=y"));
        assert_eq!(query.first_duplicate(), Some("resource"));
        assert_eq!(query.get("resource"), Some("x"));
    }

    #[test]
    fn missing_query_has_no_parameters() {
        let query = QueryParams::parse(None);
        assert_eq!(query.get("api-version"), None);
        assert_eq!(query.first_duplicate(), None);
    }
}
