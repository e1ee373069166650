//! A fault-injecting proxy in front of DynamoDB Local, on loopback: the paths DynamoDB Local
//! never takes (throttling, server errors, lost responses, partial batches) made to happen, so
//! the library's handling of them is tested against the real database behind it.
//!
//! Each request is forwarded, or (at the given rate, chosen by a seeded generator) answered
//! with one fault: `ProvisionedThroughputExceededException`, `ThrottlingException`, a 500, a
//! 503, a delay, the connection dropped before forwarding (nothing applied) or after DynamoDB
//! Local answered (applied, the answer lost), or, for batches, only part of the request
//! forwarded and the rest returned unprocessed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use dynamo_model::Db;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

/// `FAULTS_SCALE`: how many times the default counts of the fault tests.
pub fn scale() -> usize {
    std::env::var("FAULTS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 400 `ProvisionedThroughputExceededException`: nothing applied.
    Throughput,
    /// 400 `ThrottlingException`: nothing applied.
    Throttling,
    /// 500 `InternalServerError`: nothing applied here (the client cannot know).
    Internal,
    /// 503 `ServiceUnavailable`: nothing applied here.
    Unavailable,
    /// Forwarded after a delay.
    Delay,
    /// The connection closed before forwarding: nothing applied.
    DropBefore,
    /// Forwarded, then the connection closed before the answer: applied, the answer lost.
    DropAfter,
    /// A batch forwarded in part; the rest comes back unprocessed.
    PartialBatch,
}

const ALL: [Fault; 8] = [
    Fault::Throughput,
    Fault::Throttling,
    Fault::Internal,
    Fault::Unavailable,
    Fault::Delay,
    Fault::DropBefore,
    Fault::DropAfter,
    Fault::PartialBatch,
];

/// Which faults, how often, from which seed.
#[derive(Debug, Clone)]
pub struct Faults {
    pub rate: f64,
    pub seed: u64,
    pub kinds: Vec<Fault>,
    /// The first requests' faults, in order (`None`: forwarded), before the random ones.
    pub script: Vec<Option<Fault>>,
}

impl Faults {
    /// Every kind of fault, on `rate` of the requests.
    pub fn all(rate: f64, seed: u64) -> Faults {
        Faults {
            rate,
            seed,
            kinds: ALL.to_vec(),
            script: Vec::new(),
        }
    }

    /// The first requests meet these faults in order (`None`: forwarded), and every later
    /// request is forwarded: a deterministic interleaving.
    pub fn script(script: impl IntoIterator<Item = Option<Fault>>) -> Faults {
        Faults {
            rate: 0.0,
            seed: 1,
            kinds: Vec::new(),
            script: script.into_iter().collect(),
        }
    }

    /// One kind of fault on every request.
    pub fn only(kind: Fault) -> Faults {
        Faults {
            rate: 1.0,
            seed: 1,
            kinds: vec![kind],
            script: Vec::new(),
        }
    }
}

/// How many requests met each fault.
#[derive(Debug, Default)]
pub struct Stats {
    counts: Mutex<Vec<(Fault, usize)>>,
    pub requests: AtomicUsize,
}

impl Stats {
    fn count(&self, fault: Fault) {
        let mut counts = self.counts.lock().unwrap();
        match counts.iter_mut().find(|(f, _)| *f == fault) {
            Some((_, n)) => *n += 1,
            None => counts.push((fault, 1)),
        }
    }

    /// How many requests met `fault`.
    pub fn of(&self, fault: Fault) -> usize {
        let counts = self.counts.lock().unwrap();
        counts
            .iter()
            .find(|(f, _)| *f == fault)
            .map_or(0, |(_, n)| *n)
    }

    /// Every fault met, for reports.
    pub fn summary(&self) -> String {
        let counts = self.counts.lock().unwrap();
        let total = self.requests.load(Ordering::SeqCst);
        let parts: Vec<String> = counts.iter().map(|(f, n)| format!("{f:?} {n}")).collect();
        format!("{total} requests; faults: {}", parts.join(", "))
    }
}

/// Runs once, after a `DropAfter` fault's request was applied and before its connection is
/// closed: another writer's request, placed exactly between two attempts of a write.
pub type Between = Box<dyn FnOnce() -> futures::future::BoxFuture<'static, ()> + Send>;

struct State {
    upstream: SocketAddr,
    faults: Faults,
    random: Mutex<u64>,
    stats: Arc<Stats>,
    /// How many requests the script has answered.
    scripted: AtomicUsize,
    between: Arc<Mutex<Option<Between>>>,
}

impl State {
    /// A uniform number in [0, 1) from the seeded generator (xorshift64*).
    fn next(&self) -> f64 {
        let mut state = self.random.lock().unwrap();
        let mut x = *state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&self, operation: &str) -> Option<Fault> {
        let at = self.scripted.fetch_add(1, Ordering::SeqCst);
        if let Some(fault) = self.faults.script.get(at) {
            return *fault;
        }
        if self.next() >= self.faults.rate {
            return None;
        }
        let batch = operation.starts_with("Batch");
        let kinds: Vec<Fault> = self
            .faults
            .kinds
            .iter()
            .copied()
            .filter(|k| batch || *k != Fault::PartialBatch)
            .collect();
        if kinds.is_empty() {
            return None;
        }
        let at = ((self.next() * kinds.len() as f64) as usize).min(kinds.len() - 1);
        Some(kinds[at])
    }
}

/// The proxy, running until dropped.
pub struct FaultProxy {
    pub endpoint: String,
    pub stats: Arc<Stats>,
    between: Arc<Mutex<Option<Between>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The connection is to be closed without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of the test binary's DynamoDB Local.
    pub async fn start(faults: Faults) -> FaultProxy {
        let local = super::local().await;
        let upstream: SocketAddr = local
            .endpoint()
            .trim_start_matches("http://")
            .parse()
            .expect("DynamoDB Local listens on a loopback address");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let stats = Arc::new(Stats::default());
        let between: Arc<Mutex<Option<Between>>> = Arc::default();
        let state = Arc::new(State {
            upstream,
            random: Mutex::new(faults.seed.max(1)),
            faults,
            stats: stats.clone(),
            scripted: AtomicUsize::new(0),
            between: between.clone(),
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { handle(request, &state).await }
                    });
                    // A service error closes the connection without an answer: that is a drop.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy {
            endpoint,
            stats,
            between,
            task,
        }
    }

    /// Runs `between` once, after the next `DropAfter` request was applied and before its
    /// answer is dropped (another writer's write, exactly between two attempts).
    pub fn between(&self, between: Between) {
        *self.between.lock().unwrap() = Some(between);
    }

    /// A `Db` through the proxy, with the table prefix of `test`, retrying up to `attempts`
    /// times with short backoffs (so a test at 30% faults stays quick).
    #[track_caller]
    pub fn db(&self, test: &str, attempts: u32) -> impl std::future::Future<Output = Db> + '_ {
        let prefix = super::prefix(test);
        async move {
            let config = super::local()
                .await
                .config()
                .to_builder()
                .endpoint_url(&self.endpoint)
                .retry_config(
                    aws_sdk_dynamodb::config::retry::RetryConfig::standard()
                        .with_max_attempts(attempts)
                        .with_initial_backoff(Duration::from_millis(2))
                        .with_max_backoff(Duration::from_millis(20)),
                )
                .build();
            Db::new(aws_sdk_dynamodb::Client::from_conf(config)).table_prefix(prefix)
        }
    }
}

async fn handle(
    request: Request<Incoming>,
    state: &State,
) -> Result<Response<Full<Bytes>>, Dropped> {
    state.stats.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or("")
        .to_owned();
    let Some(fault) = state.pick(&operation) else {
        return forward(state.upstream, &parts, body).await;
    };
    state.stats.count(fault);
    match fault {
        Fault::Throughput => Ok(error(
            400,
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        )),
        Fault::Throttling => Ok(error(
            400,
            "com.amazon.coral.availability#ThrottlingException",
        )),
        Fault::Internal => Ok(error(
            500,
            "com.amazonaws.dynamodb.v20120810#InternalServerError",
        )),
        Fault::Unavailable => Ok(error(
            503,
            "com.amazon.coral.availability#ServiceUnavailableException",
        )),
        Fault::Delay => {
            tokio::time::sleep(Duration::from_millis(20)).await;
            forward(state.upstream, &parts, body).await
        }
        Fault::DropBefore => Err(Dropped),
        Fault::DropAfter => {
            forward(state.upstream, &parts, body).await?;
            let between = state.between.lock().unwrap().take();
            if let Some(between) = between {
                between().await;
            }
            Err(Dropped)
        }
        Fault::PartialBatch => partial(state.upstream, &parts, body, &operation).await,
    }
}

/// A DynamoDB error answer.
fn error(status: u16, kind: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "__type": kind, "message": "injected by the fault proxy" });
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "FAULTPROXY")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// Sends the request to DynamoDB Local on a connection of its own, and returns its answer.
async fn forward(
    upstream: SocketAddr,
    parts: &hyper::http::request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let stream = TcpStream::connect(upstream).await.map_err(|_| Dropped)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Dropped)?;
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone());
    for (name, value) in &parts.headers {
        // The body may have been changed (a partial batch): its length is set anew.
        if name != "content-length" {
            request = request.header(name, value);
        }
    }
    let request = request.body(Full::new(body)).map_err(|_| Dropped)?;
    let response = sender.send_request(request).await.map_err(|_| Dropped)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let mut answer = Response::builder().status(parts.status);
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "transfer-encoding" {
            answer = answer.header(name, value);
        }
    }
    answer.body(Full::new(body)).map_err(|_| Dropped)
}

/// Forwards about half of a batch and returns the rest as unprocessed, as DynamoDB does under
/// load.
async fn partial(
    upstream: SocketAddr,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    operation: &str,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let Ok(mut request) = serde_json::from_slice::<Value>(&body) else {
        return forward(upstream, parts, body).await;
    };
    let mut withheld = serde_json::Map::new();
    if let Some(Value::Object(tables)) = request.get_mut("RequestItems") {
        for (table, entry) in tables.iter_mut() {
            let list = match (operation, entry) {
                ("BatchWriteItem", Value::Array(list)) => list,
                ("BatchGetItem", Value::Object(keys)) => match keys.get_mut("Keys") {
                    Some(Value::Array(list)) => list,
                    _ => continue,
                },
                _ => continue,
            };
            if list.len() < 2 {
                continue;
            }
            let rest = list.split_off(list.len() / 2);
            withheld.insert(table.clone(), Value::Array(rest));
        }
    }
    if withheld.is_empty() {
        return forward(upstream, parts, body).await;
    }
    let answer = forward(upstream, parts, Bytes::from(request.to_string())).await?;
    let (answer_parts, answer_body) = answer.into_parts();
    let bytes = answer_body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let Ok(mut answer) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(answer_parts, Full::new(bytes)));
    };
    if !answer_parts.status.is_success() {
        return Ok(Response::from_parts(answer_parts, Full::new(bytes)));
    }
    let field = if operation == "BatchWriteItem" {
        "UnprocessedItems"
    } else {
        "UnprocessedKeys"
    };
    let unprocessed = answer
        .as_object_mut()
        .unwrap()
        .entry(field)
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    for (table, rest) in withheld {
        let entry = if operation == "BatchWriteItem" {
            rest
        } else {
            // The keys with the table's other read settings, as DynamoDB returns them.
            let mut keys = request["RequestItems"][&table].clone();
            keys["Keys"] = rest;
            keys
        };
        match unprocessed.get_mut(&table) {
            Some(Value::Array(list)) => list.extend(entry.as_array().cloned().unwrap_or_default()),
            _ => {
                unprocessed[&table] = entry;
            }
        }
    }
    Ok(Response::from_parts(
        answer_parts,
        Full::new(Bytes::from(answer.to_string())),
    ))
}
