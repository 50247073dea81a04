//! `Sanitizer._gate_leak`: the gate's detectors run here in the policy's order, as
//! `_detectors_for` picks them, each by its replica where that reads the text (ASCII, and for the
//! IBAN and card replicas more), else by its Python function; a hit is compared with the fakes
//! URL-decoded, as `_gate_leak` compares it.

use std::cell::OnceCell;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PySet, PyString, PyTuple};

use crate::finder::Finder;
use crate::python::Indices;
use crate::{percent, prefilter, Prefilter};

/// What `GateReader::leak` makes of a text.
pub(crate) enum Verdict<'py> {
    /// The first hit that is none of the event's fakes: (detector, length).
    Leak(Bound<'py, PyTuple>),
    /// No hit but fakes; `found` says whether there was any hit at all.
    Clean { found: bool },
    /// The text is Python's to read (a lone surrogate, or a span out of it).
    Python,
}

/// A detector of the gate: its name, replica (None: Python's), prefilter bit and Python function.
struct GateDetector {
    name: Py<PyString>,
    finder: Option<Finder>,
    bit: u32,
    detect: Py<PyAny>,
}

#[pyclass(module = "sanitizers._core", frozen)]
pub struct GateReader {
    prefilter: Py<Prefilter>,
    /// The policy's gate detectors in the gate's order.
    detectors: Vec<GateDetector>,
    /// The bit every prefilter verdict is taken with (`detectors.ALWAYS`).
    always: u32,
    /// The detectors' bits: the prefilter tests no other condition.
    wanted: u32,
}

#[pymethods]
impl GateReader {
    /// The prefilter; the gate's detectors as (name, bit, replica, function) in its order, each
    /// replica as `detectors.core_replica` gives it; and the bit always set.
    #[new]
    #[allow(clippy::type_complexity)]
    fn new(
        prefilter: Py<Prefilter>, detectors: Vec<(Bound<'_, PyString>, u32, Bound<'_, PyAny>, Py<PyAny>)>, always: u32,
    ) -> PyResult<Self> {
        let detectors: Vec<GateDetector> = detectors
            .into_iter()
            .map(|(name, bit, replica, detect)| {
                let finder = Finder::new(name.to_str()?, &replica)?;
                Ok(GateDetector { name: name.unbind(), finder, bit, detect })
            })
            .collect::<PyResult<_>>()?;
        let wanted = detectors.iter().fold(0, |bits, detector| bits | detector.bit);
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
            Verdict::Python => (py.Ellipsis().into_bound(py), false),
        })
    }
}

impl GateReader {
    /// The first detector hit in ``value`` that is not `is_allowed`, read as `_gate_leak` reads it.
    pub(crate) fn leak<'py>(
        &self, value: &Bound<'py, PyString>, allowed: &Bound<'py, PySet>,
    ) -> PyResult<Verdict<'py>> {
        let py = value.py();
        let Ok(text) = value.to_str() else { return Ok(Verdict::Python) }; // a lone surrogate
        let may_hold = prefilter::could_hold(text, &self.prefilter.get().streets, self.wanted) | self.always;
        let mut found = false;
        let at = OnceCell::new();
        for GateDetector { name, finder, detect, .. } in self.detectors.iter().filter(|d| may_hold & d.bit != 0) {
            let spans = match finder.as_ref().map(|finder| finder.spans(value, text)).transpose()?.flatten() {
                Some(spans) => spans,
                None => match at.get_or_init(|| Indices::new(text)).spans(detect.bind(py), value)? {
                    Some(spans) => spans.into_iter().map(|(start, end, ..)| (start, end)).collect(),
                    None => return Ok(Verdict::Python),
                },
            };
            for (start, end) in spans {
                found = true;
                if !is_allowed(&percent::unquote(&text[start..end], false), allowed)? {
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
