//! Random values for jitter and tokens, without a dependency: SplitMix64 over a per-thread
//! state seeded once from the standard library's per-process random hash keys (which the
//! operating system seeds), the clock and a per-process counter. Unpredictable enough that two
//! writers never draw the same token; not for secrets.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A seed no other thread, in this process or another, starts from.
fn seed() -> u64 {
    static THREADS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(THREADS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

/// 64 random bits; two calls never give the same value in one thread (SplitMix64 is a
/// bijection of its state, which steps through all 2^64 values).
pub(crate) fn u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A uniform number in [0, 1).
pub(crate) fn unit() -> f64 {
    (u64() >> 11) as f64 / (1u64 << 53) as f64
}
