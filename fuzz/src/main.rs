//! Coverage-guided fuzzing of the program's instruction surface, on the real `.so` in mollusk
//! with mainnet-beta's feature set.
//!
//! It starts from a snapshot of a live pool (`fuzz/corpus/live-pool.json`, written by
//! `tests/examples/fuzz_snapshot.rs`: a validator with active stake, a user with tokens, an
//! open unstake ticket, a second pool) and one valid instruction per template, covering every
//! tag the program serves. Each execution takes an input from the corpus, mutates its data
//! (cut, extended, bits flipped, fields set to extremes, spliced, tag replaced) and its
//! accounts (swapped, duplicated, replaced by another pool's or a hostile account, flags
//! flipped, cut or extended), and runs it from the snapshot state. The program's register
//! trace gives the edges it executed; an input that reaches an edge no earlier input reached
//! joins the corpus (and `--corpus DIR`, so campaigns build on each other).
//!
//! Properties, for every execution:
//! - the program never aborts: no access violation, panic or runaway compute
//!   (`ProgramFailedToComplete`, `ComputationalBudgetExceeded`, `ProgramFailedToCompile`);
//! - a failed instruction changes no account;
//! - after a success, each pool's recorded supply is its mint's, it never records more
//!   lamports than it holds (total ≤ reserve − rent + validator stake), and the value of a
//!   pool token never drops (nobody took out more than the formulas give).
//!
//! Usage: `p-stake-pool-fuzz --so PATH [--snapshot FILE] [--corpus DIR] [--instructions N]
//! [--time SECONDS] [--seed S] [--replay]`. Findings are written to `fuzz/findings/` and make
//! the exit status non-zero. The last line is `M instructions, K findings`.

mod coverage;
mod input;
mod snapshot;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::PathBuf,
    time::{Duration, Instant},
};

use coverage::Coverage;
use input::{Input, Random};
use mollusk_svm::Mollusk;
use snapshot::Snapshot;
use solana_account::Account;
use solana_instruction::Instruction;
use solana_instruction_error::InstructionError;
use solana_pubkey::Pubkey;

struct Args {
    so: PathBuf,
    snapshot: PathBuf,
    corpus: Option<PathBuf>,
    findings: PathBuf,
    instructions: u64,
    time: Option<Duration>,
    seed: u64,
    replay: bool,
    all_features: bool,
    minimize: Option<PathBuf>,
}

/// This crate's directory in the checkout being run. The runtime CARGO_MANIFEST_DIR (set by
/// `cargo run`) wins over the compile-time one: build caches are shared between clones, so a
/// cached binary may have been compiled in another checkout.
pub fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn args() -> Args {
    let root = crate_dir();
    let mut args = Args {
        so: root.join("../target/deploy/p_stake_pool.so"),
        snapshot: root.join("corpus/live-pool.json"),
        corpus: None,
        findings: root.join("findings"),
        instructions: 10_000,
        time: None,
        seed: 0,
        replay: false,
        all_features: false,
        minimize: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--so" => args.so = value().into(),
            "--snapshot" => args.snapshot = value().into(),
            "--corpus" => args.corpus = Some(value().into()),
            "--findings" => args.findings = value().into(),
            "--instructions" => args.instructions = value().parse().expect("--instructions N"),
            "--time" => args.time = Some(Duration::from_secs(value().parse().expect("--time S"))),
            "--seed" => args.seed = value().parse().expect("--seed S"),
            "--replay" => args.replay = true,
            "--all-features" => args.all_features = true,
            "--minimize" => args.minimize = Some(value().into()),
            other => {
                eprintln!(
                    "usage: p-stake-pool-fuzz --so PATH [--snapshot FILE] [--corpus DIR] \
                     [--findings DIR] [--instructions N] [--time SECONDS] [--seed S] [--replay] \
                     [--all-features] [--minimize DIR]\n\
                     unknown argument {other}"
                );
                std::process::exit(2);
            }
        }
    }
    args
}

/// What one execution did.
struct Outcome {
    result: Result<(), InstructionError>,
    resulting: Vec<(Pubkey, Account)>,
}

fn execute(
    mollusk: &Mollusk,
    snapshot: &Snapshot,
    instruction: &Instruction,
) -> (Outcome, Vec<(Pubkey, Account)>) {
    let mut seen = HashSet::new();
    let accounts: Vec<(Pubkey, Account)> = instruction
        .accounts
        .iter()
        .filter(|meta| seen.insert(meta.pubkey))
        .map(|meta| (meta.pubkey, snapshot.account_for(mollusk, &meta.pubkey)))
        .collect();
    let result = mollusk.process_instruction(instruction, &accounts);
    (
        Outcome {
            result: result.raw_result,
            resulting: result.resulting_accounts,
        },
        accounts,
    )
}

/// The property violations of one execution (empty when it behaved).
fn check(snapshot: &Snapshot, before: &[(Pubkey, Account)], outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    match &outcome.result {
        Err(
            error @ (InstructionError::ProgramFailedToComplete
            | InstructionError::ComputationalBudgetExceeded
            | InstructionError::ProgramFailedToCompile),
        ) => problems.push(format!("aborted: {error:?}")),
        Err(_) => {
            let after: HashMap<&Pubkey, &Account> =
                outcome.resulting.iter().map(|(k, a)| (k, a)).collect();
            for (key, account) in before {
                if after.get(key).is_some_and(|a| *a != account) {
                    problems.push(format!("failed but changed {key}"));
                }
            }
        }
        Ok(()) => {
            let after: HashMap<Pubkey, Account> = outcome.resulting.iter().cloned().collect();
            for pool in &snapshot.pools {
                let state = |accounts: &dyn Fn(&Pubkey) -> Option<Account>| pool.books(accounts);
                let old = state(&|k| snapshot.account(k).cloned());
                let new = state(&|k| {
                    after
                        .get(k)
                        .cloned()
                        .or_else(|| snapshot.account(k).cloned())
                });
                let (Some(old), Some(new)) = (old, new) else {
                    continue;
                };
                if new.supply != new.mint_supply {
                    problems.push(format!(
                        "{}: recorded supply {} but the mint holds {}",
                        pool.stake_pool, new.supply, new.mint_supply
                    ));
                }
                if new.total > new.assets {
                    problems.push(format!(
                        "{}: records {} lamports but holds {}",
                        pool.stake_pool, new.total, new.assets
                    ));
                }
                // Value per token never drops: new.total / new.supply >= old.total / old.supply.
                if old.supply > 0
                    && new.supply > 0
                    && (new.total as u128) * (old.supply as u128)
                        < (old.total as u128) * (new.supply as u128)
                {
                    problems.push(format!(
                        "{}: token value fell from {}/{} to {}/{}",
                        pool.stake_pool, old.total, old.supply, new.total, new.supply
                    ));
                }
            }
        }
    }
    problems
}

fn main() {
    // The runtime's per-instruction program logs would drown the report.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let args = args();
    let snapshot = Snapshot::load(&args.snapshot);
    let coverage = Coverage::new(snapshot.program_id);
    let mollusk = snapshot.mollusk(&args.so, &coverage, args.all_features);
    let mut rng = Random::new(args.seed);

    let mut corpus: Vec<Input> = snapshot
        .templates
        .iter()
        .enumerate()
        .map(Input::from_template)
        .collect();
    if let Some(dir) = &args.corpus {
        std::fs::create_dir_all(dir).unwrap();
        corpus.extend(Input::load_dir(dir, &snapshot));
    }
    // The templates; everything after them in `corpus` came from coverage.
    let seeds = snapshot.templates.len();
    let started = Instant::now();
    let mut executions: u64 = 0;
    let mut findings: Vec<String> = Vec::new();
    let mut successes: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut added = 0usize;

    let verbose = std::env::var("P_STAKE_POOL_FUZZ_VERBOSE").is_ok();
    let mut run = |input: &Input, corpus_dir: Option<&PathBuf>, keep: bool| -> bool {
        let instruction = input.instruction(&snapshot);
        coverage.begin();
        let (outcome, before) = execute(&mollusk, &snapshot, &instruction);
        let tag = instruction.data.first().copied();
        let new_edges = coverage.end(tag);
        executions += 1;
        let name = snapshot.template_name(input.template);
        let entry = successes.entry(name.to_string()).or_default();
        if outcome.result.is_ok() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        if verbose && !keep {
            println!("  seed {name}: {:?}", outcome.result);
        }
        let problems = check(&snapshot, &before, &outcome);
        if !problems.is_empty() {
            let path = input.save(&args.findings, &snapshot);
            findings.push(format!(
                "{name}: {} ({})",
                problems.join("; "),
                path.display()
            ));
        }
        if keep && new_edges {
            if let Some(dir) = corpus_dir {
                input.save(dir, &snapshot);
            }
        }
        new_edges
    };

    // Every seed runs once (the replay), then the mutation loop. Minimizing keeps, of the
    // replayed inputs, those that reach an edge the ones before them did not.
    if let Some(dir) = &args.minimize {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut kept = 0usize;
    for (index, input) in corpus.iter().enumerate() {
        let new_edges = run(input, None, false);
        if let (Some(dir), true) = (&args.minimize, new_edges && index >= seeds) {
            input.save(dir, &snapshot);
            kept += 1;
        }
    }
    if args.minimize.is_some() {
        println!(
            "minimized: {kept} of {} corpus inputs reach new edges",
            corpus.len() - seeds
        );
    }
    if !args.replay {
        let mut index = 0u64;
        while index < args.instructions && args.time.is_none_or(|limit| started.elapsed() < limit) {
            index += 1;
            // Newer inputs (those that found edges) are picked more often.
            let parent = if rng.below(2) == 0 && corpus.len() > seeds {
                &corpus[seeds + rng.below(corpus.len() - seeds)]
            } else {
                &corpus[rng.below(corpus.len())]
            };
            let other = &corpus[rng.below(corpus.len())];
            let child = parent.mutate(&mut rng, other, &snapshot);
            if run(&child, args.corpus.as_ref(), true) {
                corpus.push(child);
                added += 1;
            }
        }
    }

    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "executions: {executions} in {elapsed:.0} s ({:.0}/s); corpus: {seeds} templates + {} \
         loaded + {added} new",
        executions as f64 / elapsed.max(1e-9),
        corpus.len() - seeds - added
    );
    coverage.report();
    for (name, (ok, failed)) in &successes {
        println!("  {name}: {ok} succeeded, {failed} refused");
    }
    for finding in &findings {
        println!("# {finding}");
    }
    println!("{executions} instructions, {} findings", findings.len());
    if !findings.is_empty() {
        std::process::exit(1);
    }
}
