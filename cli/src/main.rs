//! `p-stake-pool`: create and run stake pools of the SPL stake pool interface (p-stake-pool
//! or the SPL program itself) from a terminal. See `p-stake-pool --help`.

mod chain;
mod commands;
mod config;
mod keeper;
mod landing;
mod metrics;
mod pool;
mod rebalance;
mod rpc;
mod staking;
mod strategy;
mod tickets;
mod update;

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, sync::Arc};

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::Value;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

use chain::{Ctx, OutputFormat, TransactionFailed};

/// The SPL stake pool program's address: the default `--program-id` (this tool drives any
/// program of the interface).
const SPL_STAKE_POOL_PROGRAM_ID: &str = "SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy";

#[derive(Parser)]
#[command(
    name = "p-stake-pool",
    version,
    about = "Create, run and use stake pools"
)]
struct Cli {
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml]
    #[arg(short = 'C', long, global = true)]
    config: Option<PathBuf>,
    /// RPC URL or moniker (mainnet-beta, devnet, testnet, localhost, or m/d/t/l); several,
    /// comma-separated (or the flag repeated before the command), fail over to each other
    #[arg(short = 'u', long = "url", global = true, value_delimiter = ',')]
    url: Vec<String>,
    /// Seconds an RPC request may take before it is retried (on the next --url)
    #[arg(long, global = true, default_value_t = 30)]
    rpc_timeout: u64,
    /// Keypair that pays and signs [default: the config file's keypair]
    #[arg(short = 'k', long, global = true)]
    keypair: Option<String>,
    /// The stake pool program
    #[arg(long, global = true, env = "P_STAKE_POOL_PROGRAM_ID", default_value = SPL_STAKE_POOL_PROGRAM_ID)]
    program_id: Pubkey,
    /// processed, confirmed or finalized [default: the config file's, else confirmed]
    #[arg(long, global = true)]
    commitment: Option<String>,
    /// How results are printed
    #[arg(long, global = true, value_enum, default_value = "display")]
    output: OutputFormat,
    /// Simulate every transaction and print what would be sent; sign and send nothing
    #[arg(long, global = true)]
    dry_run: bool,
    /// Priority fee: `auto` (a percentile of the recent fees paid to write the same accounts,
    /// from getRecentPrioritizationFees) or micro-lamports per compute unit [default: none;
    /// `auto` for the keeper]
    #[arg(long, global = true, alias = "compute-unit-price")]
    priority_fee: Option<landing::PriorityFee>,
    /// The percentile of recent fees `--priority-fee auto` pays
    #[arg(long, global = true, default_value_t = 75, value_parser = clap::value_parser!(u8).range(0..=100))]
    priority_fee_percentile: u8,
    /// The least `--priority-fee auto` pays, in micro-lamports per compute unit (accounts only
    /// the pool writes often show no recent fees at all) [default: 0; 10000 for the keeper]
    #[arg(long, global = true)]
    priority_fee_floor: Option<u64>,
    /// The most priority fee one transaction may pay, in lamports (a transaction signed again
    /// after its blockhash expired offers more, up to this)
    #[arg(long, global = true, default_value_t = 100_000)]
    max_priority_fee: u64,
    #[command(subcommand)]
    command: commands::Command,
}

/// The keeper's `--priority-fee-floor` unless told otherwise: 10,000 micro-lamports per CU
/// (2,000 lamports over a 200,000-CU update transaction), so its transactions compete even where
/// recent fees on the pool's accounts are all zero.
const KEEPER_FEE_FLOOR: u64 = 10_000;

/// What a command prints: the same facts for people and for programs.
pub struct Report {
    pub display: String,
    pub json: Value,
}

async fn connect(cli: &Cli) -> Result<Ctx> {
    let file = config::SolanaConfig::load(cli.config.as_deref())?;
    let urls: Vec<String> = if cli.url.is_empty() {
        vec![config::rpc_url(
            file.json_rpc_url.as_deref().unwrap_or("mainnet-beta"),
        )]
    } else {
        cli.url.iter().map(|url| config::rpc_url(url)).collect()
    };
    let commitment = config::commitment(
        cli.commitment
            .as_deref()
            .or(file.commitment.as_deref())
            .unwrap_or("confirmed"),
    )?;
    let keypair_path = cli
        .keypair
        .clone()
        .or(file.keypair_path)
        .unwrap_or_else(|| "~/.config/solana/id.json".into());
    let payer = config::keypair(&keypair_path)
        .with_context(|| "no signer: pass --keypair or set keypair_path in the config file")?;
    let counters = Arc::new(metrics::Counters::default());
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(cli.rpc_timeout.max(1)))
        .build()
        .context("cannot build an HTTP client")?;
    let sender = rpc::FailoverSender::new(
        &urls.clone(),
        std::time::Duration::from_secs(cli.rpc_timeout.max(1)),
        counters.clone(),
    );
    let keeper = match &cli.command {
        commands::Command::Keeper(args) => Some(args),
        _ => None,
    };
    let journal = match keeper {
        Some(args) if !cli.dry_run && !args.watch_only => {
            Some(landing::Journal::open(&args.journal_path())?)
        }
        _ => None,
    };
    Ok(Ctx {
        rpc: RpcClient::new_sender(
            sender,
            solana_rpc_client::rpc_client::RpcClientConfig::with_commitment(commitment),
        ),
        payer: Arc::new(payer),
        program_id: cli.program_id,
        dry_run: cli.dry_run,
        fees: landing::FeePolicy {
            // The keeper must land: it pays what the accounts it writes are paying.
            fee: cli
                .priority_fee
                .or(keeper.map(|_| landing::PriorityFee::Auto)),
            percentile: cli.priority_fee_percentile,
            floor: cli.priority_fee_floor.unwrap_or(if keeper.is_some() {
                KEEPER_FEE_FLOOR
            } else {
                0
            }),
            max_lamports: cli.max_priority_fee,
        },
        counters,
        journal,
        urls,
        http,
        progress: std::io::stderr().is_terminal(),
    })
}

fn print(format: OutputFormat, report: &Report) {
    if report.json.is_null() {
        // The command printed as it went (the keeper's JSON lines).
        return;
    }
    match format {
        OutputFormat::Display => print!("{}", report.display),
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report.json).unwrap()),
        OutputFormat::JsonCompact => println!("{}", report.json),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = async {
        let ctx = connect(&cli).await?;
        if cli.dry_run && cli.output == OutputFormat::Display {
            eprintln!(
                "dry run: nothing is signed or sent (payer {})",
                ctx.payer.pubkey()
            );
        }
        commands::run(&ctx, &cli.command).await
    }
    .await;
    match result {
        Ok(report) => {
            print(cli.output, &report);
            ExitCode::SUCCESS
        }
        Err(error) => {
            let failed = error.downcast_ref::<TransactionFailed>();
            if cli.output == OutputFormat::Display {
                eprintln!("error: {error:#}");
                if let Some(failed) = failed {
                    for line in failed.logs.iter().rev().take(8).rev() {
                        eprintln!("  log: {line}");
                    }
                }
            } else {
                let json = serde_json::json!({
                    "error": format!("{error:#}"),
                    "logs": failed.map(|failed| failed.logs.clone()).unwrap_or_default(),
                });
                eprintln!("{json}");
            }
            ExitCode::FAILURE
        }
    }
}
