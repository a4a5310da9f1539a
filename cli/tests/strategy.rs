//! The delegation strategy on a real local validator (mainnet's features, 32-slot epochs).
//!
//! Genesis holds ten crafted vote accounts with their own (small) stake: different
//! commissions, one with a stake share above the cap, one without a BLS key, one block-listed, one in the old
//! `1_14_11` layout that never votes, one over the commission cap. A voter in the test casts
//! real `TowerSync` votes for the live ones every slot (its tower kept by the vote program's
//! own lockout rules), so their credits are earned, not written. A pool that starts with no
//! validators runs `keeper --strategy`: it adds those that qualify once they have the history,
//! allocates within the caps (per validator, per label, per epoch), exits at once a validator
//! that stops voting and one that raises its commission mid-test, and converges. At every
//! epoch the report and the chain agree. Bad strategy files, a list entry that is not a vote
//! account and a signer that is not the staker are refused with nothing sent.

mod common;

use std::{
    collections::{BTreeMap, VecDeque},
    io::BufRead,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use common::*;
use serde_json::Value;
use solana_account::AccountSharedData;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::{
    hash::Hash,
    pubkey::Pubkey,
    signature::{Keypair, Signer},
    transaction::Transaction,
};
use solana_stake_interface::{
    stake_flags::StakeFlags,
    state::{Authorized, Delegation, Lockup, Meta, Stake, StakeStateV2},
};
use solana_vote_interface::{
    authorized_voters::AuthorizedVoters,
    state::{vote_state_1_14_11::VoteState1_14_11, TowerSync, VoteStateV4, VoteStateVersions},
};
use solana_vote_program::vote_state::{handler::VoteStateHandler, process_slot_vote_unchecked};

/// One crafted validator.
struct Crafted {
    name: &'static str,
    vote: Keypair,
    node: Keypair,
    withdrawer: Keypair,
    commission_bps: u16,
    bls: bool,
    stake_sol: u64,
    /// Votes every slot (until told to stop).
    votes: bool,
    /// Stored in the `1_14_11` layout.
    old_layout: bool,
}

fn crafted(name: &'static str, commission_bps: u16, bls: bool, stake_sol: u64) -> Crafted {
    Crafted {
        name,
        vote: Keypair::new(),
        node: Keypair::new(),
        withdrawer: Keypair::new(),
        commission_bps,
        bls,
        stake_sol,
        votes: true,
        old_layout: false,
    }
}

impl Crafted {
    fn vote_account(&self) -> AccountSharedData {
        let versions = if self.old_layout {
            VoteStateVersions::V1_14_11(Box::new(VoteState1_14_11 {
                node_pubkey: self.node.pubkey(),
                authorized_withdrawer: self.withdrawer.pubkey(),
                commission: (self.commission_bps / 100) as u8,
                authorized_voters: AuthorizedVoters::new(0, self.node.pubkey()),
                ..VoteState1_14_11::default()
            }))
        } else {
            VoteStateVersions::new_v4(VoteStateV4 {
                node_pubkey: self.node.pubkey(),
                authorized_withdrawer: self.withdrawer.pubkey(),
                inflation_rewards_collector: self.vote.pubkey(),
                block_revenue_collector: self.node.pubkey(),
                inflation_rewards_commission_bps: self.commission_bps,
                block_revenue_commission_bps: 10_000,
                bls_pubkey_compressed: self.bls.then_some([0x5a; 48]),
                authorized_voters: AuthorizedVoters::new(0, self.node.pubkey()),
                ..VoteStateV4::default()
            })
        };
        let mut data = bincode::serialize(&versions).unwrap();
        data.resize(VoteStateV4::size_of(), 0);
        let mut account = AccountSharedData::new(SOL, data.len(), &solana_sdk_ids::vote::id());
        account.set_data_from_slice(&data);
        account
    }

    /// Genesis stake delegated to it, active from the first epoch (a bootstrap delegation).
    // The stake program still reads `rent_exempt_reserve` from genesis accounts.
    #[allow(deprecated)]
    fn stake_account(&self) -> AccountSharedData {
        let rent = 2_282_880;
        let state = StakeStateV2::Stake(
            Meta {
                rent_exempt_reserve: rent,
                authorized: Authorized::auto(&self.withdrawer.pubkey()),
                lockup: Lockup::default(),
            },
            Stake {
                delegation: Delegation::new(&self.vote.pubkey(), self.stake_sol * SOL, u64::MAX),
                credits_observed: 0,
            },
            StakeFlags::empty(),
        );
        let mut account = AccountSharedData::new(
            self.stake_sol * SOL + rent,
            200,
            &solana_stake_interface::program::id(),
        );
        account.set_data_from_slice(&bincode::serialize(&state).unwrap());
        account
    }
}

/// A voter for one vote account: its tower, advanced by the vote program's own rules.
struct Voter {
    vote: Pubkey,
    node: Keypair,
    tower: VoteStateHandler,
    live: Arc<AtomicBool>,
}

impl Voter {
    fn tower_sync(&mut self, slot: u64, hash: Hash) -> solana_sdk::instruction::Instruction {
        process_slot_vote_unchecked(&mut self.tower, slot);
        let mut data = vec![0; VoteStateV4::size_of()];
        self.tower.clone().serialize_into(&mut data).unwrap();
        let VoteStateVersions::V4(state) = bincode::deserialize(&data).unwrap() else {
            unreachable!("the handler writes V4")
        };
        let lockouts: VecDeque<_> = state.votes.iter().map(|vote| vote.lockout).collect();
        solana_vote_interface::instruction::tower_sync(
            &self.vote,
            &self.node.pubkey(),
            TowerSync::new(lockouts, state.root_slot, hash, Hash::default()),
        )
    }
}

/// Votes on every new block for every live voter, until `stop`.
async fn vote_every_slot(
    url: String,
    payer: Keypair,
    mut voters: Vec<Voter>,
    stop: Arc<AtomicBool>,
) {
    let rpc = RpcClient::new_with_commitment(url, CommitmentConfig::processed());
    let mut last = 0u64;
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let Ok(account) = rpc
            .get_account(&solana_sdk::sysvar::slot_hashes::id())
            .await
        else {
            continue;
        };
        let Ok(hashes) = bincode::deserialize::<Vec<(u64, [u8; 32])>>(&account.data) else {
            continue;
        };
        let Some(&(slot, hash)) = hashes.first() else {
            continue;
        };
        if slot <= last {
            continue;
        }
        last = slot;
        let Ok(blockhash) = rpc.get_latest_blockhash().await else {
            continue;
        };
        for voter in voters.iter_mut() {
            if !voter.live.load(Ordering::Relaxed) {
                continue;
            }
            let instruction = voter.tower_sync(slot, Hash::new_from_array(hash));
            let transaction = Transaction::new_signed_with_payer(
                &[instruction],
                Some(&payer.pubkey()),
                &[&payer, &voter.node],
                blockhash,
            );
            let _ = rpc
                .send_transaction_with_config(
                    &transaction,
                    solana_rpc_client_api::config::RpcSendTransactionConfig {
                        skip_preflight: true,
                        ..Default::default()
                    },
                )
                .await;
        }
    }
}

/// The keeper's JSON lines, as they arrive.
fn collect_lines(child: &mut std::process::Child) -> Arc<Mutex<Vec<Value>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                sink.lock().unwrap().push(value);
            }
        }
    });
    lines
}

const STRATEGY: &str = r#"
[criteria]
max-inflation-commission-bps = 1000
max-block-revenue-commission-bps = 10000
credit-epochs = 2
min-credit-share-bps = 2500
max-slots-since-vote = 48
min-voting-epochs = 2
max-cluster-stake-bps = 5
require-bls-key = true

[allocation]
validators = 5
incumbent-margin = 1
weighting = "equal"
max-pool-share-bps = 4000
reserve-share-bps = 500

[moves]
max-epoch-move-bps = 5000
hysteresis-bps = 50

[lists]
block = ["BLOCKED"]

[labels.caps]
"dc:one" = 3000

[labels.validators]
"LABEL_A" = ["dc:one"]
"LABEL_B" = ["dc:one"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keeper_follows_the_strategy_on_a_real_validator() {
    // Stakes stay small beside the bootstrap validator's million SOL: a validator with stake
    // leads slots, and these produce no blocks (a large share of skipped leader slots stalls a
    // one-node cluster's roots).
    let mut validators = vec![
        crafted("a", 500, true, 5),
        crafted("b", 0, true, 3),
        crafted("c", 800, true, 2),
        // Over the cluster-stake cap of 5 bps: 600 of ~1,000,620 SOL.
        crafted("big", 500, true, 600),
        crafted("no-bls", 500, false, 2),
        crafted("blocked", 500, true, 2),
        // Stops voting mid-test.
        crafted("delinquent", 500, true, 2),
        // Raises its commission mid-test.
        crafted("raiser", 500, true, 2),
        crafted("dear", 2_000, true, 1),
        crafted("old", 500, false, 1),
    ];
    let old = validators.iter_mut().find(|v| v.name == "old").unwrap();
    old.old_layout = true;
    old.votes = false;
    let genesis_accounts: Vec<(Pubkey, AccountSharedData)> = validators
        .iter()
        .flat_map(|v| {
            [
                (v.vote.pubkey(), v.vote_account()),
                (Pubkey::new_unique(), v.stake_account()),
            ]
        })
        .collect();
    let cluster = Cluster::start_with_genesis(32, move |genesis| {
        genesis.add_accounts(genesis_accounts);
        // Blocks kept with their rewards, as `solana-test-validator` and RPC nodes keep them:
        // `getInflationReward` reads the commission each epoch's rewards were paid at there.
        genesis.rpc_config(solana_rpc::rpc::JsonRpcConfig {
            enable_rpc_transaction_history: true,
            ..solana_rpc::rpc::JsonRpcConfig::default_for_test()
        });
    })
    .await;
    let by_name = |name: &str| validators.iter().find(|v| v.name == name).unwrap();
    let vote_of = |name: &str| by_name(name).vote.pubkey();

    // Real votes, every slot, for the live ones.
    let (voter_payer, _) = cluster.funded(100 * SOL).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut live = BTreeMap::new();
    let voters: Vec<Voter> = validators
        .iter()
        .filter(|v| v.votes)
        .map(|v| {
            let flag = Arc::new(AtomicBool::new(true));
            live.insert(v.name, flag.clone());
            Voter {
                vote: v.vote.pubkey(),
                node: v.node.insecure_clone(),
                tower: VoteStateHandler::try_new_from_vote_state_versions(
                    VoteStateVersions::new_v4(VoteStateV4::default()),
                )
                .unwrap(),
                live: flag,
            }
        })
        .collect();
    let voting = tokio::spawn(vote_every_slot(
        cluster.rpc_url(),
        voter_payer,
        voters,
        stop.clone(),
    ));

    let (operator, operator_file) = cluster.funded(2_000 * SOL).await;
    let created = cluster
        .cli(&operator_file, &["create-pool", "--max-validators", "10"])
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    cluster
        .cli(&operator_file, &["deposit-sol", &pool_text, "1000"])
        .json();

    let strategy_text = STRATEGY
        .replace("BLOCKED", &vote_of("blocked").to_string())
        .replace("LABEL_A", &vote_of("a").to_string())
        .replace("LABEL_B", &vote_of("b").to_string());
    let strategy = cluster.dir.path().join("strategy.toml");
    std::fs::write(&strategy, &strategy_text).unwrap();
    let strategy_arg = strategy.to_str().unwrap();

    // Bad input: each a clear error, a non-zero exit and nothing sent.
    let bad = |name: &str, text: String| {
        let path = cluster.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let missing = bad(
        "missing.toml",
        strategy_text.replace("credit-epochs = 2\n", ""),
    );
    cluster
        .cli(
            &operator_file,
            &["strategy", "check", missing.to_str().unwrap()],
        )
        .fails_with("missing field `credit-epochs`");
    let unknown = bad(
        "unknown.toml",
        strategy_text.replace("[moves]\n", "[moves]\nmax-moves = 3\n"),
    );
    cluster
        .cli(
            &operator_file,
            &["strategy", "check", unknown.to_str().unwrap()],
        )
        .fails_with("unknown field `max-moves`");
    let over = bad(
        "over.toml",
        strategy_text.replace("max-pool-share-bps = 4000", "max-pool-share-bps = 12000"),
    );
    cluster
        .cli(
            &operator_file,
            &["strategy", "check", over.to_str().unwrap()],
        )
        .fails_with("max-pool-share is above 100%");
    let no_seats = bad(
        "no-seats.toml",
        strategy_text.replace("validators = 5", "validators = 0"),
    );
    cluster
        .cli(
            &operator_file,
            &["strategy", "check", no_seats.to_str().unwrap()],
        )
        .fails_with("validators is 0");
    let not_vote = bad(
        "not-vote.toml",
        strategy_text.replace(&vote_of("blocked").to_string(), &pool_text),
    );
    cluster
        .cli(
            &operator_file,
            &["strategy", "check", not_vote.to_str().unwrap()],
        )
        .fails_with(&format!("{pool_text} is not a vote account"));
    cluster
        .cli(&operator_file, &["strategy", "check", strategy_arg])
        .json();
    let (_, stranger_file) = cluster.funded(10 * SOL).await;
    let before = cluster.account_data(&pool).await;
    cluster
        .cli(
            &stranger_file,
            &["strategy", "apply", &pool_text, "--strategy", strategy_arg],
        )
        .fails_with("is not the staker");
    assert_eq!(cluster.account_data(&pool).await, before);
    assert!(cluster
        .spl_list(&created_list(&cluster, &pool).await)
        .await
        .validators
        .is_empty());

    // Before any history: everyone is measured, no one qualifies.
    let report = cluster
        .cli(
            &operator_file,
            &["strategy", "report", &pool_text, "--strategy", strategy_arg],
        )
        .json();
    let rows = report["validators"].as_array().unwrap();
    for v in &validators {
        let row = rows
            .iter()
            .find(|row| row["voteAccount"] == v.vote.pubkey().to_string())
            .unwrap_or_else(|| panic!("{} is not in the report", v.name));
        assert_eq!(row["seated"], false, "{}: {row}", v.name);
    }
    let old_row = rows
        .iter()
        .find(|row| row["voteAccount"] == vote_of("old").to_string())
        .unwrap();
    assert_eq!(old_row["version"], "V1_14_11");

    // The keeper, with the strategy, from here on.
    let mut keeper = cluster.spawn(
        &operator_file,
        &[
            "keeper",
            &pool_text,
            "--interval",
            "1",
            "--strategy",
            strategy_arg,
        ],
    );
    let lines = collect_lines(&mut keeper);
    let never = ["big", "no-bls", "blocked", "dear", "old"];
    let mut events_done = false;
    let mut quiet_rounds = 0;
    let mut last_epoch = 0;
    for _ in 0..30 {
        let epoch = cluster.next_epoch().await;
        // Wait for the keeper's strategy round of this epoch.
        let mut summary = None;
        for _ in 0..300 {
            summary = lines
                .lock()
                .unwrap()
                .iter()
                .find(|line| line["action"] == "strategy" && line["epoch"] == epoch)
                .cloned();
            if summary.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let summary = summary.unwrap_or_else(|| {
            panic!(
                "no strategy round in epoch {epoch}: {:?}",
                lines.lock().unwrap()
            )
        });
        last_epoch = epoch;
        let moves: Vec<Value> = lines
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line["action"] == "strategy-move" && line["epoch"] == epoch)
            .cloned()
            .collect();
        // Within the cap, instant exits aside.
        let capped: u64 = moves
            .iter()
            .map(|line| match line["move"]["action"].as_str() {
                _ if line["move"]["instantExit"] == true => 0,
                Some("increase") | Some("decrease") => line["move"]["lamports"].as_u64().unwrap(),
                Some("add") => summary["minimumDelegation"].as_u64().unwrap(),
                Some("remove") => line["currentLamports"].as_u64().unwrap_or(0),
                _ => 0,
            })
            .sum();
        assert!(
            capped <= summary["epochCapLamports"].as_u64().unwrap(),
            "epoch {epoch}: {capped} moved over the cap: {summary} {moves:?}"
        );
        for line in &moves {
            assert!(line.get("error").is_none(), "a move failed: {line}");
            let vote = line["voteAccount"].as_str().unwrap();
            for name in never {
                assert_ne!(vote, vote_of(name).to_string(), "{name} was moved: {line}");
            }
        }

        // The report and the chain agree.
        let report = cluster
            .cli(
                &operator_file,
                &["strategy", "report", &pool_text, "--strategy", strategy_arg],
            )
            .json();
        let list = cluster.spl_list(&created_list(&cluster, &pool).await).await;
        let rows = report["validators"].as_array().unwrap();
        for entry in &list.validators {
            let row = rows
                .iter()
                .find(|row| row["voteAccount"] == entry.vote_account_address.to_string())
                .expect("every pool validator is in the report");
            assert_eq!(row["inPool"], true);
            assert_eq!(
                row["currentLamports"].as_u64().unwrap(),
                u64::from(entry.active_stake_lamports) + u64::from(entry.transient_stake_lamports),
                "{row}"
            );
        }
        for row in rows {
            let in_list = list
                .validators
                .iter()
                .any(|entry| row["voteAccount"] == entry.vote_account_address.to_string());
            assert_eq!(row["inPool"] == true, in_list, "{row}");
        }
        // The label's validators hold at most its cap together.
        let pool_lamports = report["poolLamports"].as_u64().unwrap();
        let labelled: u64 = rows
            .iter()
            .filter(|row| {
                row["voteAccount"] == vote_of("a").to_string()
                    || row["voteAccount"] == vote_of("b").to_string()
            })
            .map(|row| row["targetLamports"].as_u64().unwrap())
            .sum();
        assert!(labelled <= pool_lamports * 3 / 10, "label cap: {labelled}");

        // Once the five that qualify hold stake, one stops voting and one raises its
        // commission.
        let holds = |name: &str| {
            list.validators.iter().any(|entry| {
                entry.vote_account_address == vote_of(name)
                    && u64::from(entry.active_stake_lamports) > 50 * SOL
            })
        };
        if !events_done && holds("delinquent") && holds("raiser") {
            live["delinquent"].store(false, Ordering::Relaxed);
            raise_commission(&cluster, by_name("raiser")).await;
            events_done = true;
            continue;
        }
        let quiet = summary["moves"] == 0 && summary["failed"] == 0;
        quiet_rounds = if quiet { quiet_rounds + 1 } else { 0 };
        let gone = |name: &str| {
            !list
                .validators
                .iter()
                .any(|entry| entry.vote_account_address == vote_of(name))
        };
        if events_done && quiet_rounds >= 1 && gone("delinquent") && gone("raiser") {
            break;
        }
    }
    assert!(
        events_done,
        "the qualifying validators never got their stake"
    );
    let all = lines.lock().unwrap().clone();
    let exit_of = |name: &str| {
        all.iter()
            .find(|line| {
                line["action"] == "strategy-move"
                    && line["voteAccount"] == vote_of(name).to_string()
                    && line["move"]["action"] == "remove"
            })
            .cloned()
            .unwrap_or_else(|| panic!("{name} never left the pool (epoch {last_epoch})"))
    };
    assert_eq!(exit_of("delinquent")["move"]["instantExit"], true);
    assert_eq!(exit_of("raiser")["move"]["instantExit"], true);

    // Converged: the three that still qualify hold the stake, each on its target.
    let report = cluster
        .cli(
            &operator_file,
            &["strategy", "report", &pool_text, "--strategy", strategy_arg],
        )
        .json();
    let list = cluster.spl_list(&created_list(&cluster, &pool).await).await;
    let mut held: Vec<Pubkey> = list
        .validators
        .iter()
        .map(|e| e.vote_account_address)
        .collect();
    held.sort();
    let mut expected = vec![vote_of("a"), vote_of("b"), vote_of("c")];
    expected.sort();
    assert_eq!(held, expected, "{report}");
    for row in report["validators"].as_array().unwrap() {
        if row["inPool"] == true {
            assert_eq!(row["seated"], true, "{row}");
            assert_eq!(row["move"]["action"], "wait", "{row}");
        }
    }

    // The commissions charged come from the rewards each epoch paid (`getInflationReward`),
    // answered here for every epoch of the window.
    let report = cluster
        .cli(
            &operator_file,
            &["strategy", "report", &pool_text, "--strategy", strategy_arg],
        )
        .json();
    let reward_epochs = report["cluster"]["rewardEpochs"].as_array().unwrap();
    assert_eq!(reward_epochs.len(), 2);
    for epoch in reward_epochs {
        assert!(epoch["unavailable"].is_null(), "{epoch}");
    }

    // One validator's question, answered.
    let explained = cluster.cli_in_terminal(
        &operator_file,
        &[
            "strategy",
            "explain",
            &pool_text,
            &vote_of("blocked").to_string(),
            "--strategy",
            strategy_arg,
        ],
    );
    assert!(explained.status.success(), "{}", explained.stdout);
    assert!(
        explained.stdout.contains("FAIL block-list"),
        "{}",
        explained.stdout
    );
    // The table an operator reads (printed for the record).
    let table = cluster.cli_in_terminal(
        &operator_file,
        &["strategy", "report", &pool_text, "--strategy", strategy_arg],
    );
    assert!(table.status.success(), "{}", table.stdout);
    eprintln!("{}", table.stdout);
    let explained = cluster
        .cli(
            &operator_file,
            &[
                "strategy",
                "explain",
                &pool_text,
                &vote_of("raiser").to_string(),
                "--strategy",
                strategy_arg,
            ],
        )
        .json();
    assert!(
        explained["why"]
            .as_str()
            .unwrap()
            .contains("inflation-commission"),
        "{explained}"
    );

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &keeper.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = keeper.wait().unwrap();
    assert!(status.success(), "the keeper stopped with {status}");
    stop.store(true, Ordering::Relaxed);
    voting.await.unwrap();
    let _ = operator;
}

async fn created_list(cluster: &Cluster, pool: &Pubkey) -> Pubkey {
    cluster.spl_pool(pool).await.validator_list
}

/// `UpdateCommission` to 50%, signed by the withdrawer: a raise is only allowed in the first
/// half of an epoch, so it is retried until it lands.
async fn raise_commission(cluster: &Cluster, validator: &Crafted) {
    for _ in 0..200 {
        let instruction = solana_vote_interface::instruction::update_commission(
            &validator.vote.pubkey(),
            &validator.withdrawer.pubkey(),
            50,
        );
        let blockhash = cluster.rpc.get_latest_blockhash().await.unwrap();
        let transaction = Transaction::new_signed_with_payer(
            &[instruction],
            Some(&cluster.mint.pubkey()),
            &[&cluster.mint, &validator.withdrawer],
            blockhash,
        );
        if cluster
            .rpc
            .send_and_confirm_transaction(&transaction)
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("the commission raise never landed");
}
