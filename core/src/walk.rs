//! Pass 1's walk over an event (see `Sanitizer` in `sanitizers/engine.py`): every node visited
//! with its path, canonical path, key and parent. An event's containers, its keys and the strings
//! that recur in every event of their kind (frame and module names, messages naming no one) are
//! handled here, with the policy's decisions for each place remembered; a string or key that
//! needs judging goes back to the sanitizer, which may walk what it opens (JSON, a repr) here again.

use std::cell::{Cell, RefCell};
use std::sync::{Mutex, MutexGuard, OnceLock};

use pyo3::exceptions::{PyRecursionError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PySet, PyString, PyTuple};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::columns::ColumnPatterns;
use crate::fakes::Maker;
use crate::finder::Finder;
use crate::gate::{GateReader, Verdict};
use crate::python::{space, Indices};
use crate::tree::{is_identifier, is_pair_list, walk_regions, Region, Visitor};
use crate::url::{UrlParts, UrlPatterns};
use crate::{literal, percent, prefilter, requote, utf8, KnownValues, Pattern, Prefilter, Rememberer};

/// Canonical paths (and the decisions kept for them) held before they start over.
const PLACES: usize = 100_000;
/// Containers within containers, across the walks of what the sanitizer opens in a string:
/// deeper is refused as Python's recursion limit refused it.
const MAX_DEPTH: usize = 1000;
/// Stack a thread must have left to go one container deeper: the walk recurses on the thread's
/// own stack, which a thread started with a small one (`threading.stack_size`, musl's 128 KiB)
/// runs out of long before `MAX_DEPTH`; the sanitizer's callbacks run on what remains.
const STACK_RESERVE: usize = 32 * 1024;
/// Joins the parts of a cache key: a byte no UTF-8 text holds.
const SEP: u8 = 0xFF;
/// A card number sent as a JSON number lies in this range (`10**12 <= node < 10**19`).
const CARD_NUMBERS: std::ops::Range<i128> = 1_000_000_000_000..10_000_000_000_000_000_000;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One container deeper for as long as it lives (the outline's walk counts on it too).
pub(crate) struct Depth;

impl Depth {
    pub(crate) fn enter() -> PyResult<Depth> {
        DEPTH.with(|depth| {
            if depth.get() >= MAX_DEPTH || stacker::remaining_stack().is_some_and(|left| left < STACK_RESERVE) {
                return Err(PyRecursionError::new_err("event nested too deeply"));
            }
            depth.set(depth.get() + 1);
            Ok(Depth)
        })
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        DEPTH.with(|depth| depth.set(depth.get() - 1));
    }
}

/// A canonical path: an id that is never reused (the caches of its decisions are keyed by it)
/// and the tuple the sanitizer's callbacks get.
struct Canon {
    id: u64,
    tuple: Py<PyTuple>,
}

impl Canon {
    fn clone_ref(&self, py: Python<'_>) -> Canon {
        Canon { id: self.id, tuple: self.tuple.clone_ref(py) }
    }
}

/// What `_scan` makes of a text at a place beside what its text-keyed part finds: the looser
/// forms of the patterns it runs there beside those it runs everywhere (None where it reads there
/// what the screen cannot tell), and the scan's detectors whose rule applies elsewhere only, as
/// bits of their indices.
type ByPath = (Option<Vec<Screen>>, u64);

/// The looser form of a pattern (`_screen.Screened`), and whether it screens text beyond ASCII
/// too (`Screened.only_ascii`): where it does not, `_scan` reads such text.
type Screen = (Py<Pattern>, bool);

/// Whether ``screen`` may find something in ``value``: where it matches, or cannot tell.
fn screen_finds((pattern, only_ascii): &Screen, value: &str) -> bool {
    !(value.is_ascii() || *only_ascii) || pattern.get().inner.is_match(value)
}

/// What the walk remembers between events. Locked only around lookups and inserts, never
/// while the sanitizer is called back: a callback may walk again, from this thread or another.
#[derive(Default)]
struct Places {
    /// Keyed by a segment, its kind and its parent's id (see `child`).
    canons: FxHashMap<Box<[u8]>, Canon>,
    last_id: u64,
    safe: FxHashMap<u64, bool>,
    /// Keyed by a key and a parent at a canonical path.
    rules: FxHashMap<Box<[u8]>, [Py<PyAny>; 2]>,
    /// Keyed by an object's key and its field names.
    kinds: FxHashMap<Box<[u8]>, Py<PyString>>,
    /// Keyed by a string, its key and parent at a canonical path.
    untouched: FxHashSet<Box<[u8]>>,
    /// Keyed by a key or pair name (one `_judge_name` found nothing in) at a canonical path.
    untouched_names: FxHashSet<Box<[u8]>>,
    /// Keyed by a canonical path's id.
    by_path: FxHashMap<u64, ByPath>,
    /// Keyed by a rule's address (the rule held, so the address is not reused): its id and
    /// entity if its action is `fake`.
    fakers: FxHashMap<usize, (Py<PyAny>, Faker)>,
    /// `canons` and `rules` again, keyed by the addresses of the strings in their keys (each
    /// held, so its address is not reused) or by an index: an event's keys are the same string
    /// objects from one event to the next (orjson keeps the keys it reads), and an address is
    /// found without reading the text. An entry is made with its place (an index's on every
    /// miss); each map starts over at `PLACES` entries, and with the maps above.
    quick_canons: FxHashMap<(Segment, u64), QuickCanon>,
    quick_rules: FxHashMap<(usize, usize, u64), QuickRules>,
}

/// A child canonical path, with the string of the segment it was found by (held).
type QuickCanon = (Option<Py<PyString>>, Canon);
/// The rules at a place, with the key and the parent they were found by (held).
type QuickRules = ([Py<PyString>; 2], [Py<PyAny>; 2]);

/// A segment of a canonical path as `Places::quick_canons` knows it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Segment {
    Text(usize),
    Index(i64),
}

/// A rule's id and entity, if its action is `fake`.
type Faker = Option<[Py<PyString>; 2]>;

/// What the walk fakes a string a rule names with, as `Sanitizer._apply` would (`fake_named`).
struct Faking {
    maker: Py<Maker>,
    rememberer: Py<Rememberer>,
    /// `engine.Change`, the record of a replacement (a named tuple), and `tuple.__new__`, which
    /// makes one without the Python frame of the named tuple's own `__new__` (which calls it).
    change: Py<PyAny>,
    tuple_new: Py<PyAny>,
    /// The policy's `max_string_chars`: a longer string is redacted unread, by `_judge`.
    max_chars: usize,
    /// `params.COLUMN_CUES`: what an error message quoting columns holds (`column_values`).
    column_cues: Vec<String>,
}

/// What tells a plain string `Sanitizer._scan` finds nothing in (`Sanitizer._scan_screen`):
/// each of its detectors the prefilter lets through finds nothing (read by its replica here, or
/// by its Python function in ASCII text) or has a rule that applies elsewhere, and no pattern
/// it runs everywhere has a match of its looser form (`_screen.Screened`). And what `_scan`
/// finds in one otherwise: the detectors' spans, which the walk then replaces itself.
struct ScanScreen {
    prefilter: Py<Prefilter>,
    /// The prefilter's bits of the scan's detectors.
    detectors: u32,
    /// The scan's detectors, in its order (at most 64: `Places::by_path` names them by bit).
    finders: Vec<Screened>,
    patterns: Vec<Screen>,
    /// `engine._PRIORITY`: the priority of a span a detector only Python reads, by its detector.
    priorities: Py<PyDict>,
}

/// A detector of the scan, with its rule: the walk replaces what it finds where the rule applies.
struct Screened {
    bit: u32,
    reader: Reader,
    rule: Py<PyAny>,
    /// Its spans' entity, None where each span names its own (a detector only Python reads).
    entity: Option<Py<PyString>>,
    /// Its spans' priority (`engine._PRIORITY`).
    priority: u32,
    /// `_url_encoded`: a span of an e-mail address holding `%40` is faked decoded (by Python).
    mailbox: bool,
}

enum Reader {
    /// The core's replica of the detector, and its Python function for the text the replica
    /// leaves to Python (beyond ASCII, mostly).
    Replica(Finder, Py<PyAny>),
    /// The detector's Python function, for a detector the core does not replicate: called
    /// rather than `_scan` running every detector on the text again.
    Python(Py<PyAny>),
}

/// A span the screen found: its detector's index in `ScanScreen::finders`, start and end (in
/// bytes), its priority, and its entity where the span names its own.
struct Found {
    finder: usize,
    start: usize,
    end: usize,
    priority: u32,
    entity: Option<Py<PyString>>,
}

/// What the scan screen makes of a plain string (`Walker::screening`).
enum Screening {
    /// `_scan` finds nothing in it.
    Nothing,
    /// `_scan` finds these spans, before overlaps are resolved; and the prefilter's verdict, for
    /// `_scan` where the walk leaves the string to it after all.
    Found(Vec<Found>, u32),
    /// `_scan` is to read it, with the prefilter's verdict on the scan's detectors where the
    /// screen asked for it.
    Scan(Option<u32>),
}

/// The walk of one sanitizer (its policy's decisions are remembered per place).
#[pyclass(module = "sanitizers._core", frozen)]
pub struct Walker {
    places: Mutex<Places>,
    root: Py<PyTuple>,
    beside: bool,
    /// The sanitizer's bounds for text-keyed caches: texts longer than `cached_chars` are not
    /// remembered, and a cache of `cached_texts` entries starts over.
    cached_chars: usize,
    cached_texts: usize,
    faking: Faking,
    /// Set by `screen_scans`, as the sanitizer warms up (its replicas import presidio).
    screen: OnceLock<ScanScreen>,
    /// `Sanitizer._scan_cache`, where a string the screen tells is remembered as `_scan` does.
    scan_cache: Py<PyDict>,
    /// Set by `read_openings`: the patterns the walk reads a URL with (`judge_url`), and the
    /// columns an error message quotes.
    urls: OnceLock<UrlPatterns>,
    columns: OnceLock<ColumnPatterns>,
}

/// The rule naming a place's key, and the rule a container there passes on to its values.
struct Rules<'py> {
    key: Option<Bound<'py, PyAny>>,
    container: Option<Bound<'py, PyAny>>,
}

impl<'py> Rules<'py> {
    /// `Sanitizer._rules_at`'s pair, None for no rule.
    fn of(py: Python<'py>, [key, container]: [Py<PyAny>; 2]) -> Self {
        let some = |rule: Py<PyAny>| Some(rule.into_bound(py)).filter(|rule| !rule.is_none());
        Rules { key: some(key), container: some(container) }
    }
}

/// One call's state: the sanitizer and run called back, the run's query columns, the path so far.
struct Visit<'a, 'py> {
    san: &'a Bound<'py, PyAny>,
    run: &'a Bound<'py, PyAny>,
    held: Held<'py>,
    columns: Option<Bound<'py, PyDict>>,
    path: Vec<Bound<'py, PyAny>>,
}

/// What a run holds that each fake made here goes into (`fake_value`), read once per walk: an
/// event has some thirty fakes. The run's attributes stay bound to these for its life.
struct Held<'py> {
    known: Bound<'py, PyDict>,
    fakes: Bound<'py, PySet>,
    avoid: Bound<'py, PyAny>,
    changes: Bound<'py, PyList>,
}

impl<'py> Held<'py> {
    fn of(run: &Bound<'py, PyAny>) -> PyResult<Self> {
        let py = run.py();
        Ok(Held {
            known: run.getattr(intern!(py, "known"))?.cast_into::<PyDict>()?,
            fakes: run.getattr(intern!(py, "fakes"))?.cast_into::<PySet>()?,
            avoid: run.getattr(intern!(py, "avoid"))?,
            changes: run.getattr(intern!(py, "changes"))?.cast_into::<PyList>()?,
        })
    }
}

impl<'py> Visit<'_, 'py> {
    fn path(&self) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(self.san.py(), &self.path)
    }
}

#[pymethods]
impl Walker {
    /// ``beside``: whether the policy has rules placed by a sibling key (an object's kind then
    /// names them), else an object's kind is its key. The sanitizer's maker and rememberer,
    /// ``Change`` and ``max_string_chars`` fake a string a rule names without calling it back;
    /// with ``column_cues`` they tell a plain string (see `is_plain`); a string the screen tells
    /// (`screen_scans`) is remembered in ``scan_cache``.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>, beside: bool, cached_chars: usize, cached_texts: usize, maker: Py<Maker>,
        rememberer: Py<Rememberer>, change: Py<PyAny>, max_chars: usize, column_cues: Vec<String>,
        scan_cache: Py<PyDict>,
    ) -> PyResult<Self> {
        if change.bind(py).getattr(intern!(py, "_fields"))?.len()? != 5 {
            return Err(PyValueError::new_err("Change is not (path, rule, entity, action, length)"));
        }
        let tuple_new = py.get_type::<PyTuple>().getattr(intern!(py, "__new__"))?.unbind();
        let faking = Faking { maker, rememberer, change, tuple_new, max_chars, column_cues };
        Ok(Walker {
            places: Mutex::default(),
            root: PyTuple::empty(py).unbind(),
            beside,
            cached_chars,
            cached_texts,
            faking,
            screen: OnceLock::new(),
            scan_cache,
            urls: OnceLock::new(),
            columns: OnceLock::new(),
        })
    }

    /// Read a string no rule names that `_nested` may open (`judge_open`) as `Sanitizer._judge`
    /// does, from now on, with ``urls`` (`encodings.url_patterns()` and the engine's route
    /// patterns) and ``columns`` (`params.column_patterns()`).
    fn read_openings(&self, urls: [String; 7], columns: [String; 3]) -> PyResult<()> {
        let invalid = |e: regex::Error| PyValueError::new_err(e.to_string());
        let urls = UrlPatterns::new(urls.each_ref().map(String::as_str)).map_err(invalid)?;
        let columns = ColumnPatterns::new(columns.each_ref().map(String::as_str)).map_err(invalid)?;
        let again = || PyValueError::new_err("the walk reads openings already");
        self.urls.set(urls).map_err(|_| again())?;
        self.columns.set(columns).map_err(|_| again())
    }

    /// Tell, from now on, a plain string `Sanitizer._scan` finds nothing in without calling it,
    /// and replace what it finds (`ScanScreen`): the prefilter; the scan's detectors as (name,
    /// bit, replica, Python function, rule, entity, priority), each replica as
    /// `detectors.core_replica` gives it (None: the core calls the function), the entity None
    /// where each span names its own; the looser forms of the patterns it runs everywhere (each
    /// with whether it screens text beyond ASCII); `engine._PRIORITY`.
    #[allow(clippy::type_complexity)]
    fn screen_scans(
        &self, prefilter: Py<Prefilter>,
        detectors: Vec<(Bound<'_, PyString>, u32, Bound<'_, PyAny>, Py<PyAny>, Py<PyAny>, Option<Py<PyString>>, u32)>,
        patterns: Vec<Screen>, priorities: Py<PyDict>,
    ) -> PyResult<()> {
        if detectors.len() > 64 {
            return Err(PyValueError::new_err("the walk screens for at most 64 detectors"));
        }
        let (mut bits, mut finders) = (0, Vec::new());
        for (name, bit, replica, detect, rule, entity, priority) in detectors {
            bits |= bit;
            let reader = match Finder::new(name.to_str()?, &replica)? {
                Some(finder) => Reader::Replica(finder, detect),
                None => Reader::Python(detect),
            };
            let mailbox = entity.as_ref().is_some_and(|entity| entity.bind(name.py()) == "EMAIL_ADDRESS");
            finders.push(Screened { bit, reader, rule, entity, priority, mailbox });
        }
        let screen = ScanScreen { prefilter, detectors: bits, finders, patterns, priorities };
        self.screen.set(screen).map_err(|_| PyValueError::new_err("the walk screens its scans already"))
    }

    /// ``node``'s sanitized copy: containers rebuilt, strings judged in their place.
    #[allow(clippy::too_many_arguments)]
    fn walk<'py>(
        &self, san: &Bound<'py, PyAny>, node: &Bound<'py, PyAny>, path: &Bound<'py, PyTuple>,
        canon: &Bound<'py, PyTuple>, key: &Bound<'py, PyString>, parent: &Bound<'py, PyString>,
        inherited: Option<Bound<'py, PyAny>>, run: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut visit = self.visit(san, path, run)?;
        let canon = self.canon_of(canon)?;
        self.node(&mut visit, node, &canon, key, parent, inherited.as_ref())
    }

    /// Each of ``regions`` (container, index, path, canonical path: a document's top places, as
    /// `_tree.regions` gives them) replaced in its container by its sanitized copy, each under
    /// the key its canonical path ends in; a webhook's top-level field (canonical path
    /// ``("webhook", key)``) under its container's key as its parent.
    fn walk_top_places(
        &self, san: &Bound<'_, PyAny>, regions: &Bound<'_, PyList>, run: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = san.py();
        let empty = PyString::new(py, "");
        for region in regions.iter() {
            let (container, index, path, canon): Region<'_> = region.extract()?;
            let last = canon.len().checked_sub(1).ok_or_else(|| PyValueError::new_err("a top place has a path"))?;
            let key = canon.get_item(last)?.str()?;
            let parent = if path.len() > 1 && canon.get_item(0)?.eq("webhook")? {
                path.get_item(path.len() - 2)?.str()?
            } else {
                empty.clone()
            };
            let new = self.walk(san, &container.get_item(&index)?, &path, &canon, &key, &parent, None, run)?;
            container.set_item(index, new)?;
        }
        Ok(())
    }

    /// `Sanitizer._apply`'s fake of ``value`` under a rule with the action `fake` (`fake_value`):
    /// the fake, the change recorded and the original remembered; None where `_apply` goes on.
    #[allow(clippy::too_many_arguments)]
    fn fake<'py>(
        &self, san: &Bound<'py, PyAny>, rule_id: &Bound<'py, PyString>, entity: &Bound<'py, PyString>,
        value: &Bound<'py, PyString>, path: &Bound<'py, PyTuple>, run: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyString>>> {
        let path: Vec<Bound<'py, PyAny>> = path.iter().collect();
        self.fake_value(san, run, &Held::of(run)?, rule_id, entity, value, &path)
    }

    /// A string judged in its place: at once if it came through that place untouched before.
    #[allow(clippy::too_many_arguments)]
    fn string<'py>(
        &self, san: &Bound<'py, PyAny>, value: &Bound<'py, PyString>, path: &Bound<'py, PyTuple>,
        canon: &Bound<'py, PyTuple>, key: &Bound<'py, PyString>, parent: &Bound<'py, PyString>,
        run: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut visit = self.visit(san, path, run)?;
        let canon = self.canon_of(canon)?;
        self.string_at(&mut visit, value, &canon, key, parent, None)
    }

    /// The leak gate's walk of a sanitized document from its top places (see `Sanitizer._gate`):
    /// (path, None) for each string holding a known original it may not hold, (path, (detector,
    /// length)) for each the sanitizer's ``_gate_leak`` finds something in; the leaves' first,
    /// then the names'. A string that is one of ``allowed``, that pass 1's detectors found
    /// nothing in (``scan_cache``) or the gate's (``gate_clean``), or that sits in a safe path is
    /// not scanned again. ``reader`` reads what it can of the rest here (`gate`), else
    /// ``_gate_leak`` does.
    #[allow(clippy::too_many_arguments)]
    fn gate<'py>(
        &self, san: &Bound<'py, PyAny>, regions: &Bound<'py, PyList>, region_names: bool,
        known: Option<PyRef<'py, KnownValues>>, allowed: &Bound<'py, PySet>, scan_cache: &Bound<'py, PyDict>,
        gate_clean: &Bound<'py, PyDict>, reader: Option<PyRef<'py, GateReader>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let root = Canon { id: 0, tuple: self.root.clone_ref(san.py()) };
        let mut gate = Gate {
            walker: self,
            san,
            known: known.as_deref(),
            allowed,
            scan_cache,
            gate_clean,
            reader: reader.as_deref(),
            root,
            prefixes: Vec::new(),
            leaks: Vec::new(),
            name_leaks: Vec::new(),
        };
        walk_regions(regions, region_names, &mut gate)?;
        gate.leaks.append(&mut gate.name_leaks);
        PyList::new(san.py(), gate.leaks)
    }
}

impl Walker {
    fn visit<'a, 'py>(
        &self, san: &'a Bound<'py, PyAny>, path: &Bound<'py, PyTuple>, run: &'a Bound<'py, PyAny>,
    ) -> PyResult<Visit<'a, 'py>> {
        let columns = run.getattr(intern!(run.py(), "columns"))?.cast_into::<PyDict>().ok().filter(|c| !c.is_empty());
        Ok(Visit { san, run, held: Held::of(run)?, columns, path: path.iter().collect() })
    }

    fn places(&self) -> MutexGuard<'_, Places> {
        self.places.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn node<'py>(
        &self, v: &mut Visit<'_, 'py>, node: &Bound<'py, PyAny>, canon: &Canon, key: &Bound<'py, PyString>,
        parent: &Bound<'py, PyString>, inherited: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = node.py();
        if let Ok(text) = node.cast::<PyString>() {
            return self.string_at(v, text, canon, key, parent, inherited);
        }
        let _depth = Depth::enter()?;
        if let Ok(dict) = node.cast::<PyDict>() {
            let rule = match inherited {
                Some(rule) => Some(rule.clone()),
                None => self.rules(v, key, parent, canon)?.container,
            };
            let kind = self.kind(v, key, dict)?;
            let out = PyDict::new(py);
            for (name, item) in dict.iter() {
                let name = self.name(v, &name, canon)?;
                let child = self.child(canon, &name)?;
                let child_key = match name.cast::<PyString>() {
                    Ok(text) => text.clone(),
                    Err(_) => name.str()?,
                };
                v.path.push(name.clone());
                let new = self.node(v, &item, &child, &child_key, &kind, rule.as_ref());
                v.path.pop();
                out.set_item(name, new?)?;
            }
            return Ok(out.into_any());
        }
        if let Ok(list) = node.cast::<PyList>() {
            if is_pair_list(key.as_any(), list)? {
                return self.pairs(v, list, canon, key, parent, inherited);
            }
            let columns = match &v.columns {
                Some(columns) => columns.get_item(node.as_ptr() as usize)?.filter(|c| c.is_truthy().unwrap_or(false)),
                None => None,
            };
            if let Some(columns) = columns {
                return self.columns(v, list, &columns, canon, key, inherited);
            }
            return Ok(PyList::new(py, self.items(v, list.iter(), canon, key, parent, inherited)?)?.into_any());
        }
        if let Ok(tuple) = node.cast::<PyTuple>() {
            return Ok(PyTuple::new(py, self.items(v, tuple.iter(), canon, key, parent, inherited)?)?.into_any());
        }
        if node.is_instance_of::<PyInt>() && !node.is_instance_of::<PyBool>() && !self.is_safe(v.san, canon)? {
            let rule = match inherited {
                Some(rule) => Some(rule.clone()),
                None => self.rules(v, key, parent, canon)?.key,
            };
            if rule.is_some() || node.extract::<i128>().is_ok_and(|n| CARD_NUMBERS.contains(&n)) {
                let args = (node, v.path()?, canon.tuple.bind(py), rule, v.run);
                return v.san.call_method1(intern!(py, "_number"), args);
            }
        }
        Ok(node.clone())
    }

    /// A plain list's or a tuple's items, each under its index.
    fn items<'py>(
        &self, v: &mut Visit<'_, 'py>, items: impl Iterator<Item = Bound<'py, PyAny>>, canon: &Canon,
        key: &Bound<'py, PyString>, parent: &Bound<'py, PyString>, inherited: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let py = key.py();
        let mut out = Vec::new();
        for (i, item) in items.enumerate() {
            let position = i.into_pyobject(py)?.into_any();
            let child = self.child(canon, &position)?;
            v.path.push(position);
            let new = self.node(v, &item, &child, key, parent, inherited);
            v.path.pop();
            out.push(new?);
        }
        Ok(out)
    }

    /// ``[[name, value], ...]``: each value under its (judged) name, the name's rule inherited
    /// where the container's key names a secret container (cookies).
    fn pairs<'py>(
        &self, v: &mut Visit<'_, 'py>, list: &Bound<'py, PyList>, canon: &Canon, key: &Bound<'py, PyString>,
        parent: &Bound<'py, PyString>, inherited: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = list.py();
        let rule = match inherited {
            Some(rule) => Some(rule.clone()),
            None => self.rules(v, key, parent, canon)?.container,
        };
        let out = PyList::empty(py);
        for (i, pair) in list.iter().enumerate() {
            v.path.push(i.into_pyobject(py)?.into_any());
            let name = self.name(v, &pair.get_item(0)?, canon);
            v.path.push(1i64.into_pyobject(py)?.into_any());
            let new = name.and_then(|name| {
                let child = self.child(canon, &name)?;
                let name_key = name.str()?;
                let value = self.node(v, &pair.get_item(1)?, &child, &name_key, key, rule.as_ref())?;
                Ok([name, value])
            });
            v.path.truncate(v.path.len() - 2);
            out.append(PyList::new(py, new?)?)?;
        }
        Ok(out.into_any())
    }

    /// A query's parameter list: each value under its column's name, for keys and selectors alike.
    fn columns<'py>(
        &self, v: &mut Visit<'_, 'py>, list: &Bound<'py, PyList>, columns: &Bound<'py, PyAny>, canon: &Canon,
        key: &Bound<'py, PyString>, inherited: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = list.py();
        let names: Vec<Bound<'py, PyAny>> = columns.try_iter()?.take(list.len()).collect::<PyResult<_>>()?;
        let out = PyList::empty(py);
        for (i, item) in list.iter().enumerate() {
            let position = i.into_pyobject(py)?.into_any();
            let name = names.get(i).filter(|name| name.is_truthy().unwrap_or(false));
            let child = self.child(canon, name.unwrap_or(&position))?;
            let name_key = match name {
                Some(name) => name.str()?,
                None => key.clone(),
            };
            v.path.push(position);
            let new = self.node(v, &item, &child, &name_key, key, inherited);
            v.path.pop();
            out.append(new?)?;
        }
        Ok(out.into_any())
    }

    fn string_at<'py>(
        &self, v: &mut Visit<'_, 'py>, text: &Bound<'py, PyString>, canon: &Canon, key: &Bound<'py, PyString>,
        parent: &Bound<'py, PyString>, inherited: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = text.py();
        if text.len()? == 0 || self.is_safe(v.san, canon)? {
            return Ok(text.clone().into_any()); // left as it is: the sanitizer judges neither
        }
        // a string under a rule never comes through untouched (it is replaced, kept or filtered)
        let rule = match inherited {
            Some(rule) => Some(rule.clone()),
            None => self.rules(v, key, parent, canon)?.key,
        };
        if let Some(rule) = rule {
            if let Some(fake) = self.fake_named(v, text, &rule)? {
                return Ok(fake);
            }
            let args = (text, v.path()?, canon.tuple.bind(py), key, rule, v.run);
            return v.san.call_method1(intern!(py, "_judge"), args);
        }
        self.unless_untouched(
            text,
            &[text, key, parent],
            canon,
            |places| &mut places.untouched,
            || {
                if self.is_plain(text) {
                    return self.judge_plain(v, text, canon);
                }
                if let Some(judged) = self.judge_open(v, text, canon, key)? {
                    return Ok(judged);
                }
                let args = (text, v.path()?, canon.tuple.bind(py), key, v.run);
                v.san.call_method1(intern!(py, "_judge_fresh"), args)?.extract()
            },
        )
    }

    /// ``judge``'s (new text, untouched) of ``text`` at ``canon``, unless it came through that
    /// place untouched before: then ``text`` at once. Which set of `Places` remembers that is
    /// ``kept``'s pick, keyed by ``parts`` and the place's id; a text remembered only while it
    /// is no longer than `cached_chars`, and the set starts over at `cached_texts`.
    fn unless_untouched<'py>(
        &self, text: &Bound<'py, PyString>, parts: &[&Bound<'py, PyString>], canon: &Canon,
        kept: impl Fn(&mut Places) -> &mut FxHashSet<Box<[u8]>>,
        judge: impl FnOnce() -> PyResult<(Bound<'py, PyAny>, bool)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let id = canon.id.to_le_bytes();
        if with_key(parts, &id, |place| kept(&mut self.places()).contains(place))? {
            return Ok(text.clone().into_any());
        }
        let (new, untouched) = judge()?;
        if untouched && text.len()? <= self.cached_chars {
            with_key(parts, &id, |place| {
                let mut places = self.places();
                let set = kept(&mut places);
                if set.len() >= self.cached_texts {
                    set.clear();
                }
                set.insert(place.into());
            })?;
        }
        Ok(new)
    }

    /// Whether `_judge` reads a string no rule names as it is: not oversized, no placeholder,
    /// nothing `_nested` opens (it starts no JSON, repr or path and holds no `=`, so no call
    /// repr, query or named fields, and no `//`, so no URL) and no cue of the columns
    /// `column_values` reads. `_judge` then replaces what `_scan` finds in it, and that is all.
    /// Beyond ASCII, only text whose every character the letters table holds: `is_placeholder`
    /// strips ASCII whitespace, Python's `strip` whitespace beyond it too.
    fn is_plain(&self, text: &Bound<'_, PyString>) -> bool {
        let Ok(value) = text.to_str() else { return false };
        (value.is_ascii() || self.faking.maker.get().letters().reads(value))
            && value.len() <= self.faking.max_chars
            && !matches!(value.as_bytes().first(), Some(b'{' | b'[' | b'(' | b'\'' | b'"' | b'/'))
            && !value.contains('=')
            && !value.contains("//")
            && !self.faking.column_cues.iter().any(|cue| value.contains(cue.as_str()))
            && !self.faking.maker.get().is_placeholder(value)
    }

    /// `_judge_fresh` of a plain string (`is_plain`), with two calls back instead of six: its
    /// spans replaced, and whether it came through untouched, which it does when nothing is
    /// found (each span found is faked, kept or counted as filtered, so the run shows it).
    fn judge_plain<'py>(
        &self, v: &Visit<'_, 'py>, text: &Bound<'py, PyString>, canon: &Canon,
    ) -> PyResult<(Bound<'py, PyAny>, bool)> {
        let py = text.py();
        let may_hold = match self.screening(v.san, text, canon)? {
            Screening::Nothing => return Ok((text.clone().into_any(), true)),
            Screening::Scan(may_hold) => may_hold,
            Screening::Found(found, may_hold) => match self.replace_found(v, text, found)? {
                Some(new) => return Ok((new, false)),
                None => Some(may_hold),
            },
        };
        let spans = v.san.call_method1(intern!(py, "_scan"), (text, canon.tuple.bind(py), may_hold))?;
        if spans.is_empty()? {
            return Ok((text.clone().into_any(), true));
        }
        let new = v.san.call_method1(intern!(py, "_replace_spans"), (text, spans, v.path()?, v.run))?;
        Ok((new, false))
    }

    /// `_judge_fresh` of a string no rule names that `_nested` may open: a repr (`judge_repr`),
    /// and in ASCII text a URL (`judge_url`), a query (`judge_query`), else what `_scan` finds in
    /// it replaced (`judge_plain`), as `_judge` reads them. Only a string no longer than
    /// `cached_chars` that is no placeholder and may be no call repr; None where the sanitizer reads it:
    /// any other, and what these leave (JSON, named fields, quoted columns, a URL segment beyond
    /// ASCII once decoded).
    fn judge_open<'py>(
        &self, v: &mut Visit<'_, 'py>, text: &Bound<'py, PyString>, canon: &Canon, key: &Bound<'py, PyString>,
    ) -> PyResult<Option<(Bound<'py, PyAny>, bool)>> {
        let py = text.py();
        let (Some(urls), Ok(value)) = (self.urls.get(), text.to_str()) else { return Ok(None) };
        let repr = matches!(value.as_bytes().first(), Some(b'{' | b'[' | b'(' | b'\'' | b'"'));
        if !(value.is_ascii() || repr)
            || value.len() > self.cached_chars.min(self.faking.max_chars)
            || may_be_call_repr(value)
            || self.faking.maker.get().is_placeholder(value)
        {
            return Ok(None);
        }
        if repr {
            return self.judge_repr(v, text, value, canon, key); // beyond ASCII too: its strings are judged alone
        }
        if let Some(parts) = urls.split(value) {
            return judged(v, text, |v| self.judge_url(v, urls, value, parts, canon, key));
        }
        if value.contains('=') {
            let fields = (value.starts_with("--") && value.contains("ontent-"))
                || value.contains("] => ")
                || value.contains("[value=");
            if fields {
                return Ok(None);
            }
            if let Some(separator) = urls.query_separator(value) {
                return judged(v, text, |v| {
                    Ok(Some(PyString::new(py, &self.judge_query(v, value, separator, canon)?).into_any()))
                });
            }
        }
        if self.faking.column_cues.iter().any(|cue| value.contains(cue.as_str())) {
            let Some(columns) = self.columns.get() else { return Ok(None) };
            return judged(v, text, |v| {
                self.judge_columns(v, columns.values(value), canon)?;
                Ok(Some(self.judge_plain(v, text, canon)?.0))
            });
        }
        self.judge_plain(v, text, canon).map(Some)
    }

    /// `_judge`'s reading of the values an error message quotes (``pairs``, `column_values`):
    /// each under a rule naming its column at ``canon`` (but `keep`) faked, as `_apply` does,
    /// for propagation to replace where it stands.
    fn judge_columns<'py>(&self, v: &mut Visit<'_, 'py>, pairs: Vec<(&str, &str)>, canon: &Canon) -> PyResult<()> {
        let py = v.san.py();
        let empty = PyString::new(py, "");
        for (column, quoted) in pairs {
            let column = PyString::new(py, column);
            let Some(rule) = self.rules(v, &column, &empty, &self.child(canon, &column)?)?.key else { continue };
            if rule.getattr(intern!(py, "action"))?.eq(intern!(py, "keep"))? {
                continue;
            }
            let entity = rule.getattr(intern!(py, "entity"))?.cast_into::<PyString>()?;
            self.apply(v, &rule, &entity, &PyString::new(py, quoted))?;
        }
        Ok(())
    }

    /// `Sanitizer._apply` of ``original`` (at the visit's path) under ``rule`` as ``entity``:
    /// the core's fake where the rule fakes and the maker makes one (`fake_value`), else
    /// `_apply`'s answer (None where it removes the value).
    fn apply<'py>(
        &self, v: &Visit<'_, 'py>, rule: &Bound<'py, PyAny>, entity: &Bound<'py, PyString>,
        original: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = rule.py();
        if let Some([id, _]) = self.faker(rule)? {
            if let Some(fake) = self.fake_value(v.san, v.run, &v.held, id.bind(py), entity, original, &v.path)? {
                return Ok(fake.into_any());
            }
        }
        v.san.call_method1(intern!(py, "_apply"), (rule, entity, original, v.path()?, v.run))
    }

    /// `_nested`'s reading of a repr of a dict, list, tuple or string (`parse_repr`), where
    /// `parse_json` refuses ``value`` at once: walked under its key, and written back as `repr`
    /// writes it where that gives the text it was read from (else the text as it was). None
    /// where JSON may be read, or the core's literal reader is unsure (`literal_eval`'s).
    fn judge_repr<'py>(
        &self, v: &mut Visit<'_, 'py>, text: &Bound<'py, PyString>, value: &str, canon: &Canon,
        key: &Bound<'py, PyString>,
    ) -> PyResult<Option<(Bound<'py, PyAny>, bool)>> {
        let json = match value.as_bytes()[0] {
            head @ (b'{' | b'[') => {
                let starts: &[u8] = if head == b'{' { b"\"}" } else { b"\"-0123456789tfnIN[{]" };
                let first = value[1..].trim_start_matches([' ', '\t', '\n', '\r']).bytes().next();
                value.trim_end_matches(|c: char| c.is_ascii() && space(c as u8)).ends_with(['}', ']'])
                    && first.is_some_and(|first| starts.contains(&first))
            }
            _ => false,
        };
        if json || !value.contains(['\'', '"']) {
            return Ok(None);
        }
        let Some(read) = literal::python_literal(text)? else { return Ok(None) };
        let parsed = read.get_item(0)?;
        let opened = parsed.is_instance_of::<PyDict>()
            || parsed.is_instance_of::<PyList>()
            || parsed.is_instance_of::<PyTuple>()
            || parsed.is_instance_of::<PyString>();
        if !opened {
            return Ok(None);
        }
        let dumps = parsed.repr()?.to_str()? == value;
        judged(v, text, |v| {
            let new = self.node(v, &parsed, canon, key, key, None)?;
            Ok(Some(if dumps { new.repr()?.into_any() } else { text.clone().into_any() }))
        })
    }

    /// `_url` of ``value``, split into ``parts``: its prefix, query (unless it is one of pairs)
    /// and fragment scanned and replaced (`judge_plain`); each segment of its path judged under
    /// the segment before it (or in a place of data), each value of its query under its name.
    /// None where a segment is beyond ASCII once decoded.
    #[allow(clippy::too_many_arguments)]
    fn judge_url<'py>(
        &self, v: &mut Visit<'_, 'py>, urls: &UrlPatterns, value: &str, parts: UrlParts<'_>, canon: &Canon,
        key: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = key.py();
        let Ok(key_text) = key.to_str() else { return Ok(None) };
        let segments: Vec<&str> = parts.path.split('/').collect();
        let decoded: Vec<_> = segments.iter().map(|raw| percent::unquote(raw, false)).collect();
        if !decoded.iter().all(|segment| segment.is_ascii()) {
            return Ok(None);
        }
        let scanned = |v: &mut Visit<'_, 'py>, part: &str| -> PyResult<String> {
            Ok(self.judge_plain(v, &PyString::new(py, part), canon)?.0.cast_into::<PyString>()?.to_str()?.to_owned())
        };
        let mut out = scanned(v, parts.prefix)?;
        let mut new_segments: Vec<String> = Vec::with_capacity(segments.len());
        for (i, (raw, decoded)) in segments.iter().zip(&decoded).enumerate() {
            let seg_key = if i > 0 { segments[i - 1] } else { key_text };
            if decoded.is_empty() || urls.is_route_param(decoded) {
                new_segments.push(raw.to_string());
                continue;
            }
            // the segment before is only a guess at this one's name: what the detectors recognise wins
            let decoded = PyString::new(py, decoded);
            let named = !urls.is_route_word(decoded.to_str()?) && !self.finds(v, &decoded, canon)?;
            let data = i > 0 && (new_segments[i - 1] != seg_key || urls.is_number(seg_key));
            let place = if data || seg_key.is_empty() { "path" } else { seg_key };
            let child = self.child(canon, &PyString::new(py, place))?;
            let named_by = PyString::new(py, if named { seg_key } else { "" });
            let new = self.string_at(v, &decoded, &child, &named_by, &intern!(py, "path").clone(), None)?;
            new_segments.push(if new.eq(&decoded)? {
                raw.to_string()
            } else {
                requote(&PyString::new(py, raw), &new.str()?, false)?.to_str()?.to_owned()
            });
        }
        out.push_str(&new_segments.join("/"));
        match parts.query.filter(|query| !query.is_empty()) {
            Some(query) => {
                out.push('?');
                match urls.query_separator(query) {
                    Some(separator) => out.push_str(&self.judge_query(v, query, separator, canon)?),
                    None => out.push_str(&scanned(v, query)?),
                }
            }
            None if value.ends_with('?') || value.contains("?#") => out.push('?'),
            None => {}
        }
        if !parts.fragment.is_empty() {
            out.push_str(&scanned(v, parts.fragment)?);
        }
        Ok(Some(PyString::new(py, &out).into_any()))
    }

    /// `Sanitizer._query` of a URL's query (`QueryString` with ``separator``): each value
    /// judged under its name, and written back in its own encoding where it changed.
    fn judge_query<'py>(
        &self, v: &mut Visit<'_, 'py>, query: &str, separator: char, canon: &Canon,
    ) -> PyResult<String> {
        let py = v.san.py();
        let tuple = canon.tuple.bind(py);
        let parent = match tuple.len() {
            0 => PyString::new(py, ""),
            n => tuple.get_item(n - 1)?.str()?,
        };
        let mut pieces = Vec::new();
        for part in query.split(separator) {
            let (name, eq, raw) = match part.split_once('=') {
                Some((name, raw)) => (name, "=", raw),
                None => (part, "", ""),
            };
            let value = percent::unquote(raw, true);
            let name_key = PyString::new(py, &percent::unquote(name, true));
            let child = self.child(canon, &name_key)?;
            v.path.push(name_key.clone().into_any());
            let new = self.string_at(v, &PyString::new(py, &value), &child, &name_key, &parent, None);
            v.path.pop();
            let new = new?;
            let new = if new.is_none() { PyString::new(py, &value) } else { new.str()? };
            let written = if new.to_str()? == value {
                raw.to_string()
            } else {
                requote(&PyString::new(py, raw), &new, true)?.to_str()?.to_owned()
            };
            pieces.push(format!("{name}{eq}{written}"));
        }
        Ok(pieces.join(&separator.to_string()))
    }

    /// Whether `_scan` finds something in ``text`` at ``canon``: as the screen tells, else as
    /// `_scan` answers.
    fn finds<'py>(&self, v: &Visit<'_, 'py>, text: &Bound<'py, PyString>, canon: &Canon) -> PyResult<bool> {
        let may_hold = match self.screening(v.san, text, canon)? {
            Screening::Nothing => return Ok(false),
            Screening::Found(..) => return Ok(true),
            Screening::Scan(may_hold) => may_hold,
        };
        v.san.call_method1(intern!(text.py(), "_scan"), (text, canon.tuple.bind(text.py()), may_hold))?.is_truthy()
    }

    /// What `_scan` makes of a plain string at ``canon``: nothing, as its cache says for a
    /// string it read before, else as the screen tells (no pattern placed there matches, and
    /// no NER runs there); if so, the string is remembered in `_scan`'s cache as `_scan`
    /// remembers what it read, for the gate to let it through too. Or the spans it finds, where
    /// the screen tells them all. If not, `_scan` gets the prefilter's verdict the screen asked,
    /// rather than ask again.
    fn screening(&self, san: &Bound<'_, PyAny>, text: &Bound<'_, PyString>, canon: &Canon) -> PyResult<Screening> {
        let cache = self.scan_cache.bind(san.py());
        let value = text.to_str()?;
        if let Some(found) = cache.get_item(text)? {
            // read at another place before (a message at each index of a list): as `_scan` answers
            let nothing = found.cast::<PyTuple>().is_ok_and(|found| found.is_empty())
                && !self.scans_by_path(san, canon, value)?.0;
            return Ok(if nothing { Screening::Nothing } else { Screening::Scan(None) });
        }
        let Some(screen) = self.screen.get() else { return Ok(Screening::Scan(None)) };
        let may_hold = prefilter::could_hold(value, &screen.prefilter.get().streets, screen.detectors);
        let scan = Ok(Screening::Scan(Some(may_hold)));
        let (by_path, elsewhere) = self.scans_by_path(san, canon, value)?;
        if by_path || screen.patterns.iter().any(|pattern| screen_finds(pattern, value)) {
            return scan;
        }
        let (mut found, mut python, mut unread) = (Vec::new(), Vec::new(), false);
        for (index, screened) in screen.finders.iter().enumerate() {
            if may_hold & screened.bit == 0 {
                continue;
            }
            if elsewhere >> index & 1 == 1 {
                unread = true; // `_scan` drops its spans here, but finds them: not nothing
                continue;
            }
            match &screened.reader {
                Reader::Python(_) => python.push(index), // once the replicas have had their say
                Reader::Replica(finder, _) => match finder.spans(text, value)? {
                    Some(spans) => found.extend(spans.into_iter().map(|(start, end)| Found {
                        finder: index,
                        start,
                        end,
                        priority: screened.priority,
                        entity: None,
                    })),
                    None => python.push(index), // its reading, where the replica leaves it to Python
                },
            }
        }
        if !python.is_empty() && !self.python_spans(screen, text, &python, &mut found)? {
            return scan;
        }
        if !found.is_empty() {
            return Ok(Screening::Found(found, may_hold));
        }
        if !unread {
            self.remember(cache, text, PyTuple::empty(san.py()))?;
        }
        Ok(Screening::Nothing)
    }

    /// The spans of the screen's detectors at ``indices`` in ``text``, each read by its Python
    /// function, added to ``found`` (their bounds, in characters, made bytes); false where
    /// `_scan` is to read the text after all: an empty span, or one holding a `%`
    /// (`_url_encoded`'s, faked decoded by Python).
    fn python_spans(
        &self, screen: &ScanScreen, text: &Bound<'_, PyString>, indices: &[usize], found: &mut Vec<Found>,
    ) -> PyResult<bool> {
        let py = text.py();
        let value = text.to_str()?;
        let at = Indices::new(value);
        let priorities = screen.priorities.bind(py);
        for &index in indices {
            let (Reader::Python(detect) | Reader::Replica(_, detect)) = &screen.finders[index].reader;
            let Some(spans) = at.spans(detect.bind(py), text)? else { return Ok(false) };
            for (start, end, entity, detector) in spans {
                if start >= end || value[start..end].contains('%') {
                    return Ok(false);
                }
                let priority = priorities.get_item(&detector)?.map_or(Ok(50), |priority| priority.extract())?;
                found.push(Found { finder: index, start, end, priority, entity: Some(entity.unbind()) });
            }
        }
        Ok(true)
    }

    /// `Sanitizer._replace_spans` of what `_scan` finds in a plain string, where the screen
    /// found it (`Screening::Found`): the overlaps resolved as `_resolve_overlaps` does, each
    /// span faked here where `fake_value` fakes it, else by `_apply`. None, for the sanitizer
    /// to read, where an e-mail address is URL-encoded (`_url_encoded`).
    fn replace_found<'py>(
        &self, v: &Visit<'_, 'py>, text: &Bound<'py, PyString>, mut found: Vec<Found>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = text.py();
        let value = text.to_str()?;
        let finders = &self.screen.get().expect("spans found by the screen").finders;
        // the higher priority first, then the longer span (in characters), then the earlier
        // detector (a stable sort: each detector's spans in its own order), as `_resolve_overlaps` sorts
        let length = |found: &Found| value[found.start..found.end].chars().count();
        found.sort_by_cached_key(|found| (found.priority, std::cmp::Reverse(length(found)), found.finder));
        let mut chosen: Vec<Found> = Vec::with_capacity(found.len()); // in order, never overlapping
        for span in found {
            let i = chosen.partition_point(|other| other.start < span.start);
            if (i > 0 && chosen[i - 1].end > span.start) || chosen.get(i).is_some_and(|other| other.start < span.end) {
                continue;
            }
            chosen.insert(i, span);
        }
        if chosen.iter().any(|span| finders[span.finder].mailbox && value[span.start..span.end].contains("%40")) {
            return Ok(None);
        }
        let (mut out, mut last) = (String::with_capacity(value.len()), 0);
        for span in &chosen {
            let Screened { rule, entity, .. } = &finders[span.finder];
            let entity = span.entity.as_ref().or(entity.as_ref()).expect("a replica's spans have its entity");
            let new =
                self.apply(v, rule.bind(py), entity.bind(py), &PyString::new(py, &value[span.start..span.end]))?;
            out.push_str(&value[last..span.start]);
            if !new.is_none() {
                out.push_str(new.cast::<PyString>()?.to_str()?); // None: removed
            }
            last = span.end;
        }
        out.push_str(&value[last..]);
        Ok(Some(PyString::new(py, &out).into_any()))
    }

    /// (Whether `_scan` may find in ``value`` at ``canon`` what it finds nowhere else: a pattern
    /// placed there whose looser form matches, or the NER model; the scan's detectors whose rule
    /// applies elsewhere only, as bits of their indices). The sanitizer's `_scans_by_path` is
    /// asked once per place.
    fn scans_by_path(&self, san: &Bound<'_, PyAny>, canon: &Canon, value: &str) -> PyResult<(bool, u64)> {
        let finds = |screens: &Option<Vec<Screen>>| {
            screens.as_ref().is_none_or(|screens| screens.iter().any(|screen| screen_finds(screen, value)))
        };
        if let Some((screens, elsewhere)) = self.places().by_path.get(&canon.id) {
            return Ok((finds(screens), *elsewhere));
        }
        let (screens, elsewhere): ByPath =
            san.call_method1(intern!(san.py(), "_scans_by_path"), (canon.tuple.bind(san.py()),))?.extract()?;
        let answer = finds(&screens);
        self.places().by_path.insert(canon.id, (screens, elsewhere));
        Ok((answer, elsewhere))
    }

    /// `_cache.remember` of a text in one of the sanitizer's text-keyed caches, which holds no
    /// text longer than `cached_chars` and starts over at `cached_texts` entries.
    fn remember<'py>(
        &self, cache: &Bound<'py, PyDict>, text: &Bound<'py, PyString>, value: impl IntoPyObject<'py>,
    ) -> PyResult<()> {
        if text.len()? > self.cached_chars {
            return Ok(());
        }
        if cache.len() >= self.cached_texts {
            cache.clear();
        }
        cache.set_item(text, value)
    }

    /// A key or pair name with identifiers in it faked; a plain name (no digit, dot or @) as it is.
    fn name<'py>(
        &self, v: &mut Visit<'_, 'py>, name: &Bound<'py, PyAny>, canon: &Canon,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Ok(text) = name.cast::<PyString>() else { return Ok(name.clone()) };
        if text.to_str().is_ok_and(is_identifier) || self.is_safe(v.san, canon)? {
            return Ok(name.clone());
        }
        let py = name.py();
        self.unless_untouched(
            text,
            &[text],
            canon,
            |places| &mut places.untouched_names,
            || {
                v.san
                    .call_method1(intern!(py, "_judge_name"), (name, v.path()?, canon.tuple.bind(py), v.run))?
                    .extract()
            },
        )
    }

    fn is_safe(&self, san: &Bound<'_, PyAny>, canon: &Canon) -> PyResult<bool> {
        self.asked_once(san, canon, intern!(san.py(), "_is_safe"), |places| &mut places.safe)
    }

    /// The sanitizer's ``method`` asked of a canonical path, once per place: its answer is kept
    /// in the map ``kept`` picks, keyed by the path's id.
    fn asked_once(
        &self, san: &Bound<'_, PyAny>, canon: &Canon, method: &Bound<'_, PyString>,
        kept: impl Fn(&mut Places) -> &mut FxHashMap<u64, bool>,
    ) -> PyResult<bool> {
        if let Some(&answer) = kept(&mut self.places()).get(&canon.id) {
            return Ok(answer);
        }
        let answer = san.call_method1(method, (canon.tuple.bind(san.py()),))?.is_truthy()?;
        kept(&mut self.places()).insert(canon.id, answer);
        Ok(answer)
    }

    /// `Sanitizer._judge` of a string a rule with the action `fake` names, where the maker fakes
    /// it (an ASCII value, not oversized, no placeholder; a repr of one in quotes, as
    /// `_apply_whole` reads it): the fake, its change recorded and the original remembered in
    /// the run as `_apply` does. None where the sanitizer is to judge it.
    fn fake_named<'py>(
        &self, v: &Visit<'_, 'py>, text: &Bound<'py, PyString>, rule: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = text.py();
        let Some([id, entity]) = self.faker(rule)? else { return Ok(None) };
        let (Ok(value), (id, entity)) = (text.to_str(), (id.bind(py), entity.bind(py))) else { return Ok(None) };
        if text.len()? > self.faking.max_chars {
            return Ok(None);
        }
        // a repr'd string keeps its quotes around the fake (`_apply_whole`); `parse_repr` reads no
        // longer text than `_MAX_NESTED`: past `cached_chars` (far shorter) Python reads it
        if value.starts_with(['\'', '"']) {
            if value.len() > self.cached_chars {
                return Ok(None);
            }
            let Some(read) = literal::python_literal(text)? else { return Ok(None) }; // literal_eval's
            let parsed = read.get_item(0)?;
            if let Ok(inner) = parsed.cast::<PyString>() {
                if parsed.repr()?.to_str()? == value {
                    let fake = self.fake_value(v.san, v.run, &v.held, id, entity, inner, &v.path)?;
                    return fake.map(|fake| Ok(fake.repr()?.into_any())).transpose();
                }
            }
        }
        let fake = self.fake_value(v.san, v.run, &v.held, id, entity, text, &v.path)?;
        Ok(fake.map(Bound::into_any))
    }

    /// The fast part of `Sanitizer._apply` for the action `fake`: where the maker fakes ``text``
    /// (an ASCII value, no placeholder), the fake, with the change recorded at ``path`` under
    /// ``rule_id`` and the original remembered in the run; None where `_apply` goes on.
    #[allow(clippy::too_many_arguments)]
    fn fake_value<'py>(
        &self, san: &Bound<'py, PyAny>, run: &Bound<'py, PyAny>, held: &Held<'py>, rule_id: &Bound<'py, PyString>,
        entity: &Bound<'py, PyString>, text: &Bound<'py, PyString>, path: &[Bound<'py, PyAny>],
    ) -> PyResult<Option<Bound<'py, PyString>>> {
        let py = text.py();
        let Ok(path) = dotted(path) else { return Ok(None) };
        let rememberer = self.faking.rememberer.bind(py);
        let made = self.faking.maker.get().in_event(entity, text, &held.known, &held.avoid, &held.fakes, rememberer)?;
        let Some((fake, pending)) = made else { return Ok(None) };
        let fields = PyTuple::new(
            py,
            [
                path.into_pyobject(py)?.into_any(),
                rule_id.clone().into_any(),
                entity.clone().into_any(),
                intern!(py, "fake").clone().into_any(),
                text.len()?.into_pyobject(py)?.into_any(),
            ],
        )?;
        let change = self.faking.tuple_new.bind(py).call1((self.faking.change.bind(py), fields))?;
        held.changes.append(change)?;
        if pending {
            san.call_method1(intern!(py, "_remember_here"), (text, &fake, entity, run))?;
        }
        Ok(Some(fake))
    }

    /// A rule's id and entity if its action is `fake`, read once per rule.
    fn faker(&self, rule: &Bound<'_, PyAny>) -> PyResult<Faker> {
        let py = rule.py();
        let address = rule.as_ptr() as usize;
        let held =
            |(_, faker): &(Py<PyAny>, Faker)| faker.as_ref().map(|pair| pair.each_ref().map(|text| text.clone_ref(py)));
        if let Some(faker) = self.places().fakers.get(&address).map(held) {
            return Ok(faker);
        }
        let fakes = rule.getattr(intern!(py, "action"))?.eq(intern!(py, "fake"))?;
        let faker = if fakes {
            let text = |name| -> PyResult<Py<PyString>> { Ok(rule.getattr(name)?.cast_into::<PyString>()?.unbind()) };
            Some([text(intern!(py, "id"))?, text(intern!(py, "entity"))?])
        } else {
            None
        };
        let entry = (rule.clone().unbind(), faker);
        let faker = held(&entry);
        self.places().fakers.insert(address, entry);
        Ok(faker)
    }

    /// The policy's rules at a place (`Sanitizer._rules_at`).
    fn rules<'py>(
        &self, v: &Visit<'_, 'py>, key: &Bound<'py, PyString>, parent: &Bound<'py, PyString>, canon: &Canon,
    ) -> PyResult<Rules<'py>> {
        let py = key.py();
        let quick = (key.as_ptr() as usize, parent.as_ptr() as usize, canon.id);
        let remembered = |rules: &[Py<PyAny>; 2]| rules.each_ref().map(|rule| rule.clone_ref(py));
        if let Some(found) = self.places().quick_rules.get(&quick).map(|(_, rules)| remembered(rules)) {
            return Ok(Rules::of(py, found));
        }
        let (parts, id) = ([key, parent], canon.id.to_le_bytes());
        if let Some(found) = with_key(&parts, &id, |place| self.places().rules.get(place).map(remembered))? {
            return Ok(Rules::of(py, found)); // a key met as a new string: kept only for a new place (see `child`)
        }
        let args = (key, parent, canon.tuple.bind(py));
        let found: [Py<PyAny>; 2] = v.san.call_method1(intern!(py, "_rules_at"), args)?.extract()?;
        let place: Box<[u8]> = with_key(&parts, &id, |place| place.into())?;
        let mut places = self.places();
        places.rules.insert(place, remembered(&found));
        let held = ([key.clone().unbind(), parent.clone().unbind()], remembered(&found));
        let forgotten = insert_bounded(&mut places.quick_rules, quick, held, PLACES);
        drop(places);
        drop(forgotten); // after unlocking: what it releases is Python's to free
        Ok(Rules::of(py, found))
    }

    /// What an object's fields see as their parent: its key, and the rules its field names place.
    fn kind<'py>(
        &self, v: &Visit<'_, 'py>, key: &Bound<'py, PyString>, dict: &Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyString>> {
        if !self.beside {
            return Ok(key.clone());
        }
        let py = key.py();
        let names: Vec<Bound<'py, PyString>> =
            dict.keys().into_iter().filter_map(|name| name.cast_into::<PyString>().ok()).collect();
        let parts: Vec<&Bound<'py, PyString>> = std::iter::once(key).chain(&names).collect();
        if let Some(kind) =
            with_key(&parts, &[], |shape| self.places().kinds.get(shape).map(|kind| kind.clone_ref(py)))?
        {
            return Ok(kind.into_bound(py));
        }
        let kind = v.san.call_method1(intern!(py, "_decide_kind"), (key, dict))?.cast_into::<PyString>()?;
        let forgotten = with_key(&parts, &[], |shape| {
            (dict.len() < 64 && shape.len() <= self.cached_chars).then(|| {
                insert_bounded(&mut self.places().kinds, shape.into(), kind.clone().unbind(), self.cached_texts)
            })
        })?;
        drop(forgotten); // after unlocking, as in `rules`
        Ok(kind)
    }

    fn canon_of(&self, tuple: &Bound<'_, PyTuple>) -> PyResult<Canon> {
        let root = Canon { id: 0, tuple: self.root.clone_ref(tuple.py()) };
        tuple.iter().try_fold(root, |canon, segment| self.child(&canon, &segment))
    }

    /// ``canon + (segment,)``, the same id each time it is met, until the places start over.
    /// A segment is told apart from others by its kind: a key, an index, or any other key a
    /// repr'd dict may have, by its type and repr (never equal to a key or index).
    fn child(&self, canon: &Canon, segment: &Bound<'_, PyAny>) -> PyResult<Canon> {
        let py = segment.py();
        let text = segment.cast::<PyString>().ok();
        let index = segment.is_exact_instance_of::<PyInt>().then(|| segment.extract::<i64>().ok()).flatten();
        let quick = match (text, index) {
            (Some(text), _) => Some(((Segment::Text(text.as_ptr() as usize), canon.id), Some(text))),
            (None, Some(index)) => Some(((Segment::Index(index), canon.id), None)),
            (None, None) => None,
        };
        if let Some((quick, _)) = quick {
            if let Some(child) = self.places().quick_canons.get(&quick).map(|(_, child)| child.clone_ref(py)) {
                return Ok(child);
            }
        }
        let (child, new) = self.child_of_place(canon, segment, text, index)?;
        // A key met as a new string each time (JSON parsed in Python, a query's names) would fill
        // the map with strings met once: a key's string is kept only where its place is new.
        if let Some((quick, text)) = quick.filter(|(_, text)| new || text.is_none()) {
            let held = (text.map(|text| text.clone().unbind()), child.clone_ref(py));
            let forgotten = insert_bounded(&mut self.places().quick_canons, quick, held, PLACES);
            drop(forgotten); // after unlocking (the guard is gone with its statement), as in `rules`
        }
        Ok(child)
    }

    /// `child`, found or made in `Places::canons`, and whether it was made.
    fn child_of_place(
        &self, canon: &Canon, segment: &Bound<'_, PyAny>, text: Option<&Bound<'_, PyString>>, index: Option<i64>,
    ) -> PyResult<(Canon, bool)> {
        let py = segment.py();
        // the key: a key's text, an index's bytes or an other key's type and repr; its kind; the parent's id
        let described = match (text, index) {
            (None, None) => Some([segment.get_type().qualname()?, segment.repr()?]),
            _ => None,
        };
        let (one, two);
        let parts: &[&Bound<'_, PyString>] = match (text, &described) {
            (Some(text), _) => {
                one = [text];
                &one
            }
            (None, Some([kind, repr])) => {
                two = [kind, repr];
                &two
            }
            (None, None) => &[],
        };
        let mut tail = [0u8; 17];
        let kind_end = match (text, index) {
            (None, Some(index)) => {
                tail[..8].copy_from_slice(&index.to_le_bytes());
                tail[8] = 1;
                9
            }
            _ => {
                tail[0] = if text.is_some() { 0 } else { 2 };
                1
            }
        };
        tail[kind_end..kind_end + 8].copy_from_slice(&canon.id.to_le_bytes());
        let tail = &tail[..kind_end + 8];
        if let Some(child) =
            with_key(parts, tail, |place| self.places().canons.get(place).map(|child| child.clone_ref(py)))?
        {
            return Ok((child, false));
        }
        let place: Box<[u8]> = with_key(parts, tail, |place| place.into())?;
        let items: Vec<Bound<'_, PyAny>> = canon.tuple.bind(py).iter().chain([segment.clone()]).collect();
        let mut places = self.places();
        let last_id = places.last_id;
        let forgotten = (places.canons.len() >= PLACES)
            .then(|| std::mem::replace(&mut *places, Places { last_id, ..Places::default() }));
        places.last_id += 1;
        let child = Canon { id: places.last_id, tuple: PyTuple::new(py, items)?.unbind() };
        places.canons.insert(place, child.clone_ref(py));
        drop(places);
        drop(forgotten); // after unlocking: what it releases is Python's to free
        Ok((child, true))
    }
}

/// Whether ASCII ``value`` may be a call repr (`Customer(name='Jane')`), which `_nested` opens
/// first where it starts with a letter: `parse_call_repr`'s own test before it parses (an `=`,
/// a `)` at the end, and `_CALL_START` at the start), its length aside.
fn may_be_call_repr(value: &str) -> bool {
    let name = value.bytes().take(129).position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.'));
    value.ends_with(')')
        && value.contains('=')
        && value.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name.is_some_and(|end| value.as_bytes()[end] == b'(')
}

/// ``judge``'s new text for ``text`` (None: the sanitizer's to judge), and whether ``text`` came
/// through untouched, as `_judge_fresh` tells: the same text, and nothing replaced, kept or
/// filtered in the run meanwhile.
fn judged<'a, 'py>(
    v: &mut Visit<'a, 'py>, text: &Bound<'py, PyString>,
    judge: impl FnOnce(&mut Visit<'a, 'py>) -> PyResult<Option<Bound<'py, PyAny>>>,
) -> PyResult<Option<(Bound<'py, PyAny>, bool)>> {
    let before = tally(v.run)?;
    let Some(new) = judge(v)? else { return Ok(None) };
    let untouched = new.eq(text)? && tally(v.run)? == before;
    Ok(Some((new, untouched)))
}

/// What a run has done so far, as `_judge_fresh` compares it: its changes, filtered values and
/// values kept.
fn tally(run: &Bound<'_, PyAny>) -> PyResult<(usize, i64, i64)> {
    let py = run.py();
    Ok((
        run.getattr(intern!(py, "changes"))?.len()?,
        run.getattr(intern!(py, "filtered"))?.extract()?,
        run.getattr(intern!(py, "keeps"))?.extract()?,
    ))
}

/// A path as reports show it (`_tree.dotted`): its segments' texts joined by dots.
fn dotted<'py>(path: &[Bound<'py, PyAny>]) -> PyResult<String> {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match segment.cast::<PyString>() {
            Ok(text) => out.push_str(&text.to_cow()?),
            Err(_) => out.push_str(&segment.str()?.to_cow()?),
        }
    }
    Ok(out)
}

thread_local! {
    static KEY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// ``value`` under ``key`` in ``map``, which starts over at ``limit`` entries: what it held then,
/// for the caller to drop after unlocking (what it releases is Python's to free).
fn insert_bounded<K: Eq + std::hash::Hash, V>(
    map: &mut FxHashMap<K, V>, key: K, value: V, limit: usize,
) -> Option<FxHashMap<K, V>> {
    let forgotten = (map.len() >= limit).then(|| std::mem::take(map));
    map.insert(key, value);
    forgotten
}

/// `look` asked with a cache key: the UTF-8 bytes of `parts` joined by `SEP`, then `tail`. The
/// key is built in this thread's buffer, so a lookup that finds it allocates nothing.
fn with_key<R>(parts: &[&Bound<'_, PyString>], tail: &[u8], look: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    KEY.with(|buffer| {
        let mut own = Vec::new();
        let mut shared = buffer.try_borrow_mut(); // taken only while a key is built and looked up
        let key = match shared.as_deref_mut() {
            Ok(shared) => shared,
            Err(_) => &mut own,
        };
        key.clear();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                key.push(SEP);
            }
            key.extend_from_slice(&utf8(part)?);
        }
        key.extend_from_slice(tail);
        Ok(look(key))
    })
}

/// The leak gate's visitor (`Walker::gate`).
struct Gate<'a, 'py> {
    walker: &'a Walker,
    san: &'a Bound<'py, PyAny>,
    known: Option<&'a KnownValues>,
    allowed: &'a Bound<'py, PySet>,
    scan_cache: &'a Bound<'py, PyDict>,
    gate_clean: &'a Bound<'py, PyDict>,
    reader: Option<&'a GateReader>,
    root: Canon,
    /// The canonical ids of the prefixes of the last canonical path asked about, each with its
    /// last segment (held, so no other object takes its address): a leaf's siblings share them.
    prefixes: Vec<(Bound<'py, PyAny>, Canon)>,
    leaks: Vec<(Bound<'py, PyTuple>, Bound<'py, PyAny>)>,
    name_leaks: Vec<(Bound<'py, PyTuple>, Bound<'py, PyAny>)>,
}

impl<'py> Gate<'_, 'py> {
    fn is_safe(&mut self, canon: &[Bound<'py, PyAny>]) -> PyResult<bool> {
        let shared = self.prefixes.iter().zip(canon).take_while(|((held, _), segment)| held.is(*segment)).count();
        self.prefixes.truncate(shared);
        for segment in &canon[shared..] {
            let child = self.walker.child(self.prefixes.last().map_or(&self.root, |(_, canon)| canon), segment)?;
            self.prefixes.push((segment.clone(), child));
        }
        self.walker.is_safe(self.san, self.prefixes.last().map_or(&self.root, |(_, canon)| canon))
    }

    fn leak(
        &mut self, value: &Bound<'py, PyString>, canon: &[Bound<'py, PyAny>],
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = value.py();
        if let Some(known) = self.known {
            let (found, unmistakable) = known.finds(value)?;
            if found {
                // a safe path is the policy's explicit choice (source code, versions, ids)
                return Ok((unmistakable || !self.is_safe(canon)?).then(|| py.None().into_bound(py)));
            }
        }
        if self.allowed.contains(value)?
            || self.scan_cache.get_item(value)?.is_some_and(|spans| spans.cast::<PyTuple>().is_ok_and(|t| t.is_empty()))
            || self.gate_clean.contains(value)?
            || self.is_safe(canon)?
        {
            return Ok(None);
        }
        if let Some(reader) = self.reader {
            match reader.leak(value, self.allowed)? {
                Verdict::Leak(found) => return Ok(Some(found.into_any())),
                Verdict::Clean { found } => {
                    // as `_gate_leak` remembers a text no gate detector finds anything in
                    if !found {
                        self.walker.remember(self.gate_clean, value, PyBool::new(py, true))?;
                    }
                    return Ok(None);
                }
                Verdict::Python => {}
            }
        }
        let found = self.san.call_method1(intern!(py, "_gate_leak"), (value, self.allowed))?;
        Ok(Some(found).filter(|found| !found.is_none()))
    }
}

impl<'py> Visitor<'py> for Gate<'_, 'py> {
    fn leaf(
        &mut self, _: &Bound<'py, PyAny>, _: &Bound<'py, PyAny>, value: &Bound<'py, PyString>,
        path: &[Bound<'py, PyAny>], canon: &[Bound<'py, PyAny>],
    ) -> PyResult<()> {
        if let Some(found) = self.leak(value, canon)? {
            self.leaks.push((PyTuple::new(value.py(), path)?, found));
        }
        Ok(())
    }

    fn name(&mut self, name: &Bound<'py, PyAny>, path: &[Bound<'py, PyAny>]) -> PyResult<()> {
        if let Some(found) = self.leak(name.cast::<PyString>()?, &[])? {
            self.name_leaks.push((PyTuple::new(name.py(), path)?, found));
        }
        Ok(())
    }
}
