//! A/B measurement within one run: every side of a comparison runs one block per round, the
//! sides take turns going first, and a ratio is the median of the per-round ratios, shown with
//! its spread (lowest and highest round). Drift on a shared machine (other load, frequency,
//! the allocator's state) falls on every side alike, where back-to-back single runs would put
//! it on one.

#![allow(dead_code)] // each bench uses a part of this

use std::time::Instant;

/// Rounds per comparison.
pub const ROUNDS: usize = 41;

/// One side: its name and one block of work, returning the nanoseconds per operation.
pub struct Side<'a> {
    pub name: &'static str,
    pub block: Box<dyn FnMut() -> f64 + 'a>,
}

impl<'a> Side<'a> {
    pub fn new(name: &'static str, block: impl FnMut() -> f64 + 'a) -> Self {
        Side {
            name,
            block: Box::new(block),
        }
    }
}

/// Times `ops` operations of `op` over fresh inputs: `setup` builds the inputs outside the
/// clock (for operations that consume them), `op` runs once per input.
pub fn per_op<I, O>(inputs: impl FnOnce() -> Vec<I>, mut op: impl FnMut(I) -> O) -> f64 {
    let inputs = inputs();
    let n = inputs.len();
    let started = Instant::now();
    for input in inputs {
        std::hint::black_box(op(std::hint::black_box(input)));
    }
    started.elapsed().as_nanos() as f64 / n as f64
}

/// The median and the spread of some figures.
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        Spread {
            median: values[values.len() / 2],
            low: values[0],
            high: values[values.len() - 1],
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ({:.2}-{:.2})", self.median, self.low, self.high)
    }
}

/// Runs `sides` for `ROUNDS` rounds (plus one warm-up round, not counted) and prints one line:
/// each side's median time per operation, then each ratio `a / b` asked for in `ratios`
/// (indexes into `sides`) as the median of per-round ratios with its spread. Returns the
/// ratios.
/// Comparisons whose label holds none of the parts of `PAIRED_ONLY` (separated by `|`) are
/// skipped: `PAIRED_ONLY='update|query' cargo bench --bench expressions`, for a profile of a few.
pub fn compare(label: &str, sides: &mut [Side<'_>], ratios: &[(usize, usize)]) -> Vec<Spread> {
    if let Ok(only) = std::env::var("PAIRED_ONLY") {
        if !only.split('|').any(|part| label.contains(part)) {
            return Vec::new();
        }
    }
    let n = sides.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); n];
    for round in 0..=ROUNDS {
        let mut this_round = vec![0.0; n];
        for turn in 0..n {
            let side = (round + turn) % n;
            this_round[side] = (sides[side].block)();
        }
        if round > 0 {
            for (side, t) in this_round.into_iter().enumerate() {
                times[side].push(t);
            }
        }
    }
    let spreads: Vec<Spread> = ratios
        .iter()
        .map(|&(a, b)| Spread::of(times[a].iter().zip(&times[b]).map(|(x, y)| x / y).collect()))
        .collect();
    let mut line = format!("{label:<28}");
    for (side, t) in sides.iter().zip(&times) {
        line.push_str(&format!(
            " {}={}",
            side.name,
            human(Spread::of(t.clone()).median)
        ));
    }
    for (&(a, b), spread) in ratios.iter().zip(&spreads) {
        line.push_str(&format!("  {}/{}={spread}", sides[a].name, sides[b].name));
    }
    println!("{line}");
    spreads
}

/// Nanoseconds for people.
pub fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
