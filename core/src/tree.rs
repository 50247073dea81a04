//! `outline`'s walk (see `sanitizers/_tree.py`): every string leaf of a sanitized event with its
//! path and canonical path, and every key or pair name that could hold an identifier; the
//! propagation pass and the leak gate read them all, for every event.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::walk::Depth;

/// The keys Sentry sends pair lists under (`[["Cookie", ...], ...]`).
const PAIR_CONTAINERS: [&str; 7] = ["headers", "cookies", "query_string", "query", "tags", "env", "data"];

/// `IDENTIFIER.fullmatch`: `[A-Za-z_][A-Za-z_-]*`, a name that holds no identifier of a person.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
}

fn names_identifier(name: &Bound<'_, PyAny>) -> bool {
    name.cast::<PyString>().ok().and_then(|s| s.to_str().ok()).is_some_and(is_identifier)
}

/// A non-empty list of [str, value] pairs under a pair container's key.
pub(crate) fn is_pair_list(key: &Bound<'_, PyAny>, list: &Bound<'_, PyList>) -> PyResult<bool> {
    let key = key.str()?.to_string_lossy().to_lowercase();
    if !PAIR_CONTAINERS.contains(&key.as_str()) || list.is_empty() {
        return Ok(false);
    }
    Ok(list.iter().all(|item| is_pair(&item)))
}

fn is_pair(item: &Bound<'_, PyAny>) -> bool {
    item.cast::<PyList>()
        .is_ok_and(|pair| pair.len() == 2 && pair.get_item(0).is_ok_and(|n| n.is_instance_of::<PyString>()))
}

fn extended<'py>(tuple: &Bound<'py, PyTuple>, items: &[Bound<'py, PyAny>]) -> PyResult<Bound<'py, PyTuple>> {
    let mut all: Vec<Bound<'py, PyAny>> = Vec::with_capacity(tuple.len() + items.len());
    all.extend(tuple.iter());
    all.extend(items.iter().cloned());
    PyTuple::new(tuple.py(), all)
}

/// Appends to ``leaves`` every string under ``container[index]`` as (container, index, path,
/// canonical path), and to ``names`` every key or pair name that could hold an identifier.
#[pyfunction]
pub fn outline_into<'py>(
    container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, path: &Bound<'py, PyTuple>, canon: &Bound<'py, PyTuple>,
    leaves: &Bound<'py, PyList>, names: &Bound<'py, PyList>,
) -> PyResult<()> {
    outline_value(container, index, &container.get_item(index)?, path, canon, leaves, names)
}

fn outline_value<'py>(
    container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>, path: &Bound<'py, PyTuple>,
    canon: &Bound<'py, PyTuple>, leaves: &Bound<'py, PyList>, names: &Bound<'py, PyList>,
) -> PyResult<()> {
    let py = container.py();
    if value.is_instance_of::<PyString>() {
        leaves.append((container, index, path, canon))?;
        return Ok(());
    }
    let _depth = Depth::enter()?;
    if let Ok(dict) = value.cast::<PyDict>() {
        for (key, item) in dict.iter() {
            if key.is_instance_of::<PyString>() && !names_identifier(&key) {
                names.append((&key, path))?;
            }
            let (key_path, key_canon) =
                (extended(path, std::slice::from_ref(&key))?, extended(canon, std::slice::from_ref(&key))?);
            outline_value(dict.as_any(), &key, &item, &key_path, &key_canon, leaves, names)?;
        }
    } else if let Ok(list) = value.cast::<PyList>() {
        let pairs = !canon.is_empty() && is_pair_list(&canon.get_item(canon.len() - 1)?, list)?;
        for (i, item) in list.iter().enumerate() {
            let position = i.into_pyobject(py)?.into_any();
            if pairs {
                let name = item.get_item(0)?;
                if !names_identifier(&name) {
                    names.append((&name, extended(path, std::slice::from_ref(&position))?))?;
                }
                let one = 1i64.into_pyobject(py)?.into_any();
                let (pair_path, pair_canon) = (extended(path, &[position, one.clone()])?, extended(canon, &[name])?);
                outline_value(&item, &one, &item.get_item(1)?, &pair_path, &pair_canon, leaves, names)?;
            } else {
                if is_pair(&item) {
                    let name = item.get_item(0)?;
                    if !names_identifier(&name) {
                        names.append((&name, extended(path, std::slice::from_ref(&position))?))?;
                    }
                }
                let (item_path, item_canon) = (
                    extended(path, std::slice::from_ref(&position))?,
                    extended(canon, std::slice::from_ref(&position))?,
                );
                outline_value(list.as_any(), &position, &item, &item_path, &item_canon, leaves, names)?;
            }
        }
    }
    Ok(())
}
