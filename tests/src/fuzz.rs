//! The live pool the fuzzers start from, and the instruction templates and mutations they
//! share: `tests/tests/fuzz_instructions.rs` (program-test bank) and the coverage-guided
//! mollusk fuzzer in `fuzz/` (which starts from a snapshot of this pool, written by
//! `examples/fuzz_snapshot.rs`).

use std::collections::HashMap;

use solana_sdk::{
    instruction::{AccountMeta, Instruction},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

use crate::*;

/// A valid instruction of the live pool.
pub struct Template {
    pub name: &'static str,
    pub instruction: Instruction,
}

/// Every account the templates name, besides the bank itself.
pub struct LiveKeys {
    pub pool: Pool,
    /// A second pool of the same program: its accounts are the hostile substitutes.
    pub other: Pool,
    /// Prepared but not initialized: for `Initialize`.
    pub fresh: Pool,
    /// The pool's validator, with active stake.
    pub vote: Pubkey,
    /// A validator not yet in the pool: for `AddValidatorToPool`.
    pub spare_vote: Pubkey,
    pub user: Keypair,
    pub user_tokens: Pubkey,
    /// The stake account of a claimable unstake ticket.
    pub ticket: Keypair,
    /// An active stake delegated to `vote`, its authorities already the pool's deposit
    /// authority: for `DepositStake`.
    pub deposit_stake: Pubkey,
    pub new_manager: Keypair,
    pub new_manager_fee_account: Pubkey,
}

/// One valid instruction per tag the program serves (and two hostile ones), for the pool as
/// `state` and `update` describe it (`transient_seed`: its validator entry's), splitting into
/// `receiver` where a stake account is made.
pub fn templates(
    keys: &LiveKeys,
    state: &spl_stake_pool::state::StakePool,
    transient_seed: u64,
    update: &[Instruction],
    receiver: &Pubkey,
) -> Vec<Template> {
    use spl_stake_pool::instruction as spl;
    let LiveKeys {
        pool,
        other,
        fresh,
        vote,
        spare_vote,
        user,
        user_tokens,
        ticket,
        deposit_stake,
        ..
    } = keys;
    let user = &user.pubkey();
    let stake_pool = pool.stake_pool.pubkey();
    let list = pool.validator_list.pubkey();
    let mint = pool.pool_mint.pubkey();
    let manager = pool.manager.pubkey();
    let staker = pool.staker.pubkey();
    let accounts = pool.accounts();
    let entry = |name, instruction| Template { name, instruction };
    let deposit_stake_ix = |minimum: Option<u64>| {
        let built = match minimum {
            None => spl::deposit_stake(
                &PROGRAM_ID,
                &stake_pool,
                &list,
                &pool.withdraw_authority,
                deposit_stake,
                user,
                &pool.validator_stake(vote),
                &pool.reserve_stake,
                user_tokens,
                &pool.manager_fee_account,
                user_tokens,
                &mint,
                &pool.token_program,
            ),
            Some(minimum) => spl::deposit_stake_with_slippage(
                &PROGRAM_ID,
                &stake_pool,
                &list,
                &pool.withdraw_authority,
                deposit_stake,
                user,
                &pool.validator_stake(vote),
                &pool.reserve_stake,
                user_tokens,
                &pool.manager_fee_account,
                user_tokens,
                &mint,
                &pool.token_program,
                minimum,
            ),
        };
        // The authorities already moved: only the deposit itself.
        built.into_iter().last().unwrap()
    };
    #[allow(deprecated)]
    let legacy_decrease = spl::decrease_validator_stake(
        &PROGRAM_ID,
        &stake_pool,
        &staker,
        &pool.withdraw_authority,
        &list,
        &pool.validator_stake(vote),
        &pool.transient_stake(vote, 9),
        2 * LAMPORTS_PER_SOL,
        9,
    );
    #[allow(deprecated)]
    let redelegate = spl::redelegate(
        &PROGRAM_ID,
        &stake_pool,
        &staker,
        &pool.withdraw_authority,
        &list,
        &pool.reserve_stake,
        &pool.validator_stake(vote),
        &pool.transient_stake(vote, 10),
        &spl_stake_pool::find_ephemeral_stake_program_address(&PROGRAM_ID, &stake_pool, 10).0,
        &pool.transient_stake(spare_vote, 10),
        &pool.validator_stake(spare_vote),
        spare_vote,
        LAMPORTS_PER_SOL,
        10,
        10,
        10,
    );
    let (metadata, _) = Pubkey::find_program_address(
        &[b"metadata", MPL_TOKEN_METADATA_ID.as_ref(), mint.as_ref()],
        &MPL_TOKEN_METADATA_ID,
    );
    vec![
        entry(
            "Initialize",
            initialize_instruction(fresh, &PoolConfig::default(), None),
        ),
        entry(
            "AddValidatorToPool",
            spl::add_validator_to_pool_with_vote(&PROGRAM_ID, state, &stake_pool, spare_vote, None),
        ),
        entry(
            "RemoveValidatorFromPool",
            spl::remove_validator_from_pool_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                None,
                transient_seed,
            ),
        ),
        entry("DecreaseValidatorStake", legacy_decrease),
        entry(
            "IncreaseValidatorStake",
            spl::increase_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                7,
            ),
        ),
        entry(
            "SetPreferredValidator",
            spl::set_preferred_validator(
                &PROGRAM_ID,
                &stake_pool,
                &staker,
                &list,
                spl::PreferredValidatorType::Deposit,
                Some(*vote),
            ),
        ),
        entry("UpdateValidatorListBalance", update[0].clone()),
        entry("UpdateStakePoolBalance", update[1].clone()),
        entry(
            "CleanupRemovedValidatorEntries",
            spl::cleanup_removed_validator_entries(&PROGRAM_ID, &stake_pool, &list),
        ),
        entry("DepositStake", deposit_stake_ix(None)),
        entry(
            "WithdrawStake",
            spl::withdraw_stake(
                &PROGRAM_ID,
                &stake_pool,
                &list,
                &pool.withdraw_authority,
                &pool.validator_stake(vote),
                receiver,
                user,
                user,
                user_tokens,
                &pool.manager_fee_account,
                &mint,
                &pool.token_program,
                3 * LAMPORTS_PER_SOL,
            ),
        ),
        // Authority changes that leave the pool as it is, so a bank that keeps its state
        // between fuzzed instructions keeps serving the others (mutations substitute the new
        // manager and other keys).
        entry(
            "SetManager",
            spl::set_manager(
                &PROGRAM_ID,
                &stake_pool,
                &manager,
                &manager,
                &pool.manager_fee_account,
            ),
        ),
        entry(
            "SetFee",
            spl::set_fee(
                &PROGRAM_ID,
                &stake_pool,
                &manager,
                spl_stake_pool::state::FeeType::SolReferral(10),
            ),
        ),
        entry(
            "SetStaker",
            spl::set_staker(&PROGRAM_ID, &stake_pool, &manager, &staker),
        ),
        entry(
            "DepositSol",
            deposit_sol_instruction(pool, user, user_tokens, user_tokens, LAMPORTS_PER_SOL),
        ),
        entry(
            "SetFundingAuthority",
            spl::set_funding_authority(
                &PROGRAM_ID,
                &stake_pool,
                &manager,
                None,
                spl::FundingType::SolDeposit,
            ),
        ),
        entry(
            "WithdrawSol",
            withdraw_sol_instruction(pool, user, user_tokens, user, LAMPORTS_PER_SOL / 2),
        ),
        entry(
            "CreateTokenMetadata",
            spl::create_token_metadata(
                &PROGRAM_ID,
                &stake_pool,
                &manager,
                &mint,
                user,
                "Pool".into(),
                "POOL".into(),
                "https://example.com/pool.json".into(),
            ),
        ),
        entry(
            "UpdateTokenMetadata",
            spl::update_token_metadata(
                &PROGRAM_ID,
                &stake_pool,
                &manager,
                &mint,
                "Pool 2".into(),
                "POOL2".into(),
                "https://example.com/2.json".into(),
            ),
        ),
        entry(
            "IncreaseAdditionalValidatorStake",
            spl::increase_additional_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                7,
                3,
            ),
        ),
        entry(
            "DecreaseAdditionalValidatorStake",
            spl::decrease_additional_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                8,
                4,
            ),
        ),
        entry(
            "DecreaseValidatorStakeWithReserve",
            spl::decrease_validator_stake_with_vote(
                &PROGRAM_ID,
                state,
                &stake_pool,
                vote,
                2 * LAMPORTS_PER_SOL,
                None,
                8,
            ),
        ),
        entry("Redelegate", redelegate),
        entry(
            "DepositStakeWithSlippage",
            deposit_stake_ix(Some(LAMPORTS_PER_SOL)),
        ),
        entry(
            "WithdrawStakeWithSlippage",
            spl::withdraw_stake_with_slippage(
                &PROGRAM_ID,
                &stake_pool,
                &list,
                &pool.withdraw_authority,
                &pool.validator_stake(vote),
                receiver,
                user,
                user,
                user_tokens,
                &pool.manager_fee_account,
                &mint,
                &pool.token_program,
                3 * LAMPORTS_PER_SOL,
                LAMPORTS_PER_SOL,
            ),
        ),
        entry(
            "DepositSolWithSlippage",
            spl::deposit_sol_with_slippage(
                &PROGRAM_ID,
                &stake_pool,
                &pool.withdraw_authority,
                &pool.reserve_stake,
                user,
                user_tokens,
                &pool.manager_fee_account,
                user_tokens,
                &mint,
                &pool.token_program,
                LAMPORTS_PER_SOL,
                LAMPORTS_PER_SOL / 2,
            ),
        ),
        entry(
            "WithdrawSolWithSlippage",
            spl::withdraw_sol_with_slippage(
                &PROGRAM_ID,
                &stake_pool,
                &pool.withdraw_authority,
                user,
                user_tokens,
                &pool.reserve_stake,
                user,
                &pool.manager_fee_account,
                &mint,
                &pool.token_program,
                LAMPORTS_PER_SOL / 2,
                LAMPORTS_PER_SOL / 4,
            ),
        ),
        entry(
            "RequestUnstake",
            p_stake_pool_client::request_unstake(
                &accounts,
                &pool.validator_stake(vote),
                receiver,
                user,
                user,
                user_tokens,
                user,
                3 * LAMPORTS_PER_SOL,
                0,
            ),
        ),
        entry(
            "ClaimUnstake",
            p_stake_pool_client::claim_unstake(&accounts, &ticket.pubkey(), user, user, None),
        ),
        entry(
            "DepositSol (other pool)",
            deposit_sol_instruction(other, user, user_tokens, user_tokens, LAMPORTS_PER_SOL),
        ),
        entry("metadata account", {
            // Keeps the metadata PDA among the accounts a mutation can reach.
            let mut ix = spl::cleanup_removed_validator_entries(&PROGRAM_ID, &stake_pool, &list);
            ix.accounts.push(AccountMeta::new_readonly(metadata, false));
            ix
        }),
    ]
}

/// A pool in use (`live_pool`): the bank, the keys, the keypairs a fuzzer may sign with, the
/// hostile substitutes and the accounts to watch.
pub struct LivePool {
    pub env: Env,
    pub keys: LiveKeys,
    pub keypairs: HashMap<Pubkey, Keypair>,
    pub hostile: Vec<Pubkey>,
    pub watched: Vec<Pubkey>,
}

/// A validator with active stake, a user with tokens, a claimable unstake ticket, a stake
/// account ready to deposit, a validator ready to add, a prepared pool ready to initialize,
/// and a second pool.
pub async fn live_pool() -> LivePool {
    let mut env = start().await;
    let other = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let fresh = prepare_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 50 * LAMPORTS_PER_SOL).await;
    let spare_vote = env.create_vote_account(5).await;
    let new_manager = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let new_manager_fee_account = env
        .create_token_account(&pool.pool_mint.pubkey(), &new_manager.pubkey())
        .await;

    // A ticket requested now is claimable once its stake has cooled down (next epoch).
    let ticket = Keypair::new();
    env.create_owned_account(
        &ticket,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    let request = p_stake_pool_client::request_unstake(
        &pool.accounts(),
        &pool.validator_stake(&vote),
        &ticket.pubkey(),
        &user.pubkey(),
        &user.pubkey(),
        &user_tokens,
        &user.pubkey(),
        5 * LAMPORTS_PER_SOL,
        0,
    );
    env.send(&[request], &[&user, &ticket]).await.unwrap();
    // A stake to deposit, active by the next epoch, its authorities moved to the pool's.
    let deposit = Keypair::new();
    env.create_delegated_stake(&deposit, &vote, 5 * LAMPORTS_PER_SOL)
        .await;
    let (deposit_authority, _) = spl_stake_pool::find_deposit_authority_program_address(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
    );
    let payer = env.payer();
    let authorize: Vec<Instruction> = [
        solana_stake_interface::state::StakeAuthorize::Staker,
        solana_stake_interface::state::StakeAuthorize::Withdrawer,
    ]
    .into_iter()
    .map(|role| {
        solana_stake_interface::instruction::authorize(
            &deposit.pubkey(),
            &payer.pubkey(),
            &deposit_authority,
            role,
            None,
        )
    })
    .collect();
    env.send(&authorize, &[]).await.unwrap();
    env.next_epoch().await;
    env.next_epoch().await;
    update(&mut env, &pool).await;
    env.send(&update_instructions(&other), &[]).await.unwrap();

    let mut keypairs: HashMap<Pubkey, Keypair> = HashMap::new();
    for keypair in [
        user.insecure_clone(),
        pool.manager.insecure_clone(),
        pool.staker.insecure_clone(),
        fresh.manager.insecure_clone(),
        new_manager.insecure_clone(),
        env.payer(),
    ] {
        keypairs.insert(keypair.pubkey(), keypair);
    }
    let hostile: Vec<Pubkey> = vec![
        Pubkey::new_unique(),
        other.stake_pool.pubkey(),
        other.validator_list.pubkey(),
        other.reserve_stake,
        other.pool_mint.pubkey(),
        other.manager_fee_account,
        other.withdraw_authority,
        pool.stake_pool.pubkey(),
        pool.validator_list.pubkey(),
        pool.reserve_stake,
        pool.pool_mint.pubkey(),
        pool.manager_fee_account,
        pool.withdraw_authority,
        pool.validator_stake(&vote),
        pool.transient_stake(&vote, 1),
        ticket.pubkey(),
        deposit.pubkey(),
        user_tokens,
        user.pubkey(),
        vote,
        spare_vote,
        new_manager.pubkey(),
        new_manager_fee_account,
        PROGRAM_ID,
        SPL_PROGRAM_ID,
        spl_token_interface::id(),
        solana_stake_interface::program::id(),
        Pubkey::default(),
        solana_sdk::sysvar::clock::id(),
        solana_sdk::sysvar::rent::id(),
    ];
    let watched = {
        let mut watched = pool.state_addresses();
        watched.extend(other.state_addresses());
        watched.extend([
            pool.validator_stake(&vote),
            user_tokens,
            user.pubkey(),
            deposit.pubkey(),
        ]);
        watched
    };
    LivePool {
        env,
        keys: LiveKeys {
            pool,
            other,
            fresh,
            vote,
            spare_vote,
            user,
            user_tokens,
            ticket,
            deposit_stake: deposit.pubkey(),
            new_manager,
            new_manager_fee_account,
        },
        keypairs,
        hostile,
        watched,
    }
}

/// A fresh (allocated, rent-exempt) stake account for withdrawals and ticket requests to
/// split into (a ticket's stake account signs its request), and the templates for the pool as
/// it is now, naming it.
pub async fn current_templates(env: &mut Env, keys: &LiveKeys) -> (Keypair, Vec<Template>) {
    let receiver = Keypair::new();
    env.create_owned_account(
        &receiver,
        STAKE_ACCOUNT_LEN,
        &solana_stake_interface::program::id(),
    )
    .await;
    let state = spl_pool_state(env, &keys.pool).await;
    let list = spl_validator_list(env, &keys.pool).await;
    let transient_seed = list
        .validators
        .iter()
        .find(|v| v.vote_account_address == keys.vote)
        .map_or(0, |v| u64::from(v.transient_seed_suffix));
    let update: Vec<Instruction> = full_update_instructions(env, &keys.pool)
        .await
        .into_iter()
        .flatten()
        .collect();
    let templates = templates(keys, &state, transient_seed, &update, &receiver.pubkey());
    (receiver, templates)
}
