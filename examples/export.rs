//! Writes every product in DynamoDB to a JSON Lines or CSV file (`-` for standard output),
//! read with a parallel scan: the file `import` loaded, in another order.
//!
//! ```sh
//! cargo run --release --features cli --example export -- copy.jsonl --segments 8
//! ```

#[path = "support/cli.rs"]
mod cli;
#[path = "support/products.rs"]
mod products;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use futures::TryStreamExt;

use cli::{message, Connection};
use products::{Format, Product};

#[derive(Parser, Debug)]
#[command(
    name = "export",
    about = "Writes every product in DynamoDB to a JSON Lines or CSV file"
)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    /// The file to write, or `-` for standard output.
    file: PathBuf,
    /// The format (default: from the file's extension; JSON Lines on standard output).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Parallel scan segments.
    #[arg(long, default_value_t = 4)]
    segments: u32,
}

fn main() -> ExitCode {
    cli::main(run)
}

async fn run(cli: Cli) -> Result<(), String> {
    let to_stdout = cli.file.as_os_str() == "-";
    let format = if to_stdout {
        cli.format.unwrap_or(Format::Jsonl)
    } else {
        Format::of(cli.format, &cli.file)?
    };
    let db = cli.connection.db().await?;
    let out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        let file =
            std::fs::File::create(&cli.file).map_err(|e| format!("{}: {e}", cli.file.display()))?;
        Box::new(file)
    };
    let mut sink = match format {
        Format::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(BufWriter::new(out)))),
        Format::Jsonl => Sink::Jsonl(BufWriter::new(out)),
    };
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", cli.file.display());
    let started = Instant::now();
    let mut products = std::pin::pin!(db.scan::<Product>().segments(cli.segments.max(1)).stream());
    let mut count = 0usize;
    while let Some(product) = products.try_next().await.map_err(message)? {
        sink.write(&product).map_err(|e| failed(&e))?;
        count += 1;
    }
    sink.finish().map_err(|e| failed(&e))?;
    eprintln!(
        "exported {count} products in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Where records go, in their format.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<Box<dyn Write>>>>),
    Jsonl(BufWriter<Box<dyn Write>>),
}

impl Sink {
    fn write(&mut self, product: &Product) -> Result<(), Box<dyn std::error::Error>> {
        match self {
            Sink::Csv(writer) => writer.serialize(product)?,
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, product)?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Box<dyn std::error::Error>> {
        match self {
            Sink::Csv(mut writer) => writer.flush()?,
            Sink::Jsonl(mut out) => out.flush()?,
        }
        Ok(())
    }
}
