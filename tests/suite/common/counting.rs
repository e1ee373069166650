//! A `Db` that counts the requests its client sends: how tests show that bad input is refused
//! before anything is sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use dynamo_model::Db;

/// The number of requests sent so far.
#[derive(Debug, Default)]
pub struct Requests(AtomicUsize);

impl Requests {
    pub fn sent(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug)]
struct Counting(Arc<Requests>);

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "count-requests"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0 .0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A `Db` on the test binary's DynamoDB Local with the table prefix of `test`, counting its
/// requests.
#[track_caller]
pub fn db(test: &str) -> impl std::future::Future<Output = (Db, Arc<Requests>)> {
    let prefix = super::prefix(test);
    async move {
        let requests = Arc::new(Requests::default());
        let config = super::local()
            .await
            .config()
            .to_builder()
            .interceptor(Counting(requests.clone()))
            .build();
        let db = Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix(prefix);
        (db, requests)
    }
}
