//! The staker's commands on a real validator, each through the `p-stake-pool` binary and
//! checked against the chain (decoded with the SPL stake pool 2.2.0 crate): an increase from
//! the reserve and a decrease back to it, preferred validators set and cleared, the update's
//! `--stale-only`, `--no-merge` and `--force`, a user's stake accounts deposited in one
//! `deposit-all-stake`, a stake withdrawal taken from the preferred validator, and a validator
//! removed until its entry is gone and its lamports are back in the reserve. Refusals (a second
//! move before the first settles, more than the reserve holds, a key that is not the staker,
//! a validator the pool does not hold) are clear messages that change nothing.

mod common;

use common::*;
use solana_sdk::pubkey::Pubkey;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staker_moves_stake_sets_preferences_and_removes_a_validator() {
    // 64-slot epochs (about 26 s): each epoch's steps fit in one.
    let cluster = Cluster::start_with_epochs_of(64).await;
    let (_staker, staker_file) = cluster.funded(100 * SOL).await;
    let (user, user_file) = cluster.funded(200 * SOL).await;
    let created = cluster
        .cli(&staker_file, &["create-pool", "--max-validators", "5"])
        .json();
    let pool = key(&created, "stakePool");
    let pool_text = pool.to_string();
    let reserve = key(&created, "reserveStake");
    let list_address = key(&created, "validatorList");
    let user_tokens = key(
        &cluster
            .cli(&user_file, &["deposit-sol", &pool_text, "50"])
            .json(),
        "tokenReceiver",
    );
    let (a, b) = (cluster.vote_account().await, cluster.vote_account().await);
    for vote in [a, b] {
        cluster
            .cli(
                &staker_file,
                &["add-validator", &pool_text, &vote.to_string()],
            )
            .json();
    }
    // The user's own stake with both validators, deposited in one command once active.
    let user_stakes = [
        cluster.delegated_stake(&user, &a, 3 * SOL).await,
        cluster.delegated_stake(&user, &b, 4 * SOL).await,
    ];

    // An increase: the reserve pays A's transient stake account, lamport for lamport.
    let reserve_before = cluster.lamports(&reserve).await;
    let increased = cluster
        .cli(
            &staker_file,
            &["increase-validator-stake", &pool_text, &a.to_string(), "10"],
        )
        .json();
    let transient = key(&increased, "transientStakeAccount");
    let moved = cluster.lamports(&transient).await;
    assert!(moved >= 10 * SOL);
    assert_eq!(reserve_before - cluster.lamports(&reserve).await, moved);
    let list = cluster.spl_list(&list_address).await;
    assert_eq!(
        u64::from(list.find(&a).unwrap().transient_stake_lamports),
        moved
    );

    // Refused, and nothing moves: a second move before the first settles, more than the
    // reserve holds, a key that is not the staker.
    let reserve_now = cluster.lamports(&reserve).await;
    cluster
        .cli(
            &staker_file,
            &["increase-validator-stake", &pool_text, &a.to_string(), "1"],
        )
        .fails_with("already has");
    cluster
        .cli(
            &staker_file,
            &[
                "increase-validator-stake",
                &pool_text,
                &b.to_string(),
                "1000",
            ],
        )
        .fails_with("insufficient funds");
    cluster
        .cli(
            &user_file,
            &["increase-validator-stake", &pool_text, &b.to_string(), "1"],
        )
        .fails_with("is not the staker");
    assert_eq!(cluster.lamports(&reserve).await, reserve_now);

    // Preferred validators: set, cleared, and refused for a validator the pool lacks.
    cluster
        .cli(
            &staker_file,
            &[
                "set-preferred-validator",
                &pool_text,
                "withdraw",
                "--vote-account",
                &a.to_string(),
            ],
        )
        .json();
    cluster
        .cli(
            &staker_file,
            &[
                "set-preferred-validator",
                &pool_text,
                "deposit",
                "--vote-account",
                &b.to_string(),
            ],
        )
        .json();
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(state.preferred_withdraw_validator_vote_address, Some(a));
    assert_eq!(state.preferred_deposit_validator_vote_address, Some(b));
    cluster
        .cli(
            &staker_file,
            &["set-preferred-validator", &pool_text, "deposit", "--unset"],
        )
        .json();
    assert_eq!(
        cluster
            .spl_pool(&pool)
            .await
            .preferred_deposit_validator_vote_address,
        None
    );
    cluster
        .cli(
            &staker_file,
            &[
                "set-preferred-validator",
                &pool_text,
                "deposit",
                "--vote-account",
                &Pubkey::new_unique().to_string(),
            ],
        )
        .fails_with("is not in pool");

    // Next epoch: the increase is active once the stale validators are updated.
    let epoch = cluster.next_epoch().await;
    let updated = cluster
        .cli(&staker_file, &["update", &pool_text, "--stale-only"])
        .json();
    assert_eq!(updated["validators"], 2);
    assert_eq!(cluster.spl_pool(&pool).await.last_update_epoch, epoch);
    let list = cluster.spl_list(&list_address).await;
    let entry = list.find(&a).unwrap();
    assert_eq!(u64::from(entry.transient_stake_lamports), 0);
    assert!(u64::from(entry.active_stake_lamports) >= 10 * SOL);

    // Both of the user's stake accounts in one command: merged into the pool's stake
    // accounts, paid in pool tokens.
    let tokens_before = cluster.token_balance(&user_tokens).await;
    let all = cluster
        .cli(&user_file, &["deposit-all-stake", &pool_text])
        .json();
    let mut deposited: Vec<Pubkey> = all["stakeAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|address| address.as_str().unwrap().parse().unwrap())
        .collect();
    deposited.sort();
    let mut expected = user_stakes.to_vec();
    expected.sort();
    assert_eq!(deposited, expected);
    assert_eq!(
        cluster.token_balance(&user_tokens).await - tokens_before,
        all["poolTokens"].as_u64().unwrap()
    );
    for stake in user_stakes {
        assert!(
            cluster.rpc.get_account(&stake).await.is_err(),
            "{stake} is still there"
        );
    }

    // A stake withdrawal comes from the preferred withdraw validator.
    let out = cluster
        .cli(&user_file, &["withdraw-stake", &pool_text, "2"])
        .json();
    let parts = out["stakeAccounts"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["voteAccount"], a.to_string());

    // A decrease back to the reserve, and A removed (its preference cleared first).
    let decreased = cluster
        .cli(
            &staker_file,
            &["decrease-validator-stake", &pool_text, &b.to_string(), "2"],
        )
        .json();
    let b_transient = key(&decreased, "transientStakeAccount");
    assert!(cluster.lamports(&b_transient).await >= 2 * SOL);
    cluster
        .cli(
            &staker_file,
            &["set-preferred-validator", &pool_text, "withdraw", "--unset"],
        )
        .json();
    cluster
        .cli(
            &staker_file,
            &["remove-validator", &pool_text, &a.to_string()],
        )
        .json();
    cluster
        .cli(
            &staker_file,
            &[
                "remove-validator",
                &pool_text,
                &Pubkey::new_unique().to_string(),
            ],
        )
        .fails_with("is not in pool");
    let list = cluster.spl_list(&list_address).await;
    assert_ne!(
        list.find(&a).unwrap().status,
        spl_stake_pool::state::StakeStatus::Active.into()
    );

    // Next epoch: `--no-merge` brings the pool current but leaves the deactivated transient
    // stake where it is; `--force` then merges it, and the removed validator's entry goes.
    let epoch = cluster.next_epoch().await;
    cluster
        .cli(&staker_file, &["update", &pool_text, "--no-merge"])
        .json();
    assert_eq!(cluster.spl_pool(&pool).await.last_update_epoch, epoch);
    assert!(cluster.rpc.get_account(&b_transient).await.is_ok());
    cluster
        .cli(&staker_file, &["update", &pool_text, "--force"])
        .json();
    assert!(cluster.rpc.get_account(&b_transient).await.is_err());
    let list = cluster.spl_list(&list_address).await;
    assert_eq!(list.validators.len(), 1);
    assert_eq!(list.validators[0].vote_account_address, b);
    // Every lamport is accounted for, as the SPL crate counts them: the reserve above its
    // minimum plus B's stake account (neither earns: B does not vote).
    let b_stake = p_stake_pool_client::find_validator_stake(&cluster.program_id, &b, &pool, 0).0;
    let stake_rent = cluster
        .rpc
        .get_minimum_balance_for_rent_exemption(200)
        .await
        .unwrap();
    let state = cluster.spl_pool(&pool).await;
    assert_eq!(
        state.total_lamports,
        cluster.lamports(&reserve).await - spl_stake_pool::minimum_reserve_lamports(stake_rent)
            + cluster.lamports(&b_stake).await
    );
    assert_eq!(
        u64::from(list.validators[0].active_stake_lamports),
        cluster.lamports(&b_stake).await
    );
}
