//! Python literals as reprs write them (frame vars hold `{'id': 7, 'email': 'jane@x.com'}`),
//! read without `ast.literal_eval`'s parse: a dict, list, tuple or string of strings, numbers,
//! `True`, `False` and `None`, tokens apart by spaces. Whatever else Python's grammar allows (other
//! whitespace, comments, string prefixes, triple quotes, implicit concatenation, escapes beyond
//! the common ones, sets, other number forms) is not read here: the caller asks `literal_eval`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// Containers within containers read here; deeper goes to `literal_eval` (and its limits).
const MAX_DEPTH: usize = 100;

/// A text not read here: `literal_eval` decides, also where Python refused to build the value.
struct Unsure;

impl From<PyErr> for Unsure {
    fn from(_: PyErr) -> Self {
        Unsure
    }
}

impl From<std::convert::Infallible> for Unsure {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

type Read<T> = Result<T, Unsure>;

struct Reader<'a, 'py> {
    py: Python<'py>,
    text: &'a [u8],
    at: usize,
    depth: usize,
}

/// The value of ``text`` as `ast.literal_eval` gives it, in a 1-tuple; None where this reader is
/// unsure (the caller then asks `literal_eval`).
#[pyfunction]
pub fn python_literal<'py>(text: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let Ok(utf8) = text.to_str() else { return Ok(None) }; // a lone surrogate: literal_eval's
    let mut reader = Reader { py: text.py(), text: utf8.as_bytes(), at: 0, depth: 0 };
    match reader.value().and_then(|value| if reader.at == reader.text.len() { Ok(value) } else { Err(Unsure) }) {
        Ok(value) => Ok(Some(PyTuple::new(text.py(), [value])?)),
        Err(_) => Ok(None),
    }
}

impl<'py> Reader<'_, 'py> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Read<Bound<'py, PyAny>> {
        match self.peek().ok_or(Unsure)? {
            b'{' => self.nested(|reader| reader.dict()),
            b'[' => {
                self.nested(|reader| reader.items(b']').and_then(|items| Ok(PyList::new(reader.py, items)?.into_any())))
            }
            b'(' => self.nested(|reader| reader.parenthesized()),
            b'\'' | b'"' => {
                let text = self.string()?;
                self.spaces();
                if matches!(self.peek(), Some(b'\'' | b'"')) {
                    return Err(Unsure); // 'a' 'b': implicit concatenation
                }
                Ok(PyString::new(self.py, &text).into_any())
            }
            b'-' | b'0'..=b'9' => self.number(),
            b'T' | b'F' | b'N' => self.keyword(),
            _ => Err(Unsure),
        }
    }

    fn nested(&mut self, read: impl FnOnce(&mut Self) -> Read<Bound<'py, PyAny>>) -> Read<Bound<'py, PyAny>> {
        if self.depth >= MAX_DEPTH {
            return Err(Unsure);
        }
        self.depth += 1;
        self.at += 1; // the opening bracket
        let value = read(self);
        self.depth -= 1;
        value
    }

    /// Values apart by commas up to `close`, a trailing comma allowed; the cursor after `close`.
    fn items(&mut self, close: u8) -> Read<Vec<Bound<'py, PyAny>>> {
        let mut items = Vec::new();
        loop {
            self.spaces();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.spaces();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {}
                _ => return Err(Unsure),
            }
        }
    }

    /// `()`, `(x,)`, `(x, y)` are tuples; `(x)` is x.
    fn parenthesized(&mut self) -> Read<Bound<'py, PyAny>> {
        self.spaces();
        if self.peek() == Some(b')') {
            self.at += 1;
            return Ok(PyTuple::empty(self.py).into_any());
        }
        let first = self.value()?;
        self.spaces();
        match self.peek() {
            Some(b')') => {
                self.at += 1;
                Ok(first)
            }
            Some(b',') => {
                self.at += 1;
                let mut items = vec![first];
                items.extend(self.items(b')')?);
                Ok(PyTuple::new(self.py, items)?.into_any())
            }
            _ => Err(Unsure),
        }
    }

    fn dict(&mut self) -> Read<Bound<'py, PyAny>> {
        let dict = PyDict::new(self.py);
        loop {
            self.spaces();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(dict.into_any());
            }
            let key = self.value()?;
            if !key.is_instance_of::<PyString>() && !key.is_instance_of::<PyInt>() {
                return Err(Unsure); // a float, a tuple, None as a key: literal_eval's to judge
            }
            self.spaces();
            if self.peek() != Some(b':') {
                return Err(Unsure); // {1, 2} is a set
            }
            self.at += 1;
            self.spaces();
            let value = self.value()?;
            dict.set_item(key, value)?;
            self.spaces();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(Unsure),
            }
        }
    }

    /// A string in single or double quotes with the escapes `repr` writes; anything else unsure.
    fn string(&mut self) -> Read<String> {
        let quote = self.text[self.at];
        if self.text.get(self.at + 1..self.at + 3) == Some(&[quote, quote]) {
            return Err(Unsure); // a triple-quoted string
        }
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let stop = rest.iter().position(|&b| b == quote || b == b'\\' || b == b'\n' || b == b'\r');
            let Some(stop) = stop else { return Err(Unsure) };
            out.push_str(std::str::from_utf8(&rest[..stop]).map_err(|_| Unsure)?);
            self.at += stop;
            match self.text[self.at] {
                b'\\' => {
                    let (c, len) = self.escape()?;
                    out.push(c);
                    self.at += len;
                }
                b if b == quote => {
                    self.at += 1;
                    return Ok(out);
                }
                _ => return Err(Unsure), // a line break ends no string
            }
        }
    }

    /// The character an escape at the cursor stands for, and the escape's length.
    fn escape(&self) -> Read<(char, usize)> {
        let simple = match self.text.get(self.at + 1) {
            Some(b'\\') => '\\',
            Some(b'\'') => '\'',
            Some(b'"') => '"',
            Some(b'n') => '\n',
            Some(b't') => '\t',
            Some(b'r') => '\r',
            Some(b'x') => return self.hex_escape(2),
            Some(b'u') => return self.hex_escape(4),
            Some(b'U') => return self.hex_escape(8),
            _ => return Err(Unsure),
        };
        Ok((simple, 2))
    }

    fn hex_escape(&self, digits: usize) -> Read<(char, usize)> {
        let hex = self.text.get(self.at + 2..self.at + 2 + digits).ok_or(Unsure)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(Unsure);
        }
        let point = u32::from_str_radix(std::str::from_utf8(hex).map_err(|_| Unsure)?, 16).map_err(|_| Unsure)?;
        Ok((char::from_u32(point).ok_or(Unsure)?, 2 + digits)) // a surrogate: literal_eval's
    }

    /// An integer (`0` or no leading zero) or a float with a fraction and an optional exponent,
    /// a minus glued to it allowed.
    fn number(&mut self) -> Read<Bound<'py, PyAny>> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let digits = |reader: &mut Self| {
            let from = reader.at;
            while reader.peek().is_some_and(|b| b.is_ascii_digit()) {
                reader.at += 1;
            }
            reader.at - from
        };
        let whole = digits(self);
        let leading_zero = whole > 1 && self.text[self.at - whole] == b'0';
        if whole == 0 || leading_zero {
            return Err(Unsure);
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return Err(Unsure);
            }
            float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err(Unsure);
            }
            float = true;
        }
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
            return Err(Unsure); // 1j, 0x1f, 1_000, 1.5.2
        }
        let token = std::str::from_utf8(&self.text[start..self.at]).map_err(|_| Unsure)?;
        if float {
            let value: f64 = token.parse().map_err(|_| Unsure)?;
            return Ok(PyFloat::new(self.py, value).into_any());
        }
        match token.parse::<i64>() {
            Ok(value) => Ok(value.into_pyobject(self.py)?.into_any()),
            Err(_) => Ok(self.py.get_type::<PyInt>().call1((token,))?), // beyond 64 bits
        }
    }

    fn keyword(&mut self) -> Read<Bound<'py, PyAny>> {
        let rest = &self.text[self.at..];
        let (word, value) = [
            (&b"True"[..], true.into_pyobject(self.py)?.to_owned().into_any()),
            (&b"False"[..], false.into_pyobject(self.py)?.to_owned().into_any()),
            (&b"None"[..], self.py.None().into_bound(self.py)),
        ]
        .into_iter()
        .find(|(word, _)| rest.starts_with(word))
        .ok_or(Unsure)?;
        if rest.get(word.len()).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80) {
            return Err(Unsure); // Nonexistent, True_: a name
        }
        self.at += word.len();
        Ok(value)
    }
}
