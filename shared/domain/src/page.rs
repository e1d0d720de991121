//! Page sizes for every list: bounded, so no request can ask for the table.

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl PageSize {
    pub const DEFAULT: PageSize = PageSize(25);
    pub const MAX: u16 = 100;

    /// Parses the `limit` query parameter: absent means the default; outside
    /// 1..=100 is an error naming the field rather than a silent clamp.
    pub fn parse(raw: Option<&str>) -> Result<Self, Error> {
        let Some(raw) = raw else {
            return Ok(Self::DEFAULT);
        };
        match raw.parse::<u16>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(Error::invalid(
                "limit",
                format!("must be an integer from 1 to {}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(PageSize::parse(None).unwrap().get(), 25);
        assert_eq!(PageSize::parse(Some("1")).unwrap().get(), 1);
        assert_eq!(PageSize::parse(Some("100")).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "ten", "", "1e3"] {
            assert!(PageSize::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}

/// One page of results and where the next one starts: `next_cursor` is
/// opaque to everyone but the store that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}
