//! Sending writes so that none is applied twice and every outcome reported is proved.
//!
//! The SDK's own retries resend a request after any transient failure, including one that may
//! have been applied (a lost response, a 5xx): an `ADD` lands twice, a `create` meets its own
//! item. Writes therefore go through a client with the SDK's retries off, and this loop retries
//! them knowing what each failure means:
//! - DynamoDB refused the request for load (throttling) or it was never sent: nothing was
//!   applied, so it is sent again;
//! - it may have been applied (a 5xx, a timeout, a connection lost after sending): it is sent
//!   again only when applying it twice changes nothing more and its answer does not describe
//!   the item before it ([`Repeat::Safe`]: puts, deletes, updates of absolute values or with an
//!   expected version), or when it carries an idempotency token ([`Repeat::Token`]:
//!   transactions, resent until DynamoDB answers, within the settle window). A relative update
//!   ([`Repeat::Once`]) is not sent again.
//!
//! Then [`conclude`] decides how a single-item write whose answer was lost ends, by its
//! identity (the write token, the version: [`crate::pipeline::identity`]) as the stored item
//! shows it — the item a failed retry's condition returned, or a consistent read — and never by
//! comparing contents.
//!
//! Attempts and backoff follow the client's retry configuration (attempts, initial and maximum
//! backoff), with full jitter.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::ReturnValue;

use crate::db::Db;
use crate::error::{sdk_outcome, Error, Outcome, Result, StoredItem};
use crate::pipeline::identity::{verdict, Identity, Seen, Verdict};
use crate::schema::Schema;
use crate::value::Item;

/// How long a write with an idempotency token keeps resending, after an attempt whose answer
/// was lost, to learn its outcome; DynamoDB keeps a token for 10 minutes.
pub(crate) const DEFAULT_SETTLE_WINDOW: Duration = Duration::from_secs(30);

/// How many attempts a write gets, and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    /// How long a write with an idempotency token resends after an uncertain attempt.
    pub(crate) settle_window: Duration,
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
            settle_window: DEFAULT_SETTLE_WINDOW,
        }
    }

    /// Full jitter: a random wait between 0 and `min(max, initial * 2^retry)`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        cap.mul_f64(crate::random::unit())
    }
}

/// Whether a request may be sent again after an attempt that may have been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Applying it twice changes nothing more than applying it once.
    Safe,
    /// It is not sent again once it may have been applied.
    Once,
    /// It carries an idempotency token: DynamoDB applies it once however often it arrives, and
    /// answers a resend with the outcome. Resent after the attempt budget too, within the
    /// settle window, until an answer says what happened.
    Token,
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

/// Which failure made a write's outcome uncertain.
#[derive(Debug)]
pub(crate) enum Uncertain {
    /// None: every attempt was answered or refused before it could apply anything.
    No,
    /// The last attempt's own failure.
    Last,
    /// An earlier attempt's failure; the last failed otherwise.
    Earlier(Error),
}

/// What sending a write came to: the last attempt's result, and what made it uncertain.
#[derive(Debug)]
pub(crate) struct Attempts<T> {
    pub(crate) result: Result<T>,
    pub(crate) uncertain: Uncertain,
}

impl<T> Attempts<T> {
    /// The result of a write whose outcome no stored item can tell more of (a transaction): a
    /// failure after which it may have been applied is [`Error::OutcomeUnknown`] naming the
    /// failure that made it so; any other failure is itself.
    pub(crate) fn finish(
        self,
        operation: &'static str,
        table: &str,
        token: Option<&str>,
    ) -> Result<T> {
        let error = match self.result {
            Ok(output) => return Ok(output),
            Err(error) => error,
        };
        Err(match self.uncertain {
            Uncertain::No => error,
            Uncertain::Last => unknown(operation, table, error, None, None, token),
            Uncertain::Earlier(cause) => unknown(operation, table, cause, None, None, token),
        })
    }
}

/// [`Error::OutcomeUnknown`].
fn unknown(
    operation: &'static str,
    table: &str,
    cause: Error,
    found: Option<String>,
    stored_version: Option<i128>,
    token: Option<&str>,
) -> Error {
    Error::OutcomeUnknown {
        operation,
        table: table.to_owned(),
        cause: Box::new(cause),
        known: Box::new(crate::error::Known {
            seen: found,
            stored_version,
            token: token.map(str::to_owned),
        }),
    }
}

/// Sends a write, `attempt(n)` building attempt `n` (from 0), retrying as the module docs say;
/// `to_error` maps a failure. An `Err` is a request that could not be built again for a retry.
pub(crate) async fn send<T, E, Fut>(
    policy: RetryPolicy,
    repeat: Repeat,
    mut attempt: impl FnMut(u32) -> Result<Fut>,
    to_error: impl Fn(SdkError<E, HttpResponse>) -> Error,
) -> Result<Attempts<T>>
where
    E: ProvideErrorMetadata,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let started = Instant::now();
    let mut uncertain = Uncertain::No;
    let mut n = 0;
    loop {
        let err = match attempt(n)?.await {
            Ok(value) => {
                crate::op::span::attempts(n + 1);
                return Ok(Attempts {
                    result: Ok(value),
                    uncertain,
                });
            }
            Err(err) => err,
        };
        n += 1;
        let outcome = sdk_outcome(&err);
        let maybe_applied = outcome == Outcome::Unknown || !matches!(uncertain, Uncertain::No);
        let in_budget = n < policy.max_attempts
            || (repeat == Repeat::Token
                && maybe_applied
                && started.elapsed() < policy.settle_window);
        let again = retryable(&err)
            && in_budget
            && (outcome == Outcome::NotApplied || repeat != Repeat::Once);
        if !again {
            crate::op::span::attempts(n);
            // DynamoDB answered a request with a token: its answer is the outcome of every
            // attempt (a resend of one that was applied is answered as applied).
            let answered = repeat == Repeat::Token
                && !retryable(&err)
                && matches!(err, SdkError::ServiceError(_));
            let error = to_error(err);
            let uncertain = match (uncertain, outcome) {
                _ if answered => Uncertain::No,
                (Uncertain::No, Outcome::Unknown) => Uncertain::Last,
                (uncertain, _) => uncertain,
            };
            return Ok(Attempts {
                result: Err(error),
                uncertain,
            });
        }
        if outcome == Outcome::Unknown && matches!(uncertain, Uncertain::No) {
            uncertain = Uncertain::Earlier(to_error(err));
        }
        tracing::debug!(attempt = n, ?outcome, "retrying a write");
        tokio::time::sleep(policy.backoff((n - 1).min(16))).await;
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
    to_error: impl Fn(SdkError<E, HttpResponse>) -> Error,
) -> Result<Attempts<T>>
where
    E: ProvideErrorMetadata,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let mut first = Some(first);
    send(
        policy,
        repeat,
        |_| {
            let request = match first.take() {
                Some(request) => request,
                None => rebuild()?,
            };
            Ok(dispatch(request))
        },
        to_error,
    )
    .await
}

/// A single-item write, as [`conclude`] needs it.
pub(crate) struct SingleWrite<'a> {
    pub(crate) db: &'a Db,
    pub(crate) operation: &'static str,
    pub(crate) table: &'a str,
    pub(crate) schema: &'static Schema,
    /// The item's primary key, for a read after the attempts.
    pub(crate) key: Item,
    pub(crate) identity: &'a Identity,
}

/// What the executor reads of a single-item write's answer: the capacity it consumed and its
/// request id, for the caller's capacity meter and the request span.
pub(crate) trait Answer: aws_sdk_dynamodb::operation::RequestId {
    fn consumed(&self) -> &Option<aws_sdk_dynamodb::types::ConsumedCapacity>;
}

macro_rules! answers {
    ($($output:ty),*) => {$(
        impl Answer for $output {
            fn consumed(&self) -> &Option<aws_sdk_dynamodb::types::ConsumedCapacity> {
                &self.consumed_capacity
            }
        }
    )*};
}

answers!(
    aws_sdk_dynamodb::operation::put_item::PutItemOutput,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput,
    aws_sdk_dynamodb::operation::update_item::UpdateItemOutput
);

/// Sends a single-item write (PutItem, DeleteItem, UpdateItem) and settles it: `first`, then
/// requests from `rebuild`, sent under the client's retry policy as `repeat` allows; an answer's
/// consumed capacity recorded on `meter` and, with its request id, on the request span; a lost
/// answer settled by [`conclude`]. The one tail of every single-item write: a request module
/// builds its request and maps the ending to its output.
pub(crate) async fn single_write<B, T, E, Fut>(
    write: SingleWrite<'_>,
    meter: Option<&crate::capacity::Capacity>,
    repeat: Repeat,
    first: B,
    rebuild: impl FnMut() -> Result<B>,
    dispatch: impl Fn(B) -> Fut,
) -> Result<Concluded<T>>
where
    T: Answer,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    SdkError<E, HttpResponse>: aws_sdk_dynamodb::operation::RequestId,
    aws_sdk_dynamodb::Error: From<SdkError<E, HttpResponse>>,
    Fut: Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
{
    let (operation, table) = (write.operation, write.table);
    tracing::debug!(table = %table, "{operation}");
    let attempts = send_built(
        write.db.retry_policy(),
        repeat,
        first,
        rebuild,
        dispatch,
        |e| Error::from_sdk(operation, table, e),
    )
    .await?;
    let concluded = conclude(write, attempts).await?;
    if let Concluded::Answered(output) = &concluded {
        crate::capacity::record(meter, output.consumed().as_ref());
        crate::op::span::answered(output.request_id(), output.consumed().as_slice());
    }
    Ok(concluded)
}

impl<'a> SingleWrite<'a> {
    /// A write of an item of `M`.
    pub(crate) fn of<M: crate::model::Model>(
        db: &'a Db,
        operation: &'static str,
        table: &'a str,
        key: Item,
        identity: &'a Identity,
    ) -> Self {
        SingleWrite {
            db,
            operation,
            table,
            schema: M::SCHEMA,
            key,
            identity,
        }
    }
}

/// How a single-item write ended, when its outcome is known.
#[derive(Debug)]
pub(crate) enum Concluded<T> {
    /// An attempt was answered: its output.
    Answered(T),
    /// Applied, though its answer was lost: the stored item, which holds this write's token.
    Applied(Item),
    /// Not applied: why (a failed condition holds the stored item, for the caller to explain).
    Refused(Error),
}

/// How a single-item write ends. Answered or refused without doubt, it says so. When an attempt
/// may have been applied, the stored item decides ([`verdict`]): the item a retry's failed
/// condition returned, or else (attempts spent, or a write not sent again) a consistent read,
/// when the write's identity can prove anything; a write it cannot prove either way, or whose
/// read fails too, is [`Error::OutcomeUnknown`].
pub(crate) async fn conclude<T>(
    write: SingleWrite<'_>,
    attempts: Attempts<T>,
) -> Result<Concluded<T>> {
    let SingleWrite {
        db,
        operation,
        table,
        schema,
        key,
        identity,
    } = write;
    let error = match attempts.result {
        Ok(output) => return Ok(Concluded::Answered(output)),
        Err(error) => error,
    };
    let (last, cause) = match attempts.uncertain {
        Uncertain::No => return Ok(Concluded::Refused(error)),
        Uncertain::Last => (None, error),
        Uncertain::Earlier(cause) => (Some(error), cause),
    };
    let (stored, seen) = match last {
        Some(Error::ConditionFailed { item, .. }) => {
            (item.map(StoredItem::into_inner), Seen::Refusal)
        }
        _ if identity.provable() => match crate::op::read_back(db, table, key).await {
            Ok(stored) => (stored, Seen::Read),
            Err(read) => {
                let found = format!("a read to learn whether it was applied failed too: {read}");
                return Err(unknown(operation, table, cause, Some(found), None, None));
            }
        },
        _ => return Err(unknown(operation, table, cause, None, None, None)),
    };
    match verdict(schema, identity, stored.as_ref(), seen) {
        Verdict::Applied => Ok(Concluded::Applied(stored.unwrap_or_default())),
        Verdict::NotApplied => Ok(Concluded::Refused(Error::ConditionFailed {
            table: table.to_owned(),
            item: stored.map(StoredItem::from),
        })),
        Verdict::Unknown { found, version } => {
            Err(unknown(operation, table, cause, Some(found), version, None))
        }
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

/// A caller's idempotency token: DynamoDB takes 1 to 36 characters.
pub(crate) fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || token.chars().count() > 36 {
        return Err(Error::InvalidRequest {
            message: format!(
                "an idempotency token has 1 to 36 characters; {:?} has {}",
                token,
                token.chars().count()
            ),
        });
    }
    Ok(())
}

/// An idempotency token for a transaction: 32 hex digits (DynamoDB takes 1 to 36 characters).
pub(crate) fn token() -> String {
    format!("{:016x}{:016x}", crate::random::u64(), crate::random::u64())
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
            settle_window: DEFAULT_SETTLE_WINDOW,
        };
        for retry in 0..40 {
            assert!(policy.backoff(retry) <= Duration::from_millis(50));
        }
        assert!(policy.backoff(0) <= Duration::from_millis(10));
    }
}
