//! `p-stake-pool`: create and run stake pools of the SPL stake pool interface (p-stake-pool
//! or the SPL program itself) from a terminal. See `p-stake-pool --help`.

mod chain;
mod commands;
mod config;
mod keeper;
mod landing;
mod metrics;
mod offline;
mod pool;
mod rebalance;
mod rpc;
mod signers;
mod staking;
mod strategy;
mod tickets;
mod update;

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, sync::Arc};

use solana_hash::Hash;
use solana_signature::Signature;

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
    /// The default signer: pays, and signs for every role no other argument names. Any
    /// signer the `solana` CLI takes: a keypair file, usb://ledger[?key=N], prompt://, stdin,
    /// ASK, or a public key with --signer [default: the config file's keypair]
    #[arg(short = 'k', long, global = true, value_name = "SIGNER")]
    keypair: Option<String>,
    /// Who pays the fees (a signer, as --keypair) [default: the default signer]
    #[arg(long, global = true, value_name = "SIGNER")]
    fee_payer: Option<String>,
    /// The pool's manager, for commands the manager signs (a signer, as --keypair; a
    /// multisig vault's address with --dump-transaction-message) [default: the default signer]
    #[arg(long, global = true, value_name = "SIGNER")]
    manager: Option<String>,
    /// The pool's staker, for commands the staker signs (a signer, as --keypair)
    /// [default: the default signer]
    #[arg(long, global = true, value_name = "SIGNER")]
    staker: Option<String>,
    /// Sign with the signers at hand and print their signatures (PUBKEY=SIGNATURE) and the
    /// absent ones; send nothing. Needs --blockhash or --nonce
    #[arg(long, global = true, conflicts_with = "dry_run")]
    sign_only: bool,
    /// Print each transaction's unsigned message (base58 and base64) for a multisig's
    /// proposal tool, with the authorities as given (a vault's address) and --fee-payer; send
    /// nothing
    #[arg(long, global = true, conflicts_with = "dry_run")]
    dump_transaction_message: bool,
    /// The blockhash to sign over (from `solana block`/`getLatestBlockhash`, or the one a
    /// --sign-only run printed)
    #[arg(
        long,
        global = true,
        value_name = "BLOCKHASH",
        conflicts_with = "dry_run"
    )]
    blockhash: Option<Hash>,
    /// A signature made elsewhere (by --sign-only) for a signer given as a public key;
    /// repeat for each
    #[arg(long = "signer", global = true, value_name = "PUBKEY=SIGNATURE",
          value_parser = signers::parse_presigned, conflicts_with = "dry_run")]
    presigned: Vec<(solana_pubkey::Pubkey, Signature)>,
    /// A durable nonce account: the transaction uses its nonce instead of a recent blockhash
    /// and stays valid until the nonce is used
    #[arg(
        long,
        global = true,
        value_name = "NONCE_ACCOUNT",
        conflicts_with = "dry_run"
    )]
    nonce: Option<Pubkey>,
    /// The nonce account's authority (a signer, as --keypair) [default: the default signer]
    #[arg(long, global = true, value_name = "SIGNER", requires = "nonce")]
    nonce_authority: Option<String>,
    /// The compute-unit limit of a transaction signed elsewhere (the message must not depend
    /// on a simulation) [default: the runtime's]
    #[arg(long, global = true)]
    compute_unit_limit: Option<u32>,
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
    let default_signer = cli
        .keypair
        .clone()
        .or(file.keypair_path)
        .unwrap_or_else(|| "~/.config/solana/id.json".into());
    let offline = cli.sign_only
        || cli.dump_transaction_message
        || cli.blockhash.is_some()
        || cli.nonce.is_some()
        || !cli.presigned.is_empty();
    let keys = signers::Keyring::new(
        cli.presigned.clone(),
        cli.sign_only || cli.dump_transaction_message,
    );
    let payer = match &cli.fee_payer {
        Some(source) => keys.resolve(source, "fee payer")?,
        None => keys.resolve(&default_signer, "keypair").with_context(|| {
            "no signer: pass --keypair (or --fee-payer) or set keypair_path in the config file"
        })?,
    };
    if offline && matches!(cli.priority_fee, Some(landing::PriorityFee::Auto)) {
        anyhow::bail!(
            "--priority-fee auto depends on the moment; a transaction signed elsewhere needs \
             the same bytes in both runs: give a number (micro-lamports per compute unit)"
        );
    }
    if !offline && cli.compute_unit_limit.is_some() {
        anyhow::bail!(
            "--compute-unit-limit is for transactions signed elsewhere (--sign-only, --signer, \
             --blockhash, --nonce, --dump-transaction-message); otherwise the limit is measured"
        );
    }
    let offline = if offline {
        Some(offline::Offline {
            sign_only: cli.sign_only,
            dump: cli.dump_transaction_message,
            blockhash: cli.blockhash,
            nonce: match cli.nonce {
                Some(account) => Some(offline::Nonce {
                    account,
                    authority: match &cli.nonce_authority {
                        Some(source) => keys.resolve(source, "nonce authority")?,
                        None => keys.resolve(&default_signer, "keypair")?,
                    },
                }),
                None => None,
            },
            compute_unit_limit: cli.compute_unit_limit,
            compute_unit_price: match cli.priority_fee {
                Some(landing::PriorityFee::Fixed(price)) => Some(price),
                _ => None,
            },
        })
    } else {
        None
    };
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
        payer,
        keys,
        default_signer: Some(default_signer),
        manager: cli.manager.clone(),
        staker: cli.staker.clone(),
        offline,
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
        Err(error) if error.downcast_ref::<offline::Printed>().is_some() => {
            // --sign-only, --dump-transaction-message: what was built, nothing sent.
            if let Some(printed) = error.downcast_ref::<offline::Printed>() {
                print(cli.output, &printed.report());
            }
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
