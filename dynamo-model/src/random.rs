//! Random values for jitter and tokens, without a dependency: the standard library's
//! per-process random hash keys (seeded by the operating system) over a counter and the clock.
//! Unpredictable enough that two writers never draw the same token; not for secrets.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// 64 random bits; two calls never give the same value in one process.
pub(crate) fn u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// A uniform number in [0, 1).
pub(crate) fn unit() -> f64 {
    (u64() >> 11) as f64 / (1u64 << 53) as f64
}
