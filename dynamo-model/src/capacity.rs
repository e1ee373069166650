//! `Capacity`: a meter of the read and write capacity requests consume.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

/// Adds up the capacity units that requests report. Pass it to a request with
/// `.capacity(&meter)`; a query or scan adds every page it reads. Cheap to clone: clones share
/// one total.
///
/// ```
/// # use dynamo_model::Capacity;
/// let meter = Capacity::new();
/// // db.get(key).capacity(&meter).send().await?;
/// assert_eq!(meter.units(), 0.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Capacity {
    units: Arc<Mutex<Totals>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    units: f64,
    requests: usize,
}

impl Capacity {
    /// A meter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Capacity units consumed so far (reads and writes together, as DynamoDB reports them).
    pub fn units(&self) -> f64 {
        self.totals().units
    }

    /// How many responses reported capacity.
    pub fn requests(&self) -> usize {
        self.totals().requests
    }

    fn totals(&self) -> Totals {
        *self.units.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add(&self, consumed: Option<&ConsumedCapacity>) {
        if let Some(units) = consumed.and_then(|c| c.capacity_units) {
            let mut totals = self.units.lock().unwrap_or_else(|e| e.into_inner());
            totals.units += units;
            totals.requests += 1;
        }
    }
}

/// What a request asks for: totals when metered or when its tracing span is recorded (which
/// reports them), nothing otherwise.
pub(crate) fn asked(meter: Option<&Capacity>) -> Option<ReturnConsumedCapacity> {
    (meter.is_some() || crate::op::span::recording()).then_some(ReturnConsumedCapacity::Total)
}

/// Records the consumed capacity of a response over several tables (a batch, a transaction)
/// on the meter, if there is one: one response, every table's units.
pub(crate) fn record_all(meter: Option<&Capacity>, consumed: &[ConsumedCapacity]) {
    if let (Some(meter), false) = (meter, consumed.is_empty()) {
        let units: f64 = consumed.iter().filter_map(|c| c.capacity_units).sum();
        let mut totals = meter.units.lock().unwrap_or_else(|e| e.into_inner());
        totals.units += units;
        totals.requests += 1;
    }
}

/// Records a response's consumed capacity on the meter, if there is one.
pub(crate) fn record(meter: Option<&Capacity>, consumed: Option<&ConsumedCapacity>) {
    if let Some(meter) = meter {
        meter.add(consumed);
    }
}
