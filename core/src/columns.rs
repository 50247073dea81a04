//! `params.column_values` of ASCII text: the (column, value) pairs an error message quotes
//! (PostgreSQL's `Key (email)=(...)`, MySQL's `Duplicate entry '...' for key '...'`,
//! pydantic's `input_value=`), by Python's own patterns, which need no lookaround, read with
//! ASCII classes (`(?-u)`: the text is ASCII, and a class repeated 2,000 times stays small).

use regex::bytes::Regex;

use crate::python::rust_syntax;

/// `_PG_KEY`, `_MYSQL_DUPLICATE` and `_PYDANTIC`, as Rust's engine runs them.
pub struct ColumnPatterns {
    pg_key: Regex,
    mysql_duplicate: Regex,
    pydantic: Regex,
}

impl ColumnPatterns {
    pub fn new(patterns: [&str; 3]) -> Result<Self, regex::Error> {
        let [pg_key, mysql_duplicate, pydantic] =
            patterns.map(|pattern| Regex::new(&format!("(?-u){}", rust_syntax(pattern))));
        Ok(ColumnPatterns { pg_key: pg_key?, mysql_duplicate: mysql_duplicate?, pydantic: pydantic? })
    }

    /// `column_values` of an ASCII ``text`` that holds one of `COLUMN_CUES` (and is shorter
    /// than `_MAX_TEXT`): each quoted value with its column, in the order Python finds them.
    pub fn values<'a>(&self, text: &'a str) -> Vec<(&'a str, &'a str)> {
        let group = |m: &regex::bytes::Captures<'_>, name: &str| m.name(name).map_or("", |g| &text[g.range()]);
        let mut pairs = Vec::new();
        for m in self.pg_key.captures_iter(text.as_bytes()) {
            let columns: Vec<&str> =
                group(&m, "columns").split(',').map(|c| c.trim_matches(' ').trim_matches('"')).collect();
            let values: Vec<&str> = group(&m, "values").split(", ").collect();
            if columns.len() == values.len() {
                pairs.extend(columns.into_iter().zip(values)); // a value holding ", " makes the pairing unknowable
            }
        }
        pairs.extend(
            self.mysql_duplicate.captures_iter(text.as_bytes()).map(|m| (group(&m, "column"), group(&m, "value"))),
        );
        for m in self.pydantic.captures_iter(text.as_bytes()) {
            let column = group(&m, "column");
            let value = group(&m, "value");
            // `value[1:-1]` of a value that starts with a quote
            let value = match value.starts_with(['\'', '"']) {
                true if value.len() > 2 => &value[1..value.len() - 1],
                true => "",
                false => value,
            };
            pairs.push((column.rsplit_once('.').map_or(column, |(_, last)| last), value));
        }
        pairs.retain(|(_, value)| !value.is_empty());
        pairs
    }
}
