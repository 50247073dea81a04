//! `Sanitizer._gate_leak` for the text the replicas read whole: ASCII, no `%` (a hit there is
//! URL-decoded before it is compared with the fakes), and no hint of a JWT, a PEM key or a
//! provider's API key (those detectors are Python's). The gate's five other detectors, e-mail,
//! card, IBAN, SSN and IP address, run here in the policy's order, as `_detectors_for` picks them.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PySet, PyString, PyTuple};

use crate::{card, email, ip_find, prefilter, IbanFinder, IpFinder, Pattern, Prefilter, SsnFinder};

/// A gate detector, by what reads it.
#[derive(Clone, Copy)]
enum Reader {
    Email,
    Card,
    Iban,
    Ssn,
    Ip,
    /// JWT, PEM key, API key, or one whose replica is not in use: Python's; a text it may hold
    /// is read there whole.
    Python,
}

/// What `GateReader::leak` makes of a text.
pub(crate) enum Verdict<'py> {
    /// The first hit that is none of the event's fakes: (detector, length).
    Leak(Bound<'py, PyTuple>),
    /// No hit but fakes; `found` says whether there was any hit at all.
    Clean { found: bool },
    /// The text is Python's to read.
    Python,
}

#[pyclass(module = "sanitizers._core", frozen)]
pub struct GateReader {
    prefilter: Py<Prefilter>,
    /// The policy's gate detectors in the gate's order: name, reader, prefilter bit.
    detectors: Vec<(Py<PyString>, Reader, u32)>,
    /// The bit every prefilter verdict is taken with (`detectors.ALWAYS`).
    always: u32,
    /// The replicas of the detectors the gate runs (a policy without presidio's has none).
    email: Option<(Py<Pattern>, Py<PyAny>)>,
    iban: Option<Py<IbanFinder>>,
    ssn: Option<Py<SsnFinder>>,
    ip: Option<Py<IpFinder>>,
}

#[pymethods]
impl GateReader {
    /// The prefilter; the gate's detectors as (name, bit) in its order and the bit always set;
    /// presidio's e-mail pattern with the domain check `detect_email` uses, and the IBAN, SSN and
    /// IP replicas, each where the gate runs its detector (a detector given none is Python's).
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (prefilter, detectors, always, email=None, iban=None, ssn=None, ip=None))]
    fn new(
        prefilter: Py<Prefilter>, detectors: Vec<(Bound<'_, PyString>, u32)>, always: u32,
        email: Option<(Py<Pattern>, Py<PyAny>)>, iban: Option<Py<IbanFinder>>, ssn: Option<Py<SsnFinder>>,
        ip: Option<Py<IpFinder>>,
    ) -> PyResult<Self> {
        let detectors = detectors
            .into_iter()
            .map(|(name, bit)| {
                let reader = match name.to_str()? {
                    "EMAIL_ADDRESS" if email.is_some() => Reader::Email,
                    "CREDIT_CARD" => Reader::Card,
                    "IBAN_CODE" if iban.is_some() => Reader::Iban,
                    "US_SSN" if ssn.is_some() => Reader::Ssn,
                    "IP_ADDRESS" if ip.is_some() => Reader::Ip,
                    _ => Reader::Python,
                };
                Ok((name.unbind(), reader, bit))
            })
            .collect::<PyResult<_>>()?;
        Ok(GateReader { prefilter, detectors, always, email, iban, ssn, ip })
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
        let Some(text) = value.to_str().ok().filter(|text| text.is_ascii() && !text.contains('%')) else {
            return Ok(Verdict::Python);
        };
        let may_hold = prefilter::could_hold(text, &self.prefilter.get().streets) | self.always;
        let chosen: Vec<_> = self.detectors.iter().filter(|(_, _, bit)| may_hold & bit != 0).collect();
        if chosen.iter().any(|(_, reader, _)| matches!(reader, Reader::Python)) {
            return Ok(Verdict::Python);
        }
        let mut found = false;
        for (name, reader, _) in chosen {
            let spans = match reader {
                Reader::Email if !text.contains('@') => Vec::new(),
                Reader::Email => {
                    let Some((pattern, valid_domain)) = &self.email else { return Ok(Verdict::Python) };
                    match email::email_spans(value, pattern.bind(py).borrow(), valid_domain.bind(py))? {
                        Some(spans) => spans,
                        None => return Ok(Verdict::Python),
                    }
                }
                Reader::Card => card::card_spans(text.as_bytes()),
                Reader::Iban => match &self.iban {
                    Some(iban) => iban.get().iban.spans(text.as_bytes()),
                    None => return Ok(Verdict::Python),
                },
                Reader::Ssn => match &self.ssn {
                    Some(ssn) => ssn.get().ssn.spans(text),
                    None => return Ok(Verdict::Python),
                },
                Reader::Ip => match self.ip.as_ref().and_then(|ip| ip_find::ipv4_spans(text, &ip.get().ipv4)) {
                    Some(spans) => spans,
                    None => return Ok(Verdict::Python),
                },
                Reader::Python => return Ok(Verdict::Python), // sent there above
            };
            for (start, end) in spans {
                found = true;
                if !is_allowed(&text[start..end], allowed)? {
                    return Ok(Verdict::Leak(PyTuple::new(
                        py,
                        [name.bind(py).as_any(), &(end - start).into_pyobject(py)?.into_any()],
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
