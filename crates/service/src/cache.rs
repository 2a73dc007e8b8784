//! Reports computed from a whole scope — the landing page's figures, the coverage report, the
//! compliance overview — read every org and member of it: milliseconds for a branch, tens of
//! milliseconds for a city, most of a second for a province. Many people open them and the data
//! behind them changes far less often than they look, so each is kept per key (scope, day and
//! parameters) until the data changes.
//!
//! "Changes" is the database's data generation, advanced by every committed write of business
//! data in this process (`Db::generation`). A write made by another process — a command run
//! against the database while the server serves — is not counted, so an entry is also
//! recomputed once it is [`MAX_AGE`] old.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a report may be kept without regard to writes, bounding how stale a report can be
/// after a change made outside the server.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// Entries kept per report; past that the oldest is dropped. One per scope and parameters in
/// use: a bureau has a few hundred secretaries.
const CAPACITY: usize = 512;

struct Entry<V> {
    generation: u64,
    made: Instant,
    value: Arc<V>,
}

/// One report's cached values by key.
pub struct ReportCache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// Computations run one at a time, so that many requests arriving together for a report
    /// not yet cached compute it once and the rest wait for it.
    computing: tokio::sync::Mutex<()>,
}

impl<K: Hash + Eq + Clone, V> Default for ReportCache<K, V> {
    fn default() -> Self {
        ReportCache {
            entries: Mutex::new(HashMap::new()),
            computing: tokio::sync::Mutex::new(()),
        }
    }
}

impl<K: Hash + Eq + Clone, V> ReportCache<K, V> {
    /// The value for `key` computed at the current `generation`, computing it if there is
    /// none. The generation is read before computing: a write committed while the report is
    /// computed leaves it older than the data, and the next request computes it again.
    pub async fn get_or_compute<E, F>(
        &self,
        key: K,
        generation: impl Fn() -> u64,
        compute: F,
    ) -> Result<Arc<V>, E>
    where
        F: AsyncFnOnce() -> Result<V, E>,
    {
        if let Some(value) = self.fresh(&key, generation()) {
            return Ok(value);
        }
        let _turn = self.computing.lock().await;
        let current = generation();
        if let Some(value) = self.fresh(&key, current) {
            return Ok(value);
        }
        let value = Arc::new(compute().await?);
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, e)| e.made)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Entry {
                generation: current,
                made: Instant::now(),
                value: value.clone(),
            },
        );
        Ok(value)
    }

    fn fresh(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        self.lock()
            .get(key)
            .filter(|e| e.generation == generation && e.made.elapsed() < MAX_AGE)
            .map(|e| e.value.clone())
    }

    /// The entries, also after a panic elsewhere while they were held: each entry is
    /// written whole, so none can be half-made.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    #[tokio::test]
    async fn a_report_is_kept_until_the_generation_moves() {
        let cache: ReportCache<&str, u32> = ReportCache::default();
        let generation = AtomicU64::new(0);
        let computed = AtomicU32::new(0);
        let compute =
            async || -> Result<u32, ()> { Ok(computed.fetch_add(1, Ordering::SeqCst) + 1) };
        let now = || generation.load(Ordering::SeqCst);
        assert_eq!(*cache.get_or_compute("a", now, compute).await.unwrap(), 1);
        assert_eq!(*cache.get_or_compute("a", now, compute).await.unwrap(), 1);
        // Another key is computed on its own.
        assert_eq!(*cache.get_or_compute("b", now, compute).await.unwrap(), 2);
        generation.fetch_add(1, Ordering::SeqCst);
        assert_eq!(*cache.get_or_compute("a", now, compute).await.unwrap(), 3);
        assert_eq!(computed.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let cache: ReportCache<u8, u8> = ReportCache::default();
        let failed = cache
            .get_or_compute(1, || 0, async || Err::<u8, &str>("down"))
            .await;
        assert_eq!(failed.unwrap_err(), "down");
        let value = cache
            .get_or_compute(1, || 0, async || Ok::<u8, &str>(7))
            .await;
        assert_eq!(*value.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_write_during_the_computation_leaves_the_report_stale() {
        let cache: ReportCache<u8, u64> = ReportCache::default();
        let generation = AtomicU64::new(5);
        let now = || generation.load(Ordering::SeqCst);
        let first = cache
            .get_or_compute(1, now, async || {
                // A write commits while the report is read.
                generation.fetch_add(1, Ordering::SeqCst);
                Ok::<u64, ()>(1)
            })
            .await;
        assert_eq!(*first.unwrap(), 1);
        let second = cache
            .get_or_compute(1, now, async || Ok::<u64, ()>(2))
            .await;
        assert_eq!(*second.unwrap(), 2);
    }

    #[tokio::test]
    async fn the_oldest_entry_makes_room() {
        let cache: ReportCache<usize, usize> = ReportCache::default();
        for key in 0..=CAPACITY {
            cache
                .get_or_compute(key, || 0, async || Ok::<usize, ()>(key))
                .await
                .unwrap();
        }
        assert_eq!(cache.lock().len(), CAPACITY);
        assert!(cache.lock().contains_key(&CAPACITY));
    }
}
