//! The walk of a sanitized event (see `outline` in `sanitizers/_tree.py`): every string leaf with
//! its path and canonical path, and every key or pair name that could hold an identifier; the
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
    let key = key.str()?;
    let named = match key.to_str() {
        Ok(name) if name.is_ascii() => PAIR_CONTAINERS.iter().any(|container| name.eq_ignore_ascii_case(container)),
        _ => PAIR_CONTAINERS.contains(&key.to_string_lossy().to_lowercase().as_str()), // a Kelvin sign lowers to k
    };
    if !named || list.is_empty() {
        return Ok(false);
    }
    Ok(list.iter().all(|item| is_pair(&item)))
}

fn is_pair(item: &Bound<'_, PyAny>) -> bool {
    item.cast::<PyList>()
        .is_ok_and(|pair| pair.len() == 2 && pair.get_item(0).is_ok_and(|n| n.is_instance_of::<PyString>()))
}

/// What a walk of a sanitized event reports: each string leaf where it sits, and each key or
/// pair name that could hold an identifier with the path of its container.
pub(crate) trait Visitor<'py> {
    fn leaf(
        &mut self, container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, value: &Bound<'py, PyString>,
        path: &[Bound<'py, PyAny>], canon: &[Bound<'py, PyAny>],
    ) -> PyResult<()>;
    fn name(&mut self, name: &Bound<'py, PyAny>, path: &[Bound<'py, PyAny>]) -> PyResult<()>;
}

/// A top place of a document, as `_tree.regions` gives it: (container, index, path, canonical path).
pub(crate) type Region<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyTuple>, Bound<'py, PyTuple>);

/// The walk over ``regions`` (container, index, path, canonical path), in order; with
/// ``region_names``, a region's own key is reported as a name too (a top-level key of an event).
pub(crate) fn walk_regions<'py>(
    regions: &Bound<'py, PyList>, region_names: bool, visitor: &mut impl Visitor<'py>,
) -> PyResult<()> {
    for region in regions.iter() {
        let (container, index, path, canon): Region<'py> = region.extract()?;
        let (mut path, mut canon): (Vec<_>, Vec<_>) = (path.iter().collect(), canon.iter().collect());
        if region_names && index.is_instance_of::<PyString>() && !names_identifier(&index) {
            visitor.name(&index, &path[..path.len().saturating_sub(1)])?;
        }
        let value = container.get_item(&index)?;
        visit(&container, &index, &value, &mut path, &mut canon, visitor)?;
    }
    Ok(())
}

fn visit<'py>(
    container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>,
    path: &mut Vec<Bound<'py, PyAny>>, canon: &mut Vec<Bound<'py, PyAny>>, visitor: &mut impl Visitor<'py>,
) -> PyResult<()> {
    let py = container.py();
    if let Ok(text) = value.cast::<PyString>() {
        return visitor.leaf(container, index, text, path, canon);
    }
    let _depth = Depth::enter()?;
    if let Ok(dict) = value.cast::<PyDict>() {
        for (key, item) in dict.iter() {
            if key.is_instance_of::<PyString>() && !names_identifier(&key) {
                visitor.name(&key, path)?;
            }
            below(dict.as_any(), &key, &item, path, canon, [key.clone(), key.clone()], visitor)?;
        }
    } else if let Ok(list) = value.cast::<PyList>() {
        let pairs = canon.last().map(|key| is_pair_list(key, list)).transpose()?.unwrap_or(false);
        for (i, item) in list.iter().enumerate() {
            let position = i.into_pyobject(py)?.into_any();
            if pairs || is_pair(&item) {
                let name = item.get_item(0)?;
                if !names_identifier(&name) {
                    path.push(position.clone());
                    let named = visitor.name(&name, path);
                    path.pop();
                    named?;
                }
                if pairs {
                    let one = 1i64.into_pyobject(py)?.into_any();
                    path.push(position);
                    let done = below(&item, &one, &item.get_item(1)?, path, canon, [one.clone(), name], visitor);
                    path.pop();
                    done?;
                    continue;
                }
            }
            below(list.as_any(), &position, &item, path, canon, [position.clone(), position.clone()], visitor)?;
        }
    }
    Ok(())
}

/// `visit` one level down: a segment pushed on the path and one on the canonical path for the
/// walk below, and popped after it whatever it returns.
#[allow(clippy::too_many_arguments)]
fn below<'py>(
    container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>,
    path: &mut Vec<Bound<'py, PyAny>>, canon: &mut Vec<Bound<'py, PyAny>>,
    [path_segment, canon_segment]: [Bound<'py, PyAny>; 2], visitor: &mut impl Visitor<'py>,
) -> PyResult<()> {
    path.push(path_segment);
    canon.push(canon_segment);
    let done = visit(container, index, value, path, canon, visitor);
    path.pop();
    canon.pop();
    done
}

/// (container, index, path, canonical path) of every string under ``regions``, and (name, path
/// of its container) of every key or pair name that could hold an identifier.
#[pyfunction]
pub fn outline<'py>(
    regions: &Bound<'py, PyList>, region_names: bool,
) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
    struct Outline<'py> {
        leaves: Bound<'py, PyList>,
        names: Bound<'py, PyList>,
    }
    impl<'py> Visitor<'py> for Outline<'py> {
        fn leaf(
            &mut self, container: &Bound<'py, PyAny>, index: &Bound<'py, PyAny>, _: &Bound<'py, PyString>,
            path: &[Bound<'py, PyAny>], canon: &[Bound<'py, PyAny>],
        ) -> PyResult<()> {
            let py = container.py();
            self.leaves.append((container, index, PyTuple::new(py, path)?, PyTuple::new(py, canon)?))
        }
        fn name(&mut self, name: &Bound<'py, PyAny>, path: &[Bound<'py, PyAny>]) -> PyResult<()> {
            self.names.append((name, PyTuple::new(name.py(), path)?))
        }
    }
    let py = regions.py();
    let mut outline = Outline { leaves: PyList::empty(py), names: PyList::empty(py) };
    walk_regions(regions, region_names, &mut outline)?;
    Ok((outline.leaves, outline.names))
}

/// The UTF-8 bytes of the strings ``outline`` finds, the leaves' then the names', joined by NUL:
/// what propagation looks for the event's known originals in.
pub(crate) fn outline_bytes(regions: &Bound<'_, PyList>, region_names: bool) -> PyResult<Vec<u8>> {
    struct Texts {
        leaves: Vec<u8>,
        names: Vec<u8>,
    }
    fn push(out: &mut Vec<u8>, text: &Bound<'_, PyString>) -> PyResult<()> {
        out.extend_from_slice(&crate::utf8(text)?);
        out.push(0);
        Ok(())
    }
    impl<'py> Visitor<'py> for Texts {
        fn leaf(
            &mut self, _: &Bound<'py, PyAny>, _: &Bound<'py, PyAny>, value: &Bound<'py, PyString>,
            _: &[Bound<'py, PyAny>], _: &[Bound<'py, PyAny>],
        ) -> PyResult<()> {
            push(&mut self.leaves, value)
        }
        fn name(&mut self, name: &Bound<'py, PyAny>, _: &[Bound<'py, PyAny>]) -> PyResult<()> {
            push(&mut self.names, name.cast::<PyString>()?)
        }
    }
    let mut texts = Texts { leaves: Vec::new(), names: Vec::new() };
    walk_regions(regions, region_names, &mut texts)?;
    texts.leaves.append(&mut texts.names);
    texts.leaves.pop(); // the last separator
    Ok(texts.leaves)
}
