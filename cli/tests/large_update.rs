//! A 500-validator pool's epoch update on a real validator, in the fewest transactions: the
//! tool names the validators' stake accounts through address lookup tables and packs 27
//! pairs per transaction (mainnet's 64-account lock limit), where legacy transactions hold
//! 11 and the reference CLI sends 4 (`MAX_VALIDATORS_TO_UPDATE`) per transaction.

mod common;

use common::*;
use p_stake_pool_client::{self as client, PoolAccounts};
use solana_sdk::{signature::Keypair, signature::Signer, transaction::Transaction};

const VALIDATORS: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_500_validator_update_in_the_fewest_transactions() {
    // Epochs of 96 slots (about 40 s): each measured update starts as an epoch starts and
    // ends within it.
    let cluster = Cluster::start_with_epochs_of(96).await;
    let (operator, operator_file) = cluster.funded(2_000 * SOL).await;
    let created = cluster
        .cli(
            &operator_file,
            &["create-pool", "--max-validators", &VALIDATORS.to_string()],
        )
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    // The reserve funds each validator's stake account: rent plus the minimum delegation.
    cluster
        .cli(&operator_file, &["deposit-sol", &pool_text, "520"])
        .json();

    // 500 vote accounts (one node identity for all), two per transaction, sent together.
    let node = Keypair::new();
    let space = solana_vote_interface::state::VoteStateV4::size_of();
    let vote_rent = cluster
        .rpc
        .get_minimum_balance_for_rent_exemption(space)
        .await
        .unwrap();
    let votes: Vec<Keypair> = (0..VALIDATORS).map(|_| Keypair::new()).collect();
    let blockhash = cluster.rpc.get_latest_blockhash().await.unwrap();
    let mut signatures = Vec::new();
    for pair in votes.chunks(2) {
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

    // Add them through the client crate's builder, eight per transaction.
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
    let blockhash = cluster.rpc.get_latest_blockhash().await.unwrap();
    let mut signatures = Vec::new();
    for chunk in votes.chunks(8) {
        let mut instructions = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                1_400_000,
            ),
        ];
        for vote in chunk {
            instructions.push(client::add_validator_to_pool(
                &accounts,
                &operator.pubkey(),
                &vote.pubkey(),
                0,
            ));
        }
        let transaction = Transaction::new_signed_with_payer(
            &instructions,
            Some(&operator.pubkey()),
            &[&operator],
            blockhash,
        );
        signatures.push(cluster.rpc.send_transaction(&transaction).await.unwrap());
    }
    cluster.confirm_all(&signatures).await;
    assert_eq!(
        cluster
            .spl_list(&state.validator_list)
            .await
            .validators
            .len(),
        VALIDATORS
    );

    // The next epoch's update, packed through lookup tables.
    let epoch = cluster.next_epoch().await;
    let run = cluster.cli(&operator_file, &["update", &pool_text]);
    if !run.status.success() {
        let list = cluster.spl_list(&state.validator_list).await;
        let stale: Vec<(usize, u64)> = list
            .validators
            .iter()
            .enumerate()
            .filter(|(_, entry)| u64::from(entry.last_update_epoch) < epoch)
            .map(|(index, entry)| (index, u64::from(entry.last_update_epoch)))
            .collect();
        eprintln!(
            "epoch {epoch} (now {}), stale entries: {stale:?}",
            cluster.epoch().await
        );
    }
    let packed = run.json();
    assert_eq!(packed["validators"], VALIDATORS);
    let expected = VALIDATORS.div_ceil(27) + 1;
    assert_eq!(packed["updateTransactions"], expected, "{packed}");
    let tables = packed["lookupTables"].as_array().unwrap().len();
    assert_eq!(tables, (2 * VALIDATORS + 8).div_ceil(255));
    assert!(cluster.spl_pool(&pool).await.last_update_epoch >= epoch);
    let list = cluster.spl_list(&state.validator_list).await;
    assert!(list
        .validators
        .iter()
        .all(|entry| u64::from(entry.last_update_epoch) >= epoch));

    // The next epoch in legacy transactions (no lookup tables), for comparison.
    cluster.next_epoch().await;
    let legacy = cluster
        .cli(
            &operator_file,
            &["update", &pool_text, "--no-lookup-tables"],
        )
        .json();
    let legacy_pairs = 11;
    assert_eq!(
        legacy["updateTransactions"],
        VALIDATORS.div_ceil(legacy_pairs) + 1,
        "{legacy}"
    );
    // And the next packed: the tables are reused, no lookup table transactions.
    let epoch = cluster.next_epoch().await;
    let reused = cluster.cli(&operator_file, &["update", &pool_text]).json();
    assert_eq!(reused["lookupTableTransactions"], 0, "{reused}");
    assert_eq!(reused["updateTransactions"], expected);
    assert!(cluster.spl_pool(&pool).await.last_update_epoch >= epoch);

    eprintln!(
        "500-validator update: packed {} transactions ({} CU, {} lamports, {:.1} s; first run \
         also {} lookup-table transactions), legacy {} transactions ({} CU, {:.1} s), \
         reference CLI {} transactions",
        reused["updateTransactions"],
        reused["computeUnits"],
        reused["fees"],
        reused["seconds"].as_f64().unwrap(),
        packed["lookupTableTransactions"],
        legacy["updateTransactions"],
        legacy["computeUnits"],
        legacy["seconds"].as_f64().unwrap(),
        VALIDATORS.div_ceil(4) + 1,
    );
}
