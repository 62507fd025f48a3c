//! Paging of list operations: `maxresults` (1 to 25, Key Vault's limits) and the `$skiptoken`
//! that the absolute `nextLink` carries. The token is the offset of the next item; clients
//! treat it as opaque and follow `nextLink` verbatim.

use crate::error::VaultError;

/// Key Vault's largest (and default) page.
const MAX_PAGE: usize = 25;

/// Which part of a list to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    offset: usize,
    size: usize,
}

impl Page {
    /// The page the query asks for.
    pub(crate) fn from_query(query: &[(String, String)]) -> Result<Self, VaultError> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let size = match param("maxresults") {
            None => MAX_PAGE,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|size| (1..=MAX_PAGE).contains(size))
                .ok_or_else(|| VaultError::BadParameter {
                    message: format!(
                        "Invalid value '{text}' for 'maxresults': it must be between 1 and \
                         {MAX_PAGE}."
                    ),
                })?,
        };
        let offset = match param("$skiptoken") {
            None => 0,
            Some(text) => text
                .parse::<usize>()
                .map_err(|_| VaultError::BadParameter {
                    message: "The '$skiptoken' is invalid.".to_owned(),
                })?,
        };
        Ok(Self { offset, size })
    }

    /// This page of `items`, and the next page's link (`{list_url}?api-version=..&$skiptoken=..`)
    /// if items are left after it.
    pub(crate) fn take<T>(
        self,
        items: Vec<T>,
        list_url: &str,
        api_version: &str,
    ) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let page: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(self.size)
            .collect();
        let next_offset = self.offset.saturating_add(self.size);
        let next_link = (next_offset < total).then(|| {
            format!(
                "{list_url}?api-version={api_version}&$skiptoken={next_offset}&maxresults={}",
                self.size
            )
        });
        (page, next_link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn pages_follow_each_other_until_the_items_run_out() {
        let items: Vec<u32> = (0..5).collect();
        let first = Page::from_query(&query(&[("maxresults", "2")])).expect("valid");
        let (page, next) = first.take(items.clone(), "http://h/kv/secrets", "7.4");
        assert_eq!(page, [0, 1]);
        assert_eq!(
            next.as_deref(),
            Some("http://h/kv/secrets?api-version=7.4&$skiptoken=2&maxresults=2")
        );
        let last =
            Page::from_query(&query(&[("$skiptoken", "4"), ("maxresults", "2")])).expect("valid");
        let (page, next) = last.take(items, "http://h/kv/secrets", "7.4");
        assert_eq!(page, [4]);
        assert_eq!(next, None);
    }

    #[test]
    fn without_maxresults_a_page_holds_25_items() {
        let page = Page::from_query(&[]).expect("valid");
        let (items, next) = page.take((0..25).collect::<Vec<u32>>(), "u", "7.4");
        assert_eq!((items.len(), next), (25, None));
    }

    #[test]
    fn out_of_range_maxresults_and_bad_tokens_are_refused() {
        for pairs in [
            [("maxresults", "0")],
            [("maxresults", "26")],
            [("maxresults", "x")],
            [("$skiptoken", "-1")],
        ] {
            assert!(Page::from_query(&query(&pairs)).is_err(), "{pairs:?}");
        }
    }
}
