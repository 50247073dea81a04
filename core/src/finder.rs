//! The detectors the compiled core replicates, as one kind: what the leak gate (`GateReader`)
//! and the walk's scan screen (`walk::ScanScreen`) read a text with. Each gives its detector's
//! spans in ASCII text (the IBAN, person and card replicas in more), or says the text is Python's to read.

use pyo3::prelude::*;
use pyo3::types::PyString;
use rustc_hash::FxHashSet;

use crate::{
    card, email, ip_find, secrets, user_id, username, IbanFinder, IpFinder, Pattern, PersonFinder, PhoneFinder,
    SsnFinder,
};

pub(crate) enum Finder {
    /// presidio's e-mail pattern and the domain check `detect_email` uses.
    Email(Py<Pattern>, Py<PyAny>),
    Card,
    Iban(Py<IbanFinder>),
    Ssn(Py<SsnFinder>),
    Ip(Py<IpFinder>),
    /// `detect_names`: the people's names, where no device word calls the owner detector.
    Person(Py<PersonFinder>),
    Phone(Py<PhoneFinder>),
    UserId,
    /// `detect_username`: its gate's words (lower case), and the values it takes for no name.
    Username(Vec<String>, FxHashSet<String>),
    Jwt,
    ApiKey,
    Pem,
}

impl Finder {
    /// Detector ``name``'s replica, as `detectors.core_replica` gives it (None: Python reads
    /// every text for this detector).
    pub(crate) fn new(name: &str, replica: &Bound<'_, PyAny>) -> PyResult<Option<Finder>> {
        if replica.is_none() {
            return Ok(None);
        }
        Ok(Some(match name {
            "EMAIL_ADDRESS" => {
                let (pattern, domains): (Py<Pattern>, Py<PyAny>) = replica.extract()?;
                Finder::Email(pattern, domains)
            }
            "CREDIT_CARD" => Finder::Card,
            "IBAN_CODE" => Finder::Iban(replica.extract()?),
            "US_SSN" => Finder::Ssn(replica.extract()?),
            "IP_ADDRESS" => Finder::Ip(replica.extract()?),
            "PERSON" => Finder::Person(replica.extract()?),
            "PHONE_NUMBER" => Finder::Phone(replica.extract()?),
            "USER_ID" => Finder::UserId,
            "USERNAME" => {
                let (cues, not_names): (Vec<String>, Vec<String>) = replica.extract()?;
                Finder::Username(cues, not_names.into_iter().collect())
            }
            "JWT" => Finder::Jwt,
            "API_KEY" => Finder::ApiKey,
            "PEM_KEY" => Finder::Pem,
            _ => return Ok(None),
        }))
    }

    /// The spans the detector finds in ``value``, whose text is ``text``, in bytes; None where
    /// its Python reading decides (beyond ASCII, all but the IBAN, person and card replicas').
    pub(crate) fn spans(&self, value: &Bound<'_, PyString>, text: &str) -> PyResult<Option<Vec<(usize, usize)>>> {
        let py = value.py();
        Ok(match self {
            Finder::Iban(iban) => iban.get().iban.read(text),
            Finder::Person(person) => person.get().spans(text),
            Finder::Card if !text.is_ascii() => card::card_spans_beyond(text),
            _ if !text.is_ascii() => None,
            Finder::Email(..) if !text.contains('@') && !text.contains("%40") => Some(Vec::new()),
            Finder::Email(pattern, domains) => email::email_spans(value, pattern.bind(py).borrow(), domains.bind(py))?,
            Finder::Card => Some(card::card_spans(text.as_bytes())),
            Finder::Ssn(ssn) => Some(ssn.get().ssn.spans(text)),
            Finder::Ip(ip) => ip_find::ipv4_spans(text, &ip.get().ipv4),
            Finder::Phone(phone) => phone.get().phones.spans(text),
            Finder::UserId => Some(user_id::user_id_spans(text)),
            Finder::Username(cues, not_names) => Some(username_spans(text, cues, not_names)),
            Finder::Jwt => Some(secrets::jwt_spans(text)),
            Finder::ApiKey => Some(secrets::api_key_spans(text)),
            Finder::Pem => Some(secrets::pem_spans(text)),
        })
    }
}

/// `detect_username` of ASCII text: `_may_hold_username`'s gate (a word of ``cues`` in the
/// lower-cased text, or a `<` before a capital), then each name `_USERNAME` holds that is none
/// of ``not_names`` in lower case.
fn username_spans(text: &str, cues: &[String], not_names: &FxHashSet<String>) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let capital_after = |at: usize| text.as_bytes().get(at + 1).is_some_and(u8::is_ascii_uppercase);
    if !cues.iter().any(|cue| lower.contains(cue.as_str())) && !text.match_indices('<').any(|(at, _)| capital_after(at))
    {
        return Vec::new();
    }
    let mut found = username::username_spans(text);
    found.retain(|&(start, end)| !not_names.contains(&lower[start..end]));
    found
}
