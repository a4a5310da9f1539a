//! The manager's other levers, on a real validator, each through the `p-stake-pool` binary and
//! checked against the chain (decoded with the SPL stake pool 2.2.0 crate): token metadata
//! created after the pool and then changed, referral fees, funding authorities that gate SOL
//! deposits, SOL withdrawals and stake deposits (and are cleared again), the staker handed to
//! another key, and the manager handed over with a new fee account, after which the fees go
//! there. Each refusal is a clear message, a non-zero exit, and nothing sent.

mod common;

use common::*;
use solana_sdk::{pubkey::Pubkey, signature::Signer};

/// Name, symbol and URI of a Metaplex metadata account (key, update authority, mint, then
/// three length-prefixed strings, padded with NULs).
fn metadata_fields(data: &[u8]) -> [String; 3] {
    let mut offset = 1 + 32 + 32;
    let mut field = || {
        let length = u32::from_le_bytes(data[offset..offset + 4].try_into().unwrap()) as usize;
        let text = String::from_utf8_lossy(&data[offset + 4..offset + 4 + length])
            .trim_end_matches('\0')
            .to_string();
        offset += 4 + length;
        text
    };
    [field(), field(), field()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_manager_sets_authorities_fees_metadata_and_hands_the_pool_over() {
    // Nothing here needs an epoch to pass: long epochs keep the pool current throughout.
    let cluster = Cluster::start_with_epochs_of(2048).await;
    let (operator, operator_file) = cluster.funded(100 * SOL).await;
    let (next_manager, next_manager_file) = cluster.funded(100 * SOL).await;
    let (next_staker, next_staker_file) = cluster.funded(100 * SOL).await;
    let (user, user_file) = cluster.funded(100 * SOL).await;
    let (gate, gate_file) = cluster.funded(SOL).await;

    let created = cluster
        .cli(
            &operator_file,
            &[
                "create-pool",
                "--max-validators",
                "4",
                "--deposit-fee",
                "1",
                "100",
            ],
        )
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    let mint = key(&created, "poolMint");

    // Metadata after the pool: created, refused to anyone but the manager, then changed.
    let metadata = p_stake_pool_client::find_token_metadata(&mint);
    let made = cluster
        .cli(
            &operator_file,
            &[
                "create-token-metadata",
                &pool_text,
                "Pool SOL",
                "pSOL",
                "https://example.com/a.json",
            ],
        )
        .json();
    assert_eq!(key(&made, "metadata"), metadata);
    assert_eq!(
        metadata_fields(&cluster.account_data(&metadata).await),
        ["Pool SOL", "pSOL", "https://example.com/a.json"]
    );
    let user_balance = cluster.lamports(&user.pubkey()).await;
    cluster
        .cli(
            &user_file,
            &["update-token-metadata", &pool_text, "Mine", "MINE", "x"],
        )
        .fails_with("is not the manager");
    assert_eq!(cluster.lamports(&user.pubkey()).await, user_balance);
    cluster
        .cli(
            &operator_file,
            &[
                "update-token-metadata",
                &pool_text,
                "Renamed SOL",
                "rSOL",
                "https://example.com/b.json",
            ],
        )
        .json();
    assert_eq!(
        metadata_fields(&cluster.account_data(&metadata).await),
        ["Renamed SOL", "rSOL", "https://example.com/b.json"]
    );

    // Referral shares of the deposit fees, and a percentage over 100 refused up front.
    cluster
        .cli(
            &operator_file,
            &["set-referral-fee", &pool_text, "sol", "50"],
        )
        .json();
    cluster
        .cli(
            &operator_file,
            &["set-referral-fee", &pool_text, "stake", "20"],
        )
        .json();
    let state = cluster.spl_pool(&pool).await;
    assert_eq!((state.sol_referral_fee, state.stake_referral_fee), (50, 20));
    let operator_balance = cluster.lamports(&operator.pubkey()).await;
    cluster
        .cli(
            &operator_file,
            &["set-referral-fee", &pool_text, "sol", "101"],
        )
        .fails_with("more than 100");
    assert_eq!(cluster.lamports(&operator.pubkey()).await, operator_balance);

    // A SOL deposit authority: deposits without its signature are refused before sending;
    // with it they go through.
    let gate_text = gate.pubkey().to_string();
    cluster
        .cli(
            &operator_file,
            &[
                "set-funding-authority",
                &pool_text,
                "sol-deposit",
                "--new-authority",
                &gate_text,
            ],
        )
        .json();
    assert_eq!(
        cluster.spl_pool(&pool).await.sol_deposit_authority,
        Some(gate.pubkey())
    );
    let user_balance = cluster.lamports(&user.pubkey()).await;
    cluster
        .cli(&user_file, &["deposit-sol", &pool_text, "1"])
        .fails_with("pass --deposit-authority");
    assert_eq!(cluster.lamports(&user.pubkey()).await, user_balance);
    let deposited = cluster
        .cli(
            &user_file,
            &[
                "deposit-sol",
                &pool_text,
                "10",
                "--deposit-authority",
                gate_file.to_str().unwrap(),
            ],
        )
        .json();
    let user_tokens = key(&deposited, "tokenReceiver");
    assert_eq!(
        cluster.token_balance(&user_tokens).await,
        deposited["quotedPoolTokens"].as_u64().unwrap()
    );

    // A SOL withdraw authority, the same way.
    cluster
        .cli(
            &operator_file,
            &[
                "set-funding-authority",
                &pool_text,
                "sol-withdraw",
                "--new-authority",
                &gate_text,
            ],
        )
        .json();
    let tokens = cluster.token_balance(&user_tokens).await;
    cluster
        .cli(&user_file, &["withdraw-sol", &pool_text, "1"])
        .fails_with("pass --withdraw-authority");
    assert_eq!(cluster.token_balance(&user_tokens).await, tokens);
    cluster
        .cli(
            &user_file,
            &[
                "withdraw-sol",
                &pool_text,
                "1",
                "--withdraw-authority",
                gate_file.to_str().unwrap(),
            ],
        )
        .json();
    assert_eq!(cluster.token_balance(&user_tokens).await, tokens - SOL);

    // Cleared, anyone deposits and withdraws again.
    for funding in ["sol-deposit", "sol-withdraw"] {
        cluster
            .cli(
                &operator_file,
                &["set-funding-authority", &pool_text, funding, "--unset"],
            )
            .json();
    }
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.sol_deposit_authority, None);
    assert_eq!(state.sol_withdraw_authority, None);
    cluster
        .cli(&user_file, &["deposit-sol", &pool_text, "1"])
        .json();
    cluster
        .cli(&user_file, &["withdraw-sol", &pool_text, "0.5"])
        .json();

    // The stake deposit authority: set to a key, then back to the program's own PDA.
    cluster
        .cli(
            &operator_file,
            &[
                "set-funding-authority",
                &pool_text,
                "stake-deposit",
                "--new-authority",
                &gate_text,
            ],
        )
        .json();
    assert_eq!(
        cluster.spl_pool(&pool).await.stake_deposit_authority,
        gate.pubkey()
    );
    cluster
        .cli(
            &operator_file,
            &[
                "set-funding-authority",
                &pool_text,
                "stake-deposit",
                "--unset",
            ],
        )
        .json();
    assert_eq!(
        cluster.spl_pool(&pool).await.stake_deposit_authority,
        p_stake_pool_client::find_deposit_authority(&cluster.program_id, &pool).0
    );

    // The staker: only the manager or the staker may change it; the old staker then may not
    // add validators, the new one may.
    let user_balance = cluster.lamports(&user.pubkey()).await;
    cluster
        .cli(
            &user_file,
            &["set-staker", &pool_text, &user.pubkey().to_string()],
        )
        .fails_with("is neither the manager");
    assert_eq!(cluster.lamports(&user.pubkey()).await, user_balance);
    cluster
        .cli(
            &operator_file,
            &["set-staker", &pool_text, &next_staker.pubkey().to_string()],
        )
        .json();
    assert_eq!(cluster.spl_pool(&pool).await.staker, next_staker.pubkey());
    let vote = cluster.vote_account().await;
    cluster
        .cli(
            &operator_file,
            &["add-validator", &pool_text, &vote.to_string()],
        )
        .fails_with("is not the staker");
    let added = cluster
        .cli(
            &next_staker_file,
            &["add-validator", &pool_text, &vote.to_string()],
        )
        .json();
    assert_eq!(key(&added, "voteAccount"), vote);
    let state = cluster.spl_pool(&pool).await;
    let list = cluster.spl_list(&state.validator_list).await;
    assert_eq!(list.validators.len(), 1);
    assert_eq!(list.validators[0].vote_account_address, vote);

    // On a terminal, a forced update draws its progress as a bar (and clears it when done),
    // then prints the display report.
    let on_terminal =
        cluster.cli_in_terminal(&next_staker_file, &["update", &pool_text, "--force"]);
    assert!(on_terminal.status.success(), "{}", on_terminal.stdout);
    // indicatif draws at most 20 times a second, so which of the bar's states shows
    // depends on timing; every state reads "<done>/2 <step>".
    assert!(
        on_terminal.stdout.contains("/2 "),
        "no progress bar: {:?}",
        on_terminal.stdout
    );
    assert!(
        on_terminal.stdout.contains("\x1b["),
        "{:?}",
        on_terminal.stdout
    );

    // The manager: the new fee account must be a token account of the pool's mint, and the
    // tool names a wrong one before sending.
    let next_tokens = key(
        &cluster
            .cli(&next_manager_file, &["deposit-sol", &pool_text, "1"])
            .json(),
        "tokenReceiver",
    );
    let operator_balance = cluster.lamports(&operator.pubkey()).await;
    let next_manager_path = next_manager_file.to_str().unwrap();
    cluster
        .cli(
            &operator_file,
            &[
                "set-manager",
                &pool_text,
                "--new-manager",
                next_manager_path,
                "--new-fee-receiver",
                &Pubkey::new_unique().to_string(),
            ],
        )
        .fails_with("no account at");
    cluster
        .cli(
            &operator_file,
            &[
                "set-manager",
                &pool_text,
                "--new-manager",
                next_manager_path,
                "--new-fee-receiver",
                &user.pubkey().to_string(),
            ],
        )
        .fails_with("is not a token account of the pool's mint");
    assert_eq!(cluster.lamports(&operator.pubkey()).await, operator_balance);
    let handed = cluster
        .cli(
            &operator_file,
            &[
                "set-manager",
                &pool_text,
                "--new-manager",
                next_manager_path,
                "--new-fee-receiver",
                &next_tokens.to_string(),
            ],
        )
        .json();
    assert_eq!(key(&handed, "manager"), next_manager.pubkey());
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.manager, next_manager.pubkey());
    assert_eq!(state.manager_fee_account, next_tokens);

    // The old manager is refused; the new one sets a fee, and deposit fees now reach its
    // account.
    cluster
        .cli(
            &operator_file,
            &["set-fee", &pool_text, "sol-deposit", "2", "100"],
        )
        .fails_with("is not the manager");
    cluster
        .cli(
            &next_manager_file,
            &["set-fee", &pool_text, "sol-deposit", "2", "100"],
        )
        .json();
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(
        (
            state.sol_deposit_fee.numerator,
            state.sol_deposit_fee.denominator
        ),
        (2, 100)
    );
    // The fee split, as the SPL stake pool 2.2.0 crate computes it from the pool before.
    let before = cluster.spl_pool(&pool).await;
    let new_tokens = before.calc_pool_tokens_for_deposit(10 * SOL).unwrap();
    let fee = before.calc_pool_tokens_sol_deposit_fee(new_tokens).unwrap();
    let referral = before.calc_pool_tokens_sol_referral_fee(fee).unwrap();
    let fees_before = cluster.token_balance(&next_tokens).await;
    let user_before = cluster.token_balance(&user_tokens).await;
    cluster
        .cli(&user_file, &["deposit-sol", &pool_text, "10"])
        .json();
    assert!(fee > referral && referral > 0);
    assert_eq!(
        cluster.token_balance(&next_tokens).await - fees_before,
        fee - referral
    );
    assert_eq!(
        cluster.token_balance(&user_tokens).await - user_before,
        new_tokens - fee + referral
    );
}
