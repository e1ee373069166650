//! Sending writes so that none is applied twice and every failure says what happened.
//!
//! The SDK's own retries resend a request after any transient failure, including one that may
//! have been applied (a lost response, a 5xx): an `ADD` lands twice, a `create` meets its own
//! item. Writes therefore go through a client with the SDK's retries off, and this loop retries
//! them knowing what each failure means:
//! - DynamoDB refused the request for load (throttling) or it was never sent: nothing was
//!   applied, so it is sent again;
//! - it may have been applied (a 5xx, a timeout, a connection lost after sending): it is sent
//!   again only when applying it twice changes nothing more and its answer does not describe
//!   the item before it ([`Repeat::Safe`]: puts, deletes, updates of absolute values,
//!   transactions with their idempotency token); a conditional write whose retry then fails its
//!   condition is checked against a consistent read ([`Failed::settle`]). Otherwise
//!   ([`Repeat::Once`]: relative updates, writes returning the old item) the write reports
//!   [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
//!
//! Attempts and backoff follow the client's retry configuration (attempts, initial and maximum
//! backoff), with full jitter.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::ReturnValue;

use crate::error::{sdk_outcome, Error, Outcome, Result};

/// How many attempts a write gets, and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
}

impl RetryPolicy {
    /// The client's retry configuration (the SDK's standard one when it has none).
    pub(crate) fn of(config: &aws_sdk_dynamodb::Config) -> RetryPolicy {
        let standard = aws_sdk_dynamodb::config::retry::RetryConfig::standard();
        let retry = config.retry_config().unwrap_or(&standard);
        RetryPolicy {
            max_attempts: retry.max_attempts().max(1),
            initial_backoff: retry.initial_backoff(),
            max_backoff: retry.max_backoff(),
        }
    }

    /// Full jitter: a random wait between 0 and `min(max, initial * 2^retry)`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        cap.mul_f64(random_unit())
    }
}

/// Whether a request may be sent again after an attempt that may have been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Applying it twice changes nothing more than applying it once.
    Safe,
    /// It is not sent again once it may have been applied.
    Once,
}

impl Repeat {
    /// For a write that changes nothing more when applied twice: `Safe`, unless its answer
    /// describes the item before it (`ALL_OLD`, `UPDATED_OLD`), which only the first answer
    /// holds; a retry's answer would describe the write's own first attempt.
    pub(crate) fn answering(return_values: &ReturnValue) -> Repeat {
        match return_values {
            ReturnValue::AllOld | ReturnValue::UpdatedOld => Repeat::Once,
            _ => Repeat::Safe,
        }
    }
}

/// What sending a write came to: the last attempt's result, and whether any attempt may have
/// been applied.
pub(crate) struct Sent<T, E> {
    pub(crate) result: std::result::Result<T, SdkError<E, HttpResponse>>,
    pub(crate) maybe_applied: bool,
}

/// Sends a write, `attempt(n)` building attempt `n` (from 0), retrying as the module docs say.
/// An `Err` is a request that could not be built again for a retry.
pub(crate) async fn send<T, E, Fut>(
    policy: RetryPolicy,
    repeat: Repeat,
    mut attempt: impl FnMut(u32) -> Result<Fut>,
) -> Result<Sent<T, E>>
where
    E: ProvideErrorMetadata,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let mut maybe_applied = false;
    let mut n = 0;
    loop {
        let err = match attempt(n)?.await {
            Ok(value) => {
                crate::op::span::attempts(n + 1);
                return Ok(Sent {
                    result: Ok(value),
                    maybe_applied,
                });
            }
            Err(err) => err,
        };
        n += 1;
        let outcome = sdk_outcome(&err);
        maybe_applied |= outcome == Outcome::Unknown;
        let again = retryable(&err)
            && n < policy.max_attempts
            && (outcome == Outcome::NotApplied || repeat == Repeat::Safe);
        if !again {
            crate::op::span::attempts(n);
            return Ok(Sent {
                result: Err(err),
                maybe_applied,
            });
        }
        tracing::debug!(attempt = n, ?outcome, "retrying a write");
        tokio::time::sleep(policy.backoff(n - 1)).await;
    }
}

/// [`send`] for a request built ahead: `first` is sent first, and each retry sends a request
/// `rebuild` makes afresh (sending consumes a builder; building again costs only on the rare
/// retry, where keeping a copy would cost on every write).
pub(crate) async fn send_built<B, T, E, Fut>(
    policy: RetryPolicy,
    repeat: Repeat,
    first: B,
    mut rebuild: impl FnMut() -> Result<B>,
    dispatch: impl Fn(B) -> Fut,
) -> Result<Sent<T, E>>
where
    E: ProvideErrorMetadata,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let mut first = Some(first);
    send(policy, repeat, |_| {
        let request = match first.take() {
            Some(request) => request,
            None => rebuild()?,
        };
        Ok(dispatch(request))
    })
    .await
}

/// A single-item write whose last attempt failed with `error`.
pub(crate) struct Failed {
    pub(crate) operation: &'static str,
    pub(crate) table: String,
    pub(crate) error: Error,
    /// Whether an attempt may have been applied.
    pub(crate) maybe_applied: bool,
}

impl Failed {
    /// How the write ends, the same for every single-item write. When no attempt may have been
    /// applied, `error` (through `explain`) is the answer. When one may have been, and the last
    /// attempt was refused by its condition (`checkable`), the refusal may be this write's own
    /// earlier attempt: `written` reads the stored item and gives it when it holds what this
    /// write wrote; then the write succeeded, and `output` makes its result from that item, or
    /// gives `None` when the result was only in the lost response (reported as unknown, with
    /// that reason). Otherwise the write's outcome is unknown.
    pub(crate) async fn settle<S, T, W>(
        self,
        checkable: bool,
        written: impl FnOnce() -> W,
        output: impl FnOnce(S) -> Option<Result<T>>,
        explain: impl FnOnce(Error) -> Error,
    ) -> Result<T>
    where
        W: Future<Output = Result<Option<S>>>,
    {
        let Failed {
            operation,
            table,
            error,
            maybe_applied,
        } = self;
        if !maybe_applied {
            return Err(explain(error));
        }
        if checkable {
            return match written().await? {
                Some(stored) => output(stored).unwrap_or_else(|| {
                    Err(Error::OutcomeUnknown {
                        operation,
                        table,
                        cause: Box::new(Error::InvalidRequest {
                            message: "it was applied, and what its response held was lost with it"
                                .into(),
                        }),
                    })
                }),
                None => Err(explain(error)),
            };
        }
        Err(Error::OutcomeUnknown {
            operation,
            table,
            cause: Box::new(error),
        })
    }
}

/// Error codes of requests DynamoDB refused for load (nothing applied; worth trying again).
const THROTTLING: [&str; 6] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "Throttling",
    "ThrottledException",
    // A transaction with the same token is still running.
    "TransactionInProgressException",
];

/// Whether a failure is worth another attempt: throttling, a server error, or no answer.
pub(crate) fn retryable<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(service) => {
            service.raw().status().as_u16() >= 500
                || service
                    .err()
                    .code()
                    .is_some_and(|code| THROTTLING.contains(&code))
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    }
}

/// A uniform number in [0, 1) for jitter; not for anything that needs real randomness.
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// 64 random bits: the standard library's per-process random hash keys over a counter and the
/// clock, so that two calls never give the same value in one process.
fn random_u64() -> u64 {
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

/// An idempotency token for a transaction: 32 hex digits (DynamoDB takes 1 to 36 characters).
pub(crate) fn token() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

/// Whether a stored value is the one a write sent: equal, numbers compared as numbers (DynamoDB
/// may spell `1.50` as `1.5`), sets as sets.
pub(crate) fn same_value(
    sent: &aws_sdk_dynamodb::types::AttributeValue,
    stored: &aws_sdk_dynamodb::types::AttributeValue,
) -> bool {
    use crate::pipeline::decimal::Decimal;
    use aws_sdk_dynamodb::types::AttributeValue as V;
    let number = |a: &str, b: &str| {
        a == b || Decimal::parse(a).is_some_and(|a| Some(a) == Decimal::parse(b))
    };
    match (sent, stored) {
        (V::N(a), V::N(b)) => number(a, b),
        (V::Ns(a), V::Ns(b)) => {
            a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| number(x, y)))
        }
        (V::Ss(a), V::Ss(b)) => a.len() == b.len() && a.iter().all(|x| b.contains(x)),
        (V::Bs(a), V::Bs(b)) => a.len() == b.len() && a.iter().all(|x| b.contains(x)),
        (V::L(a), V::L(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y)),
        (V::M(a), V::M(b)) => same_item(a, b),
        (a, b) => a == b,
    }
}

/// Whether a stored item is the one a write sent.
pub(crate) fn same_item(sent: &crate::value::Item, stored: &crate::value::Item) -> bool {
    sent.len() == stored.len()
        && sent
            .iter()
            .all(|(name, value)| stored.get(name).is_some_and(|s| same_value(value, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_fit() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 32));
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        };
        for retry in 0..40 {
            assert!(policy.backoff(retry) <= Duration::from_millis(50));
        }
        assert!(policy.backoff(0) <= Duration::from_millis(10));
    }
}
