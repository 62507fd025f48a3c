//! The `api-version` values the metadata service accepts, per endpoint category.

/// Every version the real service documents, oldest first (the order `/metadata/versions` uses).
pub(crate) const SUPPORTED_API_VERSIONS: [&str; 35] = [
    "2017-03-01",
    "2017-04-02",
    "2017-08-01",
    "2017-10-01",
    "2017-12-01",
    "2018-02-01",
    "2018-04-02",
    "2018-10-01",
    "2019-02-01",
    "2019-03-11",
    "2019-04-30",
    "2019-06-01",
    "2019-06-04",
    "2019-08-01",
    "2019-08-15",
    "2019-11-01",
    "2020-06-01",
    "2020-07-15",
    "2020-09-01",
    "2020-10-01",
    "2020-12-01",
    "2021-01-01",
    "2021-02-01",
    "2021-03-01",
    "2021-05-01",
    "2021-08-01",
    "2021-10-01",
    "2021-11-01",
    "2021-11-15",
    "2021-12-13",
    "2023-07-01",
    "2023-11-15",
    "2024-03-15",
    "2024-07-17",
    "2025-04-07",
];

/// The three newest versions, newest first, as the instance endpoints list them in errors.
pub(crate) const NEWEST_API_VERSIONS: [&str; 3] = ["2025-04-07", "2024-07-17", "2024-03-15"];

/// An endpoint category; each exists from a given version on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    /// `/metadata/instance`, introduced in 2017-04-02.
    Instance,
    /// `/metadata/identity`, introduced in 2018-02-01.
    Identity,
}

impl Category {
    /// The first version that serves this category.
    pub(crate) fn introduced_in(self) -> &'static str {
        match self {
            Self::Instance => "2017-04-02",
            Self::Identity => "2018-02-01",
        }
    }
}

/// Whether `version` is a documented version that serves `category`.
pub(crate) fn is_supported(version: &str, category: Category) -> bool {
    // Versions are ISO dates, so string order is date order.
    SUPPORTED_API_VERSIONS.contains(&version) && version >= category.introduced_in()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_accepts_the_versions_the_sdks_send() {
        assert!(is_supported("2018-02-01", Category::Identity));
        assert!(is_supported("2019-08-01", Category::Identity));
        assert!(is_supported("2025-04-07", Category::Identity));
    }

    #[test]
    fn identity_rejects_versions_before_the_category_existed() {
        assert!(!is_supported("2017-12-01", Category::Identity));
        assert!(is_supported("2017-12-01", Category::Instance));
        assert!(!is_supported("2017-03-01", Category::Instance));
    }

    #[test]
    fn unknown_versions_are_rejected() {
        assert!(!is_supported("2018-02-02", Category::Identity));
        assert!(!is_supported("", Category::Instance));
        assert!(!is_supported("latest", Category::Instance));
    }

    #[test]
    fn versions_are_listed_oldest_first_and_newest_match() {
        let mut sorted = SUPPORTED_API_VERSIONS;
        sorted.sort_unstable();
        assert_eq!(sorted, SUPPORTED_API_VERSIONS);
        let newest: Vec<&str> = SUPPORTED_API_VERSIONS
            .iter()
            .rev()
            .take(3)
            .copied()
            .collect();
        assert_eq!(newest, NEWEST_API_VERSIONS);
    }
}
