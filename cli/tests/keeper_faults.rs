//! The keeper on a hostile network: a 60-validator pool on a real local validator, every tool
//! behind a fault-injecting RPC proxy (lost and cut `sendTransaction`s, delays, requests held
//! past the timeout, 429s, 503s, cut connections, `BlockhashNotFound` simulations), and the
//! keeper's second `--url` refusing every connection. For ten consecutive epochs the keeper
//! must bring the pool current; it is SIGKILLed in the middle of updates and restarted; after
//! every epoch the pool's books and validator list are checked against the chain, its metrics
//! against the chain, and its health. Users deposit and withdraw through the same proxy: each
//! command lands exactly once or fails with a message. At the end the keeper stays down past
//! the health threshold (a watch-only keeper reports it), and the chain's transaction history
//! shows every epoch's update applied exactly once.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::Child,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{
    proxy::{http_get, FaultProxy, Faults},
    *,
};
use p_stake_pool_client::{self as client, PoolAccounts, ValidatorSeeds};
use solana_sdk::{
    pubkey::Pubkey,
    signature::{Keypair, Signer},
    transaction::Transaction,
};

/// 59 new validators and the bootstrap one (which votes, so the pool earns rewards).
const NEW_VALIDATORS: usize = 59;
const EPOCH_SLOTS: u64 = 64;
const EPOCHS: u64 = 10;
/// `--stale-after`: health turns 503 this many slots into an epoch the pool has not caught.
const STALE_AFTER: u64 = 24;
/// Epochs (counted from 1) whose update the keeper is killed in the middle of.
const KILL_IN: [u64; 3] = [2, 5, 8];

/// A keeper process and the JSON lines it prints.
struct Keeper {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Keeper {
    fn start(cluster: &Cluster, url: &str, keypair: &std::path::Path, args: &[&str]) -> Self {
        let mut child = cluster.spawn_at(url, keypair, args);
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let name = if args.contains(&"--watch-only") {
            "watcher"
        } else {
            "keeper"
        };
        // Echoed as they come: a failure's story is in the test's output.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("{name}: {line}");
                sink.lock().unwrap().push(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{name} (stderr): {line}");
            }
        });
        Self { child, lines }
    }

    /// The address its metrics listen on (from its `start` line).
    async fn metrics_address(&self) -> String {
        for _ in 0..200 {
            for line in self.lines.lock().unwrap().iter() {
                let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
                if value["action"] == "start" {
                    return value["metrics"].as_str().unwrap().to_string();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the keeper did not start: {:?}", self.lines.lock().unwrap());
    }

    fn kill(&mut self) {
        // SIGKILL: no chance to finish anything.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Its counters (`*_total`), scraped from its metrics.
    async fn totals(&self) -> std::collections::BTreeMap<String, f64> {
        let address = self.metrics_address().await;
        match http_get(&address, "/metrics").await {
            Ok((_, body)) => parse_metrics(&body)
                .into_iter()
                .filter(|(name, _)| name.ends_with("_total"))
                .collect(),
            Err(_) => Default::default(),
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds one keeper run's counters to the totals.
fn add(
    totals: &mut std::collections::BTreeMap<String, f64>,
    run: std::collections::BTreeMap<String, f64>,
) {
    for (name, value) in run {
        *totals.entry(name).or_default() += value;
    }
}

/// Prometheus text as name → value (the pool label dropped).
fn parse_metrics(text: &str) -> std::collections::HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            let name = name.split('{').next()?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The pool's books against the chain: every entry current and equal to its stake accounts,
/// and the pool's total the reserve (less its rent-exempt reserve, as the interface counts it)
/// plus every entry.
async fn check_books(
    cluster: &Cluster,
    pool: &Pubkey,
    epoch: u64,
) -> spl_stake_pool::state::StakePool {
    let state = cluster.spl_pool(pool).await;
    let list = cluster.spl_list(&state.validator_list).await;
    assert_eq!(state.last_update_epoch, epoch);
    let mut addresses = vec![state.reserve_stake];
    for validator in &list.validators {
        assert_eq!(
            u64::from(validator.last_update_epoch),
            epoch,
            "validator {} skipped in epoch {epoch}",
            validator.vote_account_address
        );
        addresses.push(
            spl_stake_pool::find_stake_program_address(
                &cluster.program_id,
                &validator.vote_account_address,
                pool,
                std::num::NonZeroU32::new(u32::from(validator.validator_seed_suffix)),
            )
            .0,
        );
        addresses.push(
            spl_stake_pool::find_transient_stake_program_address(
                &cluster.program_id,
                &validator.vote_account_address,
                pool,
                u64::from(validator.transient_seed_suffix),
            )
            .0,
        );
    }
    let mut lamports = Vec::new();
    for chunk in addresses.chunks(100) {
        for account in cluster.rpc.get_multiple_accounts(chunk).await.unwrap() {
            lamports.push(account.map(|account| account.lamports).unwrap_or(0));
        }
    }
    let reserve_rent = cluster
        .rpc
        .get_minimum_balance_for_rent_exemption(200)
        .await
        .unwrap();
    let mut total = lamports[0] - reserve_rent;
    for (index, validator) in list.validators.iter().enumerate() {
        let active = lamports[1 + 2 * index];
        let transient = lamports[2 + 2 * index];
        assert_eq!(u64::from(validator.active_stake_lamports), active);
        assert_eq!(u64::from(validator.transient_stake_lamports), transient);
        total += active + transient;
    }
    assert_eq!(
        state.total_lamports, total,
        "the pool's total in epoch {epoch}"
    );
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_keeper_keeps_a_pool_current_through_faults_and_kills() {
    let cluster = Cluster::start_with_genesis(EPOCH_SLOTS, |genesis| {
        // Transaction history, as RPC nodes keep it: the end of the test reads every update.
        genesis.rpc_config(solana_rpc::rpc::JsonRpcConfig {
            enable_rpc_transaction_history: true,
            ..solana_rpc::rpc::JsonRpcConfig::default_for_test()
        });
    })
    .await;
    let (operator, operator_file) = cluster.funded(1_000 * SOL).await;
    let (user, user_file) = cluster.funded(100 * SOL).await;
    let program = cluster.program_id.to_string();
    let created = cluster
        .cli(
            &operator_file,
            &[
                "create-pool",
                "--max-validators",
                "64",
                "--epoch-fee",
                "5",
                "100",
            ],
        )
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    cluster
        .cli(&operator_file, &["deposit-sol", &pool_text, "300"])
        .json();

    // Vote accounts (one identity for all, two per transaction), then all of them added.
    let node = Keypair::new();
    let space = solana_vote_interface::state::VoteStateV4::size_of();
    let vote_rent = cluster
        .rpc
        .get_minimum_balance_for_rent_exemption(space)
        .await
        .unwrap();
    let new_votes: Vec<Keypair> = (0..NEW_VALIDATORS).map(|_| Keypair::new()).collect();
    let blockhash = cluster.rpc.get_latest_blockhash().await.unwrap();
    let mut signatures = Vec::new();
    for pair in new_votes.chunks(2) {
        let mut instructions = Vec::new();
        for vote in pair {
            instructions.extend(
                solana_vote_interface::instruction::create_account_with_config(
                    &cluster.mint.pubkey(),
                    &vote.pubkey(),
                    &solana_vote_interface::state::VoteInit {
                        node_pubkey: node.pubkey(),
                        authorized_voter: node.pubkey(),
                        authorized_withdrawer: node.pubkey(),
                        commission: 0,
                    },
                    vote_rent,
                    solana_vote_interface::instruction::CreateVoteAccountConfig {
                        space: space as u64,
                        ..Default::default()
                    },
                ),
            );
        }
        let mut signers: Vec<&Keypair> = vec![&cluster.mint, &node];
        signers.extend(pair.iter());
        let transaction = Transaction::new_signed_with_payer(
            &instructions,
            Some(&cluster.mint.pubkey()),
            &signers,
            blockhash,
        );
        signatures.push(cluster.rpc.send_transaction(&transaction).await.unwrap());
    }
    cluster.confirm_all(&signatures).await;
    let bootstrap = cluster.validator.vote_account_address();
    let mut votes = vec![bootstrap];
    votes.extend(new_votes.iter().map(|vote| vote.pubkey()));
    let state = cluster.spl_pool(&pool).await;
    let accounts = PoolAccounts {
        program_id: cluster.program_id,
        stake_pool: pool,
        validator_list: state.validator_list,
        reserve_stake: state.reserve_stake,
        pool_mint: state.pool_mint,
        manager_fee_account: state.manager_fee_account,
        token_program_id: state.token_program_id,
    };
    let budget = solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
        1_400_000,
    );
    let send_batches = |instructions: Vec<solana_sdk::instruction::Instruction>, per: usize| {
        let cluster = &cluster;
        let operator = &operator;
        let budget = budget.clone();
        async move {
            let blockhash = cluster.rpc.get_latest_blockhash().await.unwrap();
            let mut signatures = Vec::new();
            for chunk in instructions.chunks(per) {
                let mut all = vec![budget.clone()];
                all.extend_from_slice(chunk);
                let transaction = Transaction::new_signed_with_payer(
                    &all,
                    Some(&operator.pubkey()),
                    &[operator],
                    blockhash,
                );
                signatures.push(cluster.rpc.send_transaction(&transaction).await.unwrap());
            }
            cluster.confirm_all(&signatures).await;
        }
    };
    send_batches(
        votes
            .iter()
            .map(|vote| client::add_validator_to_pool(&accounts, &operator.pubkey(), vote, 0))
            .collect(),
        8,
    )
    .await;
    // Stake for each (transient this epoch, merged by the keeper's first update); most on the
    // bootstrap validator, whose rewards the epoch fee is charged on.
    send_batches(
        votes
            .iter()
            .map(|vote| {
                let lamports = if *vote == bootstrap { 100 * SOL } else { SOL };
                client::increase_validator_stake(
                    &accounts,
                    &operator.pubkey(),
                    &ValidatorSeeds {
                        vote: *vote,
                        validator_seed: 0,
                        transient_seed: 0,
                    },
                    lamports,
                    0,
                )
            })
            .collect(),
        4,
    )
    .await;
    assert_eq!(
        cluster
            .spl_list(&state.validator_list)
            .await
            .validators
            .len(),
        NEW_VALIDATORS + 1
    );
    // A stake account of the user's for the first `deposit-stake` (active from the next epoch).
    let mut deposit_stake = cluster.delegated_stake(&user, &bootstrap, 2 * SOL).await;
    // The update's lookup tables, made once here (directly): every epoch's update then uses
    // them.
    let tables = cluster
        .cli(&operator_file, &["update", &pool_text, "--force"])
        .json();
    assert!(
        !tables["lookupTables"].as_array().unwrap().is_empty(),
        "{tables}"
    );

    // Everything from here goes through the proxy.
    let proxy = FaultProxy::start(cluster.rpc_url(), Faults::hostile(), 22).await;
    let journal = cluster.dir.path().join("keeper.journal");
    let journal_text = journal.to_str().unwrap().to_string();
    let keeper_args = [
        "keeper",
        &pool_text,
        "--interval",
        "1",
        "--max-backoff",
        "4",
        "--metrics",
        "127.0.0.1:0",
        "--stale-after",
        &STALE_AFTER.to_string(),
        "--journal",
        &journal_text,
        // The highest recent fee paid to write the pool's accounts (a user pays one below).
        "--priority-fee-percentile",
        "100",
        // Requests the proxy holds are abandoned after 4 s and retried.
        "--rpc-timeout",
        "4",
    ];
    // A second endpoint that refuses every connection: requests fail over to the proxy.
    let endpoints = format!("{},http://127.0.0.1:9", proxy.url);
    let mut keeper = Keeper::start(&cluster, &endpoints, &operator_file, &keeper_args);
    let mut metrics = keeper.metrics_address().await;
    let watcher = Keeper::start(
        &cluster,
        &proxy.url,
        &user_file,
        &[
            "keeper",
            &pool_text,
            "--watch-only",
            "--interval",
            "1",
            "--metrics",
            "127.0.0.1:0",
            "--stale-after",
            &STALE_AFTER.to_string(),
        ],
    );
    let watcher_metrics = watcher.metrics_address().await;

    let first = cluster.epoch().await + 1;
    let mut totals = std::collections::BTreeMap::new();
    let mut lateness = Vec::new();
    let mut kills_mid_update = 0;
    let mut fee_checks = 0;
    let mut before: Option<spl_stake_pool::state::StakePool> = None;
    let mut user_runs: Vec<(String, bool)> = Vec::new();
    for epoch in first..first + EPOCHS {
        let round = epoch - first + 1;
        // The epoch starts.
        while cluster.epoch().await < epoch {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!("test: epoch {epoch} started");
        assert_eq!(
            cluster.epoch().await,
            epoch,
            "the test fell behind the cluster"
        );
        if KILL_IN.contains(&round) {
            // Killed as soon as part of the list is updated and the pool is not yet current.
            let started = Instant::now();
            loop {
                let state = cluster.spl_pool(&pool).await;
                let list = cluster.spl_list(&state.validator_list).await;
                let updated = list
                    .validators
                    .iter()
                    .filter(|validator| u64::from(validator.last_update_epoch) == epoch)
                    .count();
                if state.last_update_epoch == epoch || started.elapsed() > Duration::from_secs(20) {
                    break;
                }
                if updated > 0 {
                    kills_mid_update += 1;
                    eprintln!("epoch {epoch}: SIGKILL with {updated} of 60 validators updated");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            add(&mut totals, keeper.totals().await);
            keeper.kill();
            keeper = Keeper::start(&cluster, &endpoints, &operator_file, &keeper_args);
            metrics = keeper.metrics_address().await;
        }
        // The pool becomes current within the epoch.
        let state = loop {
            let state = cluster.spl_pool(&pool).await;
            if state.last_update_epoch == epoch {
                break state;
            }
            assert_eq!(
                cluster.epoch().await,
                epoch,
                "the pool stayed stale for all of epoch {epoch}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let late = cluster.rpc.get_slot().await.unwrap() - epoch * EPOCH_SLOTS;
        lateness.push(late);
        check_books(&cluster, &pool, epoch).await;
        let list = cluster.spl_list(&state.validator_list).await;
        assert_eq!(list.validators.len(), NEW_VALIDATORS + 1);
        // The epoch fee, minted once on the epoch's rewards.
        if let Some(before) = before.take() {
            let reward = state.total_lamports - before.total_lamports;
            let fee = p_stake_pool_interface::math::epoch_fee_pool_tokens(
                reward,
                state.total_lamports,
                before.pool_token_supply,
                &p_stake_pool_interface::math::Fee {
                    denominator: 100,
                    numerator: 5,
                },
            )
            .unwrap();
            assert_eq!(
                state.pool_token_supply - before.pool_token_supply,
                fee,
                "epoch {epoch}: reward {reward}"
            );
            fee_checks += 1;
        }

        // Metrics against the chain (the keeper re-reads the pool every round).
        let reserve = cluster.lamports(&state.reserve_stake).await;
        let scraped = {
            let started = Instant::now();
            loop {
                let (status, body) = http_get(&metrics, "/metrics").await.unwrap();
                assert_eq!(status, 200);
                let scraped = parse_metrics(&body);
                let matches = scraped["p_stake_pool_pool_epoch"] == epoch as f64
                    && scraped["p_stake_pool_reserve_lamports"] == reserve as f64
                    && scraped["p_stake_pool_total_lamports"] == state.total_lamports as f64;
                if matches {
                    break scraped;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "metrics never matched the chain in epoch {epoch}:\n{body}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        };
        assert_eq!(scraped["p_stake_pool_cluster_epoch"], epoch as f64);
        assert_eq!(scraped["p_stake_pool_validators"], 60.0);
        assert_eq!(scraped["p_stake_pool_validators_not_updated"], 0.0);
        assert_eq!(
            scraped["p_stake_pool_pool_token_supply"],
            state.pool_token_supply as f64
        );
        let rate = state.total_lamports as f64 / state.pool_token_supply as f64;
        assert!((scraped["p_stake_pool_exchange_rate"] - rate).abs() < 1e-9);
        assert_eq!(
            scraped["p_stake_pool_current_after_slots_epoch"],
            epoch as f64
        );
        assert!(scraped["p_stake_pool_current_after_slots"] <= late as f64);
        assert!(scraped["p_stake_pool_transactions_landed_total"] >= 1.0);
        assert!(scraped["p_stake_pool_fees_lamports_total"] >= 5_000.0);
        let (status, body) = http_get(&metrics, "/health").await.unwrap();
        assert_eq!(status, 200, "{body}");

        // Users, through the same proxy: each command lands exactly once or fails cleanly.
        let user_token =
            spl_associated_token_account_interface::address::get_associated_token_address(
                &user.pubkey(),
                &state.pool_mint,
            );
        let run = |args: Vec<String>| {
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            args.extend(["--rpc-timeout", "4"]);
            cluster.cli_at(&proxy.url, &user_file, &program, &args)
        };
        let words = |text: &str| text.split(' ').map(String::from).collect::<Vec<_>>();
        let commands: Vec<Vec<String>> = if round % 2 == 1 {
            vec![
                // A fixed price, then `auto` at the 100th percentile, which must see it.
                words(&format!("deposit-sol {pool_text} 1.5 --priority-fee 20000")),
                words(&format!(
                    "withdraw-sol {pool_text} 0.7 --priority-fee auto --priority-fee-percentile 100"
                )),
            ]
        } else {
            vec![
                vec![
                    "deposit-stake".into(),
                    pool_text.clone(),
                    deposit_stake.to_string(),
                ],
                vec!["withdraw-stake".into(), pool_text.clone(), "1.2".into()],
            ]
        };
        for command in commands {
            let pool_before = cluster.spl_pool(&pool).await;
            let stake_lamports = cluster.lamports(&deposit_stake).await;
            let tokens_before = cluster.token_balance(&user_token).await;
            let done = run(command.clone());
            let pool_after = cluster.spl_pool(&pool).await;
            let tokens_after = cluster.token_balance(&user_token).await;
            let name = command[0].clone();
            if done.status.success() {
                let report = done.json();
                let price = report["transactions"][0]["computeUnitPrice"]
                    .as_u64()
                    .unwrap();
                let priority = report["transactions"][0]["priorityFee"].as_u64().unwrap();
                let units = report["transactions"][0]["computeUnits"].as_u64().unwrap();
                if command.contains(&"20000".to_string()) {
                    assert_eq!(price, 20_000, "{report}");
                    assert!(priority > 0 && priority <= 100_000, "{report}");
                    assert!(units > 0);
                } else if command.contains(&"auto".to_string()) {
                    assert!(price >= 20_000, "auto saw no recent fee: {report}");
                }
                match name.as_str() {
                    "deposit-sol" => {
                        assert_eq!(
                            pool_after.total_lamports - pool_before.total_lamports,
                            1_500_000_000
                        );
                        assert!(tokens_after > tokens_before);
                    }
                    "deposit-stake" => {
                        assert_eq!(
                            pool_after.total_lamports - pool_before.total_lamports,
                            stake_lamports
                        );
                        assert!(tokens_after > tokens_before);
                    }
                    _ => assert_eq!(
                        tokens_before - tokens_after,
                        if name == "withdraw-sol" {
                            700_000_000
                        } else {
                            1_200_000_000
                        }
                    ),
                }
            } else {
                eprintln!(
                    "{name} failed (allowed, if nothing changed): {}",
                    done.stderr
                );
                assert!(done.stderr.contains("error"), "{}", done.stderr);
                assert_eq!(pool_after.total_lamports, pool_before.total_lamports);
                assert_eq!(tokens_after, tokens_before);
            }
            user_runs.push((name, done.status.success()));
        }
        if round % 2 == 0 {
            // The next stake deposit's account, active from the next epoch.
            deposit_stake = cluster.delegated_stake(&user, &bootstrap, 2 * SOL).await;
        }
        // The books before the next epoch's update (taken while this epoch lasts).
        let snapshot = cluster.spl_pool(&pool).await;
        if snapshot.last_update_epoch == epoch {
            before = Some(snapshot);
        }
    }

    // Ten epochs current. Now the keeper stays down past the health threshold: the watch-only
    // keeper says so, and says so no more once a keeper is back.
    let (status, _) = http_get(&watcher_metrics, "/health").await.unwrap();
    assert_eq!(status, 200);
    add(&mut totals, keeper.totals().await);
    keeper.kill();
    let outage = cluster.epoch().await + 1;
    while cluster.rpc.get_slot().await.unwrap() < outage * EPOCH_SLOTS + STALE_AFTER + 4 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = http_get(&watcher_metrics, "/health").await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("pool stale"), "{body}");
    keeper = Keeper::start(&cluster, &endpoints, &operator_file, &keeper_args);
    while cluster.spl_pool(&pool).await.last_update_epoch < outage {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body) = http_get(&watcher_metrics, "/health").await.unwrap();
    assert_eq!(status, 200, "{body}");
    add(&mut totals, keeper.totals().await);
    keeper.kill();

    // The chain's history: in each of the ten epochs, every validator updated exactly once and
    // the pool's balance once (a transaction applied twice, or one skipped, shows here).
    let signatures = cluster
        .rpc
        .get_signatures_for_address(&operator.pubkey())
        .await
        .unwrap();
    let mut pairs = std::collections::BTreeMap::<u64, usize>::new();
    let mut balances = std::collections::BTreeMap::<u64, usize>::new();
    for entry in signatures.iter().filter(|entry| entry.err.is_none()) {
        let epoch = entry.slot / EPOCH_SLOTS;
        if !(first..first + EPOCHS).contains(&epoch) {
            continue;
        }
        let transaction = cluster
            .rpc
            .get_transaction_with_config(
                &entry.signature.parse().unwrap(),
                solana_rpc_client_types::config::RpcTransactionConfig {
                    encoding: Some(
                        solana_transaction_status_client_types::UiTransactionEncoding::Base64,
                    ),
                    commitment: Some(solana_commitment_config::CommitmentConfig::confirmed()),
                    max_supported_transaction_version: Some(0),
                },
            )
            .await
            .unwrap();
        let decoded = transaction.transaction.transaction.decode().unwrap();
        let keys = decoded.message.static_account_keys();
        for instruction in decoded.message.instructions() {
            if keys[usize::from(instruction.program_id_index)] != cluster.program_id {
                continue;
            }
            match instruction.data.first() {
                Some(6) => *pairs.entry(epoch).or_default() += (instruction.accounts.len() - 7) / 2,
                Some(7) => *balances.entry(epoch).or_default() += 1,
                _ => {}
            }
        }
    }
    for epoch in first..first + EPOCHS {
        assert_eq!(
            pairs.get(&epoch),
            Some(&60),
            "validators updated in epoch {epoch}"
        );
        assert_eq!(
            balances.get(&epoch),
            Some(&1),
            "pool balances updated in epoch {epoch}"
        );
    }

    assert!(
        kills_mid_update >= 1,
        "no kill landed in the middle of an update"
    );
    assert!(
        fee_checks >= EPOCHS - 3,
        "only {fee_checks} epochs had their fee checked"
    );
    let mut sorted = lateness.clone();
    sorted.sort_unstable();
    let landed = user_runs.iter().filter(|(_, ok)| *ok).count();
    eprintln!(
        "keeper under faults: {EPOCHS} epochs of {EPOCH_SLOTS} slots, 60 validators; pool current after \
         (slots) median {} worst {} (all: {lateness:?}); kills mid-update {kills_mid_update} of {}; \
         user commands landed {landed} of {}; faults {:?} over {} requests; keeper counters over all its runs: {:?}",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1],
        KILL_IN.len(),
        user_runs.len(),
        proxy.counts(),
        proxy.requests(),
        totals,
    );
    assert!(
        landed * 2 >= user_runs.len(),
        "most user commands should land: {user_runs:?}"
    );
    drop(watcher);
}
