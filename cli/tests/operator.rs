//! The operator's whole story on a real validator, every step through the `p-stake-pool`
//! binary with `--output json-compact`, every JSON answer checked against the chain (decoded
//! with the SPL stake pool 2.2.0 crate's own state types): create a pool with fees, add
//! validators, deposit SOL and stake, rebalance, let epochs pass and the keeper bring the pool
//! current (with real rewards from the bootstrap validator's votes), withdraw SOL and stake.
//! Then what an operator gets wrong: unknown pool, wrong program id, insufficient funds, a
//! stale pool, a keypair that is not the manager or staker, a fee the program refuses —
//! each a clear message, a non-zero exit, and nothing sent.

mod common;

use std::{io::BufRead, time::Duration};

use common::*;
use solana_sdk::{pubkey::Pubkey, signature::Signer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operator_runs_a_pool_on_a_real_validator() {
    let cluster = Cluster::start().await;
    let (operator, operator_file) = cluster.funded(1_000 * SOL).await;
    let (user, user_file) = cluster.funded(1_000 * SOL).await;
    let (stranger, stranger_file) = cluster.funded(10 * SOL).await;

    // Bad input before any pool exists: an address with no account, and a program id that
    // does not own the pool, are explained.
    let nowhere = Pubkey::new_unique().to_string();
    cluster
        .cli(&operator_file, &["list", &nowhere])
        .fails_with("no account at");

    // Create the pool: 1% epoch fee, 0.1% deposit and withdrawal fees, 10% referral share.
    let created = cluster
        .cli(
            &operator_file,
            &[
                "create-pool",
                "--max-validators",
                "10",
                "--epoch-fee",
                "1",
                "100",
                "--deposit-fee",
                "1",
                "1000",
                "--withdrawal-fee",
                "1",
                "1000",
                "--referral-fee",
                "10",
                "--metadata",
                "Pool SOL",
                "pSOL",
                "https://example.com/psol.json",
            ],
        )
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.manager, operator.pubkey());
    assert_eq!(state.staker, operator.pubkey());
    assert_eq!(state.validator_list, key(&created, "validatorList"));
    assert_eq!(state.reserve_stake, key(&created, "reserveStake"));
    assert_eq!(state.pool_mint, key(&created, "poolMint"));
    assert_eq!(
        state.manager_fee_account,
        key(&created, "managerFeeAccount")
    );
    assert_eq!(
        (state.epoch_fee.numerator, state.epoch_fee.denominator),
        (1, 100)
    );
    assert_eq!(state.sol_deposit_fee.numerator, 1);
    assert_eq!(state.sol_referral_fee, 10);
    assert_eq!(created["transactions"].as_array().unwrap().len(), 3);
    // The metadata account exists, owned by Metaplex.
    let metadata = p_stake_pool_client::find_token_metadata(&state.pool_mint);
    let metadata_account = cluster.rpc.get_account(&metadata).await.unwrap();
    assert_eq!(metadata_account.owner, METADATA_PROGRAM);
    cluster
        .cli_with(
            &operator_file,
            &Pubkey::new_unique().to_string(),
            &["list", &pool_text],
        )
        .fails_with("check --program-id");

    // The user deposits SOL: tokens at the quoted amount, the fee to the manager.
    let deposited = cluster
        .cli(
            &user_file,
            &[
                "deposit-sol",
                &pool_text,
                "20",
                "--minimum-pool-tokens-out",
                "19",
            ],
        )
        .json();
    let user_tokens = key(&deposited, "tokenReceiver");
    let minted = deposited["poolTokens"].as_u64().unwrap();
    assert_eq!(minted, deposited["quotedPoolTokens"].as_u64().unwrap());
    assert_eq!(cluster.token_balance(&user_tokens).await, minted);
    // 0.1% deposit fee, a tenth of it back to the referrer (the user's own account).
    let fee = 20 * SOL / 1000;
    assert_eq!(minted, 20 * SOL - fee + fee / 10);
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.total_lamports, 20 * SOL);

    // A dry run simulates and sends nothing.
    let balance = cluster.lamports(&user.pubkey()).await;
    let dry = cluster
        .cli(&user_file, &["--dry-run", "deposit-sol", &pool_text, "1"])
        .json();
    assert!(dry["transactions"][0]["signature"].is_null());
    assert!(dry["transactions"][0]["computeUnits"].as_u64().unwrap() > 0);
    // It shows what would have been signed: the pool's DepositSol of 1 SOL (tag 14, the
    // lamports little-endian), writing the pool account.
    let planned = dry["transactions"][0]["planned"].as_array().unwrap();
    let deposit = planned.last().unwrap();
    assert_eq!(deposit["programId"], cluster.program_id.to_string());
    assert_eq!(deposit["data"], "0e00ca9a3b00000000");
    assert!(deposit["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|account| account["pubkey"] == pool_text.as_str() && account["writable"] == true));
    assert_eq!(cluster.lamports(&user.pubkey()).await, balance);

    // Three validators: the bootstrap validator (which votes, so earns rewards) and two
    // more. The reserve funds each validator's minimum.
    let votes = [
        cluster.validator.vote_account_address(),
        cluster.vote_account().await,
        cluster.vote_account().await,
    ];
    for vote in &votes {
        let added = cluster
            .cli(
                &operator_file,
                &["add-validator", &pool_text, &vote.to_string()],
            )
            .json();
        assert_eq!(key(&added, "voteAccount"), *vote);
    }
    // Only the staker may add validators, and the tool says so before sending anything.
    let stranger_balance = cluster.lamports(&stranger.pubkey()).await;
    cluster
        .cli(
            &stranger_file,
            &[
                "add-validator",
                &pool_text,
                &Pubkey::new_unique().to_string(),
            ],
        )
        .fails_with("is not the staker");
    cluster
        .cli(&stranger_file, &["set-fee", &pool_text, "epoch", "1", "10"])
        .fails_with("is not the manager");
    assert_eq!(cluster.lamports(&stranger.pubkey()).await, stranger_balance);
    // A fee the program refuses is refused by name, in simulation, before signing.
    let operator_balance = cluster.lamports(&operator.pubkey()).await;
    cluster
        .cli(
            &operator_file,
            &["set-fee", &pool_text, "sol-deposit", "2", "1"],
        )
        .fails_with("FeeTooHigh");
    assert_eq!(cluster.lamports(&operator.pubkey()).await, operator_balance);
    // So is a deposit larger than the depositor holds.
    cluster
        .cli(&stranger_file, &["deposit-sol", &pool_text, "50"])
        .fails_with("insufficient funds");
    assert_eq!(cluster.lamports(&stranger.pubkey()).await, stranger_balance);

    // A stake account the user delegates to the bootstrap validator, to deposit once it
    // is active.
    let user_stake = cluster.delegated_stake(&user, &votes[0], 10 * SOL).await;

    // The next epoch: the pool is stale until updated; a deposit says so and sends nothing.
    cluster.next_epoch().await;
    let balance = cluster.lamports(&user.pubkey()).await;
    cluster
        .cli(&user_file, &["deposit-sol", &pool_text, "1"])
        .fails_with("is stale");
    assert_eq!(cluster.lamports(&user.pubkey()).await, balance);
    let updated = cluster.cli(&operator_file, &["update", &pool_text]).json();
    assert_eq!(updated["validators"], 3);
    assert_eq!(updated["alreadyCurrent"], false);
    // Three validators fit one legacy transaction: no lookup table is worth its rent.
    assert_eq!(updated["lookupTableTransactions"], 0);
    assert_eq!(updated["updateTransactions"], 2);
    let epoch = cluster.epoch().await;
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.last_update_epoch, epoch);
    // Updating again is a no-op.
    let again = cluster.cli(&operator_file, &["update", &pool_text]).json();
    assert_eq!(again["alreadyCurrent"], true);
    assert_eq!(again["updateTransactions"], 0);

    // The user deposits the now active stake account.
    let stake_deposit = cluster
        .cli(
            &user_file,
            &["deposit-stake", &pool_text, &user_stake.to_string()],
        )
        .json();
    assert_eq!(key(&stake_deposit, "voteAccount"), votes[0]);
    assert_eq!(
        stake_deposit["poolTokens"].as_u64().unwrap(),
        stake_deposit["quotedPoolTokens"].as_u64().unwrap()
    );
    let list = cluster.spl_list(&state.validator_list).await;
    let bootstrap = list
        .validators
        .iter()
        .find(|v| v.vote_account_address == votes[0])
        .unwrap();
    assert!(u64::from(bootstrap.active_stake_lamports) > 10 * SOL);

    // Rebalance to equal weights: the dry run plans, sends nothing; the real run moves the
    // reserve's SOL into transient stake.
    let reserve_before = cluster.lamports(&state.reserve_stake).await;
    let plan = cluster
        .cli(
            &operator_file,
            &["--dry-run", "rebalance", &pool_text, "--equal"],
        )
        .json();
    assert_eq!(plan["transactions"].as_array().unwrap().len(), 0);
    assert_eq!(cluster.lamports(&state.reserve_stake).await, reserve_before);
    let moves: Vec<_> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["action"] == "increase" || line["action"] == "decrease")
        .cloned()
        .collect();
    assert!(!moves.is_empty(), "{plan}");
    let rebalanced = cluster
        .cli(&operator_file, &["rebalance", &pool_text, "--equal"])
        .json();
    assert_eq!(
        rebalanced["transactions"].as_array().unwrap().len(),
        moves.len()
    );
    let list = cluster.spl_list(&state.validator_list).await;
    for line in &moves {
        let vote: Pubkey = line["voteAccount"].as_str().unwrap().parse().unwrap();
        let entry = list
            .validators
            .iter()
            .find(|v| v.vote_account_address == vote)
            .unwrap();
        assert!(u64::from(entry.transient_stake_lamports) > 0, "{line}");
    }

    // A delayed-unstake ticket, split from the bootstrap validator now: due next epoch.
    let accounts = p_stake_pool_client::PoolAccounts {
        program_id: cluster.program_id,
        stake_pool: pool,
        validator_list: state.validator_list,
        reserve_stake: state.reserve_stake,
        pool_mint: state.pool_mint,
        manager_fee_account: state.manager_fee_account,
        token_program_id: state.token_program_id,
    };
    let ticket_stake = solana_sdk::signature::Keypair::new();
    let stake_rent = cluster
        .rpc
        .get_minimum_balance_for_rent_exemption(200)
        .await
        .unwrap();
    let ticket_owner = Pubkey::new_unique();
    cluster
        .send(
            &[
                solana_system_interface::instruction::create_account(
                    &user.pubkey(),
                    &ticket_stake.pubkey(),
                    stake_rent,
                    200,
                    &solana_stake_interface::program::id(),
                ),
                p_stake_pool_client::request_unstake(
                    &accounts,
                    &p_stake_pool_client::find_validator_stake(
                        &cluster.program_id,
                        &votes[0],
                        &pool,
                        0,
                    )
                    .0,
                    &ticket_stake.pubkey(),
                    &ticket_owner,
                    &user.pubkey(),
                    &user_tokens,
                    &user.pubkey(),
                    2 * SOL,
                    0,
                ),
            ],
            &[&user, &ticket_stake],
        )
        .await;
    let (ticket, _) =
        p_stake_pool_client::find_ticket(&cluster.program_id, &pool, &ticket_stake.pubkey());
    let owed =
        p_stake_pool_client::state::UnstakeTicket::load(&cluster.account_data(&ticket).await)
            .unwrap()
            .lamports_owed();

    // The keeper brings the pool current as the epoch turns, and stops on SIGTERM. Two
    // keepers on one pool do no harm: whichever is second finds the pool current, or
    // repeats instructions that change nothing. As the epoch turns it first claims the due
    // ticket for its owner.
    let total_before = cluster.spl_pool(&pool).await.total_lamports;
    // Two keepers (each with its own journal: one journal is one keeper's, and a second keeper
    // on it is refused).
    let second_journal = cluster.dir.path().join("second.journal");
    let mut keepers = [
        cluster.spawn(&operator_file, &["keeper", &pool_text, "--interval", "1"]),
        cluster.spawn(
            &operator_file,
            &[
                "keeper",
                &pool_text,
                "--interval",
                "1",
                "--journal",
                second_journal.to_str().unwrap(),
            ],
        ),
    ];
    let next = cluster.next_epoch().await;
    // A third keeper on the first one's (default) journal is refused, nothing sent.
    cluster
        .cli(&operator_file, &["keeper", &pool_text])
        .fails_with("another keeper is using the journal");
    let mut current = false;
    for _ in 0..300 {
        if cluster.spl_pool(&pool).await.last_update_epoch >= next {
            current = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        current,
        "the keeper did not update the pool for epoch {next}"
    );
    // Rewards: one more epoch of the bootstrap validator's votes.
    let rewarded = cluster.next_epoch().await;
    for _ in 0..300 {
        if cluster.spl_pool(&pool).await.last_update_epoch >= rewarded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut updates = 0;
    // Both keepers may send the same claim: the same transaction, which lands once.
    let mut claims = std::collections::BTreeSet::new();
    for (keeper, signal) in keepers.iter_mut().zip(["TERM", "INT"]) {
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), keeper.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = keeper.wait().unwrap();
        assert!(status.success(), "the keeper exited with {status}");
        let lines: Vec<serde_json::Value> = std::io::BufReader::new(keeper.stdout.take().unwrap())
            .lines()
            .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
            .collect();
        assert_eq!(lines.first().unwrap()["action"], "start");
        assert_eq!(lines.last().unwrap()["action"], "stop");
        assert_eq!(lines.last().unwrap()["signal"], format!("SIG{signal}"));
        for line in &lines {
            eprintln!("keeper {signal}: {line}");
        }
        updates += lines
            .iter()
            .filter(|line| line["action"] == "update")
            .count();
        claims.extend(
            lines
                .iter()
                .filter(|line| line["action"] == "claim-tickets")
                .flat_map(|line| line["claimed"].as_array().cloned().unwrap_or_default())
                .map(|claim| claim["transaction"]["signature"].to_string()),
        );
    }
    // Two epochs turned while they ran: at least one update each.
    assert!(updates >= 2, "{updates} updates");
    // The ticket was claimed by one of them, before its update: the owner has what was owed.
    assert_eq!(
        claims.len(),
        1,
        "the due ticket was claimed once: {claims:?}"
    );
    assert_eq!(cluster.lamports(&ticket_owner).await, owed);
    assert!(
        cluster.rpc.get_account(&ticket).await.is_err(),
        "ticket closed"
    );
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.last_update_epoch, rewarded);
    assert!(
        state.total_lamports > total_before,
        "no rewards: {} then {}",
        total_before,
        state.total_lamports
    );

    // `list` reports what the chain holds.
    let listed = cluster.cli(&user_file, &["list", &pool_text]).json();
    assert_eq!(
        listed["totalLamports"].as_u64().unwrap(),
        state.total_lamports
    );
    assert_eq!(
        listed["poolTokenSupply"].as_u64().unwrap(),
        state.pool_token_supply
    );
    assert_eq!(listed["validators"].as_array().unwrap().len(), 3);
    assert_eq!(listed["stale"], false);
    let all = cluster.cli(&user_file, &["list-all"]).json();
    assert!(all["pools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|listed| listed["address"] == pool_text.as_str()));

    // Withdrawals: SOL from the reserve, then stake from the validators.
    let tokens_before = cluster.token_balance(&user_tokens).await;
    let withdrawn = cluster
        .cli(
            &user_file,
            &[
                "withdraw-sol",
                &pool_text,
                "1",
                "--minimum-lamports-out",
                "0.9",
            ],
        )
        .json();
    assert_eq!(
        cluster.token_balance(&user_tokens).await,
        tokens_before - SOL
    );
    assert_eq!(withdrawn["lamports"], withdrawn["quotedLamports"]);
    let stake_out = cluster
        .cli(&user_file, &["withdraw-stake", &pool_text, "3"])
        .json();
    assert_eq!(
        cluster.token_balance(&user_tokens).await,
        tokens_before - 4 * SOL
    );
    let mut received = 0;
    for part in stake_out["stakeAccounts"].as_array().unwrap() {
        let address: Pubkey = part["stakeAccount"].as_str().unwrap().parse().unwrap();
        let account = cluster.rpc.get_account(&address).await.unwrap();
        assert_eq!(account.owner, solana_sdk_ids::stake::id());
        let stake: solana_stake_interface::state::StakeStateV2 = bincode_deserialize(&account.data);
        assert_eq!(stake.authorized().unwrap().withdrawer, user.pubkey());
        received += account.lamports;
    }
    assert!(received >= stake_out["quotedLamports"].as_u64().unwrap());

    // Slippage floors the pool cannot meet are refused before sending.
    cluster
        .cli(
            &user_file,
            &[
                "withdraw-sol",
                &pool_text,
                "1",
                "--minimum-lamports-out",
                "5",
            ],
        )
        .fails_with("less than --minimum-lamports-out");
}

fn bincode_deserialize<T: serde::de::DeserializeOwned>(data: &[u8]) -> T {
    bincode::deserialize(data).unwrap()
}
