//! Loads a JSON Lines or CSV file of products into DynamoDB with one batch, showing a live
//! progress bar (items per second, writes retried), and prints the throughput.
//!
//! ```sh
//! cargo run --release --features cli --example import -- products.jsonl --generate 100000
//! cargo run --release --features cli --example import -- products.jsonl
//! cargo run --release --features cli --example export -- copy.jsonl
//! ```
//!
//! Every line is read and checked (its format, then the model's validation rules) before
//! anything is written: a bad line stops the import with its line number, and nothing is
//! written. The batch then sends 25 items per request, 16 requests at a time, retrying what
//! DynamoDB leaves unprocessed. `--endpoint URL` / `--aws` as for the other examples.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/products.rs"]
mod products;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use dynamo_model::prelude::*;
use dynamo_model::BatchPolicy;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{message, say, Connection};
use products::{Format, Product};

#[derive(Parser, Debug)]
#[command(
    name = "import",
    about = "Loads a JSON Lines or CSV file of products into DynamoDB"
)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    /// The file to load.
    file: PathBuf,
    /// The file's format (default: from its extension).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Batch requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// First writes this many sample products to the file.
    #[arg(long, value_name = "N")]
    generate: Option<usize>,
}

fn main() -> ExitCode {
    cli::main(run)
}

async fn run(cli: Cli) -> Result<(), String> {
    let format = Format::of(cli.format, &cli.file)?;
    if let Some(n) = cli.generate {
        generate(&cli.file, format, n)?;
        say(format!(
            "wrote {n} sample products to {}",
            cli.file.display()
        ));
    }
    let products = read(&cli.file, format)?;
    let db = cli.connection.db_with_table::<Product>().await?;

    let bar = ProgressBar::with_draw_target(
        Some(products.len() as u64),
        ProgressDrawTarget::stderr_with_hz(10),
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} items, {per_sec}, {elapsed} elapsed, {msg}",
        )
        .expect("a valid template"),
    );
    let started = Instant::now();
    let mut last = dynamo_model::BatchProgress::default();
    let result = db
        .batch_put(&products)
        .policy(BatchPolicy {
            concurrency: cli.concurrency.max(1),
            ..BatchPolicy::default()
        })
        .on_progress(|progress| {
            bar.set_position(progress.done as u64);
            bar.set_message(format!("{} retried", progress.retried));
            last = *progress;
        })
        .send()
        .await;
    bar.finish();
    let elapsed = started.elapsed().as_secs_f64();
    result.map_err(|e| match e {
        Error::Unprocessed { writes, .. } => {
            // A write whose answer was lost may have landed: said so, not counted as failed.
            let unknown = writes
                .iter()
                .filter(|w| w.outcome == dynamo_model::Outcome::Unknown)
                .count();
            format!(
                "{} of {} products were not written after retries and {unknown} may or may not have been (their answers were lost); the others were; importing the file again is safe (a put writes the same item)",
                writes.len() - unknown,
                products.len()
            )
        }
        other => message(other),
    })?;
    say(format!(
        "imported {} products in {elapsed:.1} s ({:.0} items/s), {} writes retried, {} requests",
        last.done,
        last.done as f64 / elapsed,
        last.retried,
        last.requests
    ));
    Ok(())
}

/// Every product of the file, each checked against the model's rules; the first bad line is
/// an error naming it.
fn read(path: &Path, format: Format) -> Result<Vec<Product>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.display();
    let mut products = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |line: usize, product: Product| -> Result<(), String> {
        product
            .validate()
            .map_err(|e| format!("{name}, line {line}: {}", message(e)))?;
        if !seen.insert(product.sku.clone()) {
            return Err(format!(
                "{name}, line {line}: sku {:?} appears twice",
                product.sku
            ));
        }
        products.push(product);
        Ok(())
    };
    match format {
        Format::Jsonl => {
            for (i, line) in BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|e| format!("{name}: {e}"))?;
                if line.trim().is_empty() {
                    continue;
                }
                let product: Product = serde_json::from_str(&line)
                    .map_err(|e| format!("{name}, line {}: {e}", i + 1))?;
                add(i + 1, product)?;
            }
        }
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(file);
            for (i, record) in reader.deserialize::<Product>().enumerate() {
                // The header is line 1.
                let line = i + 2;
                let product = record.map_err(|e| {
                    let line = e.position().map_or(line as u64, |p| p.line());
                    format!("{name}, line {line}: {}", csv_error(&e))
                })?;
                add(line, product)?;
            }
        }
    }
    Ok(products)
}

fn csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        _ => error.to_string(),
    }
}

/// Writes `n` sample products.
fn generate(path: &Path, format: Format, n: usize) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    let categories = ["tea", "kitchen", "garden", "books", "toys"];
    let products = (0..n).map(|i| Product {
        sku: format!("SKU-{i:07}"),
        name: format!("Product {i}"),
        category: categories[i % categories.len()].to_owned(),
        price_cents: (i as u64 * 37) % 20_000 + 99,
        stock: (i % 500) as u32,
        description: (i % 3 == 0).then(|| format!("The {i}th product, with a \"quote\", a comma")),
    });
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    match format {
        Format::Jsonl => {
            for product in products {
                serde_json::to_writer(&mut out, &product).map_err(|e| failed(&e))?;
                out.write_all(b"\n").map_err(|e| failed(&e))?;
            }
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut out);
            for product in products {
                writer.serialize(product).map_err(|e| failed(&e))?;
            }
            writer.flush().map_err(|e| failed(&e))?;
        }
    }
    out.flush().map_err(|e| failed(&e))
}
