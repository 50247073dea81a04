//! `sanitizers._core`: the sanitizer's hot paths in Rust, one output for one input as the
//! Python they replace had (the fakes of a key stay the fakes of that key).

mod classes;
mod ip;
mod known;
mod mt;
mod pattern;
mod prefilter;
mod tree;

use hmac::{Hmac, Mac};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use sha2::Sha256;

/// The secret key, hashed into HMAC-SHA256's inner and outer states once: every value's seed
/// and keyed hash continues from a copy of them.
#[pyclass(module = "sanitizers._core", frozen)]
struct Keyed {
    mac: Hmac<Sha256>,
}

#[pymethods]
impl Keyed {
    #[new]
    fn new(key: &[u8]) -> Self {
        Keyed { mac: Hmac::new_from_slice(key).expect("HMAC takes a key of any length") }
    }

    /// The generator for ``message``: ``random.Random`` seeded with the first 16 bytes of its
    /// HMAC, read as a big-endian integer.
    fn rng(&self, message: &str) -> Rng {
        Rng { mt: mt::Mt::from_be_bytes(&self.digest(message)[..16]) }
    }

    /// The HMAC of ``message`` in hex.
    fn hexdigest(&self, message: &str) -> String {
        self.digest(message).iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Keyed {
    fn digest(&self, message: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// A seeded generator with the draws of ``random.Random`` the fake generators use.
#[pyclass(module = "sanitizers._core")]
struct Rng {
    mt: mt::Mt,
}

#[pymethods]
impl Rng {
    /// ``random.Random(int.from_bytes(seed, "big"))``, for a seed of up to 16 bytes.
    #[new]
    fn new(seed: &[u8]) -> PyResult<Self> {
        if seed.len() > 16 {
            return Err(PyValueError::new_err("a seed has at most 16 bytes"));
        }
        Ok(Rng { mt: mt::Mt::from_be_bytes(seed) })
    }

    fn random(&mut self) -> f64 {
        self.mt.random()
    }

    fn getrandbits(&mut self, k: u32) -> PyResult<u128> {
        if k > 128 {
            return Err(PyValueError::new_err("at most 128 bits"));
        }
        Ok(self.mt.getrandbits(k))
    }

    fn randrange(&mut self, start: i64, stop: i64) -> PyResult<i64> {
        if stop <= start {
            return Err(PyValueError::new_err("empty range for randrange()"));
        }
        Ok(start + self.mt.below((stop - start) as u128) as i64)
    }

    fn randint(&mut self, a: i64, b: i64) -> PyResult<i64> {
        self.randrange(a, b + 1)
    }

    fn choice<'py>(&mut self, seq: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let n = seq.len()?;
        if n == 0 {
            return Err(PyIndexError::new_err("Cannot choose from an empty sequence"));
        }
        seq.get_item(self.mt.below(n as u128) as usize)
    }
}

/// A regular expression run by Rust's engine; raises ``ValueError`` for one it cannot run
/// (lookaround, backreferences), which stays with Python's engines.
#[pyclass(module = "sanitizers._core", frozen)]
struct Pattern {
    inner: pattern::Pattern,
}

#[pymethods]
impl Pattern {
    #[new]
    #[pyo3(signature = (pattern, *, ignore_case=false, multi_line=false, dot_all=false))]
    fn new(pattern: &str, ignore_case: bool, multi_line: bool, dot_all: bool) -> PyResult<Self> {
        pattern::Pattern::new(pattern, ignore_case, multi_line, dot_all)
            .map(|inner| Pattern { inner })
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// (start, end) of every non-empty match, leftmost first, in characters.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        self.inner.spans(text)
    }
}

/// Same length; each letter, digit and non-ASCII letter replaced within its class and script.
#[pyfunction]
fn charclass(value: &str, mut rng: PyRefMut<'_, Rng>) -> String {
    classes::charclass(value, &mut rng.mt)
}

/// Every IP address in ``value`` faked in place, version, class and text form kept.
#[pyfunction]
fn ip_address(value: &str, mut rng: PyRefMut<'_, Rng>) -> PyResult<String> {
    ip::ip_address(value, &mut rng.mt).ok_or_else(|| PyValueError::new_err("no other IPv4 address in range"))
}

/// The bits (in ``PREFILTERED`` order) of the detectors that may find something in ``text``. A
/// lone surrogate is read as U+FFFD: neither is a digit, a letter or part of any pattern here.
#[pyfunction]
fn could_hold(text: &Bound<'_, PyString>) -> u32 {
    prefilter::could_hold(&text.to_string_lossy())
}

/// For each original: ``WHOLE`` if it occurs in ``haystack``, ``ENCODED`` if an encoding of it
/// may (it is not plain, and its longest plain run occurs).
#[pyfunction]
fn known_present(originals: Vec<Bound<'_, PyString>>, haystack: &Bound<'_, PyString>) -> PyResult<Vec<u8>> {
    let originals = originals.iter().map(utf8_with_surrogates).collect::<PyResult<Vec<_>>>()?;
    Ok(known::known_present(&originals, &utf8_with_surrogates(haystack)?))
}

/// A Python string's UTF-8 bytes; a lone surrogate (a file name the SDK could not decode,
/// parsed out of a repr) is encoded as UTF-8 would encode it, where ``str.encode()`` refuses.
fn utf8_with_surrogates(text: &Bound<'_, PyString>) -> PyResult<Vec<u8>> {
    match text.to_str() {
        Ok(utf8) => Ok(utf8.as_bytes().to_vec()),
        Err(_) => Ok(text.call_method1("encode", ("utf-8", "surrogatepass"))?.extract::<Vec<u8>>()?),
    }
}

/// Appends to ``leaves`` every string under ``container[index]`` as (container, index, path,
/// canonical path), and to ``names`` every key or pair name that could hold an identifier.
#[pyfunction]
fn outline_into<'py>(
    container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, path: &Bound<'py, PyTuple>, canon: &Bound<'py, PyTuple>,
    leaves: &Bound<'py, PyList>, names: &Bound<'py, PyList>,
) -> PyResult<()> {
    tree::outline_into(container, index, path, canon, leaves, names)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Keyed>()?;
    m.add_class::<Rng>()?;
    m.add_class::<Pattern>()?;
    m.add_function(wrap_pyfunction!(charclass, m)?)?;
    m.add_function(wrap_pyfunction!(ip_address, m)?)?;
    m.add_function(wrap_pyfunction!(could_hold, m)?)?;
    m.add_function(wrap_pyfunction!(known_present, m)?)?;
    m.add_function(wrap_pyfunction!(outline_into, m)?)?;
    m.add("WHOLE", known::WHOLE)?;
    m.add("ENCODED", known::ENCODED)?;
    m.add("PREFILTERED", prefilter::PREFILTERED)?;
    Ok(())
}
