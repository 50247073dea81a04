//! `Sanitizer._gate_leak` for the text the replicas read whole (ASCII, and for the IBAN replica
//! more) with no hint of a detector the core does not replicate (one a policy leaves to Python),
//! and for any text the prefilter rules every detector out for. The gate's detectors
//! run here in the policy's order, as `_detectors_for` picks them; a hit is compared with the
//! fakes URL-decoded, as `_gate_leak` compares it.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PySet, PyString, PyTuple};

use crate::finder::Finder;
use crate::{percent, prefilter, Prefilter};

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
