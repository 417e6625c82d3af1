//! Detectors by name: [`Registry`].

use std::fmt;

use super::{
    Consensus, DETECTOR_NAMES, Hamilton, NeuroKit, PanTompkins, RPeakDetector, StreamingDetector,
};

type Factory<D> = Box<dyn Fn() -> Box<D> + Send + Sync>;

/// How an entry builds its detector.
enum Entry {
    Streaming(Factory<dyn StreamingDetector>),
    Batch(Factory<dyn RPeakDetector>),
}

/// Detectors by name, for programs that choose one at run time (the `exg` CLI's `--detector`).
///
/// Names match case-insensitively and ignoring `-` and `_` (`Pan_Tompkins` = `pantompkins`).
/// [`Registry::builtin`] holds the built-in detectors ([`DETECTOR_NAMES`]); [`register`]
/// adds a streaming detector (or replaces one of the same name), [`register_batch`] a batch-only
/// one.
///
/// ```
/// use exg_signal::rpeaks::{Consensus, Hamilton, PanTompkins, Registry};
/// let mut registry = Registry::builtin();
/// // A stricter Hamilton, and a two-member vote, under new names.
/// registry
///     .register("hamilton-strict", || {
///         Box::new(Hamilton { threshold_coeff: 0.4, ..Hamilton::default() })
///     })
///     .register("pt+hamilton", || {
///         Box::new(Consensus::new(vec![
///             Box::new(PanTompkins::default()),
///             Box::new(Hamilton::default()),
///         ]))
///     });
/// assert!(registry.get("Hamilton_Strict").is_some());
/// assert_eq!(registry.names().last(), Some("pt+hamilton"));
/// assert!(registry.get("unknown").is_none());
/// ```
///
/// [`register`]: Registry::register
/// [`register_batch`]: Registry::register_batch
#[derive(Default)]
pub struct Registry {
    /// `(name as registered, entry)`, in registration order.
    entries: Vec<(String, Entry)>,
    /// `(normalised alias, normalised name)`.
    aliases: Vec<(String, String)>,
}

/// Lower case without `-` and `_`.
fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '_'], "")
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in detectors with their paper defaults, in the order of [`DETECTOR_NAMES`],
    /// plus the aliases `pantompkins1985` and `default` (Pan-Tompkins, ungated) and
    /// `hamilton2002`.
    pub fn builtin() -> Self {
        let [pt, hamilton, neurokit, consensus] = DETECTOR_NAMES;
        let mut r = Self::new();
        r.register(pt, || Box::new(PanTompkins::default()))
            .register(hamilton, || Box::new(Hamilton::default()))
            .register(neurokit, || Box::new(NeuroKit::default()))
            .register(consensus, || Box::new(Consensus::default()))
            .alias("pantompkins1985", pt)
            .alias("default", pt)
            .alias("hamilton2002", hamilton);
        r
    }

    fn insert(&mut self, name: &str, entry: Entry) -> &mut Self {
        let key = normalise(name);
        self.aliases.retain(|(a, _)| *a != key);
        match self.entries.iter_mut().find(|(n, _)| normalise(n) == key) {
            Some(slot) => *slot = (name.to_owned(), entry),
            None => self.entries.push((name.to_owned(), entry)),
        }
        self
    }

    /// Registers a streaming detector under `name` (replacing any detector or alias of that
    /// name); `factory` builds a fresh one each time it is asked for.
    pub fn register<F>(&mut self, name: &str, factory: F) -> &mut Self
    where
        F: Fn() -> Box<dyn StreamingDetector> + Send + Sync + 'static,
    {
        self.insert(name, Entry::Streaming(Box::new(factory)))
    }

    /// Registers a batch-only detector under `name`: [`get`](Self::get) finds it,
    /// [`streaming`](Self::streaming) does not.
    pub fn register_batch<F>(&mut self, name: &str, factory: F) -> &mut Self
    where
        F: Fn() -> Box<dyn RPeakDetector> + Send + Sync + 'static,
    {
        self.insert(name, Entry::Batch(Box::new(factory)))
    }

    /// Makes `alias` another name of the registered `name` (not listed by
    /// [`names`](Self::names)).
    pub fn alias(&mut self, alias: &str, name: &str) -> &mut Self {
        let key = normalise(alias);
        self.aliases.retain(|(a, _)| *a != key);
        self.aliases.push((key, normalise(name)));
        self
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        let mut key = normalise(name);
        if let Some((_, target)) = self.aliases.iter().find(|(a, _)| *a == key) {
            key.clone_from(target);
        }
        self.entries
            .iter()
            .find(|(n, _)| normalise(n) == key)
            .map(|(_, e)| e)
    }

    /// A new detector registered as `name` (streaming or batch-only); `None` if unknown.
    pub fn get(&self, name: &str) -> Option<Box<dyn RPeakDetector>> {
        Some(match self.entry(name)? {
            Entry::Streaming(f) => f(),
            Entry::Batch(f) => f(),
        })
    }

    /// A new streaming detector registered as `name`; `None` if unknown or batch-only.
    pub fn streaming(&self, name: &str) -> Option<Box<dyn StreamingDetector>> {
        match self.entry(name)? {
            Entry::Streaming(f) => Some(f()),
            Entry::Batch(_) => None,
        }
    }

    /// The registered names (without aliases), in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names().collect::<Vec<_>>())
            .field("aliases", &self.aliases)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_replacement() {
        let mut r = Registry::builtin();
        assert_eq!(r.names().collect::<Vec<_>>(), DETECTOR_NAMES);
        for (alias, name) in [
            ("Pan-Tompkins", "pantompkins"),
            ("pan_tompkins_1985", "pantompkins"),
            ("DEFAULT", "pantompkins"),
            ("hamilton2002", "hamilton"),
        ] {
            assert_eq!(r.get(alias).unwrap().name(), name, "{alias}");
        }
        // Replacing a built-in keeps its place; registering an alias's name drops the alias.
        r.register("hamilton", || Box::new(NeuroKit::default()))
            .register_batch("default", || Box::new(Hamilton::default()));
        assert_eq!(r.get("hamilton").unwrap().name(), "neurokit");
        assert_eq!(r.names().collect::<Vec<_>>()[1], "hamilton");
        assert_eq!(r.get("default").unwrap().name(), "hamilton");
        assert!(r.streaming("default").is_none());
        assert!(Registry::new().get("pantompkins").is_none());
    }
}
