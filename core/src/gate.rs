//! `Sanitizer._gate_leak` for the text the replicas read whole (ASCII, and for the IBAN replica
//! more) with no hint of a detector the core does not replicate (a JWT, a PEM key, a provider's
//! API key), and for any text the prefilter rules every detector out for. The gate's detectors
//! run here in the policy's order, as `_detectors_for` picks them; a hit with a `%` in it is
//! compared with the fakes URL-decoded.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PySet, PyString, PyTuple};

use crate::finder::Finder;
use crate::{prefilter, Prefilter};

/// What `GateReader::leak` makes of a text.
pub(crate) enum Verdict<'py> {
    /// The first hit that is none of the event's fakes: (detector, length).
    Leak(Bound<'py, PyTuple>),
    /// No hit but fakes; `found` says whether there was any hit at all.
    Clean { found: bool },
    /// The text is Python's to read, with the prefilter's verdict on it where there is one.
    Python(Option<u32>),
}

#[pyclass(module = "sanitizers._core", frozen)]
pub struct GateReader {
    prefilter: Py<Prefilter>,
    /// The policy's gate detectors in the gate's order: name, replica (None: Python's), prefilter bit.
    detectors: Vec<(Py<PyString>, Option<Finder>, u32)>,
    /// The bit every prefilter verdict is taken with (`detectors.ALWAYS`).
    always: u32,
    /// The detectors' bits: the prefilter tests no other condition.
    wanted: u32,
}

#[pymethods]
impl GateReader {
    /// The prefilter; the gate's detectors as (name, bit, replica) in its order, each replica as
    /// `detectors.core_replica` gives it; and the bit always set.
    #[new]
    fn new(
        prefilter: Py<Prefilter>, detectors: Vec<(Bound<'_, PyString>, u32, Bound<'_, PyAny>)>, always: u32,
    ) -> PyResult<Self> {
        let detectors: Vec<(Py<PyString>, Option<Finder>, u32)> = detectors
            .into_iter()
            .map(|(name, bit, replica)| Ok((name.clone().unbind(), Finder::new(name.to_str()?, &replica)?, bit)))
            .collect::<PyResult<_>>()?;
        let wanted = detectors.iter().fold(0, |bits, (_, _, bit)| bits | bit);
        Ok(GateReader { prefilter, detectors, always, wanted })
    }

    /// `leak`, as Python sees it: (detector, length), None for no leak, or ``...`` (Ellipsis)
    /// where the text is Python's to read; and whether any detector found something.
    fn read<'py>(
        &self, value: &Bound<'py, PyString>, allowed: &Bound<'py, PySet>,
    ) -> PyResult<(Bound<'py, PyAny>, bool)> {
        let py = value.py();
        Ok(match self.leak(value, allowed)? {
            Verdict::Leak(found) => (found.into_any(), true),
            Verdict::Clean { found } => (py.None().into_bound(py), found),
            Verdict::Python(_) => (py.Ellipsis().into_bound(py), false),
        })
    }
}

impl GateReader {
    /// The first detector hit in ``value`` that is not `is_allowed`, read as `_gate_leak` reads it.
    pub(crate) fn leak<'py>(
        &self, value: &Bound<'py, PyString>, allowed: &Bound<'py, PySet>,
    ) -> PyResult<Verdict<'py>> {
        let py = value.py();
        let Ok(text) = value.to_str() else { return Ok(Verdict::Python(None)) }; // a lone surrogate
        let may_hold = prefilter::could_hold(text, &self.prefilter.get().streets, self.wanted) | self.always;
        let chosen: Vec<_> = self.detectors.iter().filter(|(_, _, bit)| may_hold & bit != 0).collect();
        if chosen.is_empty() {
            return Ok(Verdict::Clean { found: false }); // whatever the text: no detector reads it
        }
        if chosen.iter().any(|(_, finder, _)| finder.is_none()) {
            return Ok(Verdict::Python(Some(may_hold)));
        }
        let mut found = false;
        for (name, finder, _) in chosen {
            let Some(spans) = finder.as_ref().map(|finder| finder.spans(value, text)).transpose()?.flatten() else {
                return Ok(Verdict::Python(Some(may_hold)));
            };
            for (start, end) in spans {
                found = true;
                let hit = &text[start..end];
                let decoded = if hit.contains('%') { unquote(hit) } else { Some(hit.to_owned()) };
                let Some(hit) = decoded else { return Ok(Verdict::Python(Some(may_hold))) };
                if !is_allowed(&hit, allowed)? {
                    return Ok(Verdict::Leak(PyTuple::new(
                        py,
                        [name.bind(py).as_any(), &text[start..end].chars().count().into_pyobject(py)?.into_any()],
                    )?));
                }
            }
        }
        Ok(Verdict::Clean { found })
    }
}

/// `urllib.parse.unquote` of ASCII ``text``: each `%` and two hex digits the byte they spell, the
/// bytes read as UTF-8; None where they are not UTF-8 (Python puts U+FFFD in, and decides).
fn unquote(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |k: usize| bytes.get(k).and_then(|&b| char::from(b).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `_known.is_allowed`: a hit that is one of the event's fakes, or part of one.
fn is_allowed(hit: &str, allowed: &Bound<'_, PySet>) -> PyResult<bool> {
    let py = allowed.py();
    let hit = PyString::new(py, hit);
    if allowed.contains(&hit)? {
        return Ok(true);
    }
    for value in allowed.iter() {
        if value.call_method1(intern!(py, "__contains__"), (&hit,))?.is_truthy()? {
            return Ok(true);
        }
    }
    Ok(false)
}
