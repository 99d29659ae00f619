//! Splitting a run over machines, and stopping one cleanly.
//!
//! `--shard K/N` keeps the units of work (suite instances, sweep points,
//! search cases) whose index is K − 1 modulo N. The split depends only on
//! the index, never on timing, so N shards merged (`equal-power merge`)
//! give the same records, in the same order, as one unsharded run.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// One shard of N: the units whose index is `index − 1` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// 1-based, as schedulers number array jobs.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole run as a single shard.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses "K/N" with 1 ≤ K ≤ N.
    ///
    /// # Errors
    ///
    /// Names the value when it is not of that form.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || Error::invalid(format!("--shard \"{text}\": expected K/N with 1 ≤ K ≤ N"));
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Returns true when this shard owns unit `unit` (0-based).
    pub fn owns(&self, unit: usize) -> bool {
        unit % self.count == self.index - 1
    }

    /// Returns true for the whole run.
    pub fn is_whole(&self) -> bool {
        self.count == 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Records that the user asked to stop (the Ctrl-C handler calls this).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Returns true once the user has asked to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_shards_own_every_unit_once() {
        let shards: Vec<Shard> =
            (1..=3).map(|k| Shard::parse(&format!("{k}/3")).unwrap()).collect();
        for unit in 0..20 {
            let owners = shards.iter().filter(|s| s.owns(unit)).count();
            assert_eq!(owners, 1, "unit {unit}");
        }
    }

    #[test]
    fn malformed_shards_are_refused_naming_the_value() {
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.message.contains(&format!("\"{bad}\"")), "{}", e.message);
        }
    }
}
