//! A DeFi program calling the pool: the example router (`programs/router`, built by the same
//! pipeline) deposits SOL from its program-owned vault, withdraws SOL from its program-owned
//! token account, and deposits a program-controlled stake account, each time checking the
//! pool's returned amount against the interface's quote. Hostile calls through it are refused
//! with the specific error and change nothing. CU of each path is printed and benchmarked.

use p_stake_pool_client::quote;
use p_stake_pool_tests::*;
use solana_sdk::{
    instruction::{AccountMeta, Instruction, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use spl_stake_pool::error::StakePoolError;

const SYSTEM_PROGRAM: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");
const CLOCK: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
const STAKE_HISTORY: Pubkey = Pubkey::from_str_const("SysvarStakeHistory1111111111111111111111111");
/// The router's own errors (`RouterError` in programs/router).
const WRONG_VAULT: u32 = 0x7200;
const WRONG_POOL_PROGRAM: u32 = 0x7203;

/// The router's vault PDA and its pool-token account.
struct Router {
    vault: Pubkey,
    vault_tokens: Pubkey,
}

async fn router(env: &mut Env, pool: &Pool) -> Router {
    let (vault, _) = Pubkey::find_program_address(&[b"vault"], &ROUTER_ID);
    let vault_tokens = env
        .create_token_account(&pool.pool_mint.pubkey(), &vault)
        .await;
    Router {
        vault,
        vault_tokens,
    }
}

fn data(tag: u8, first: u64, second: u64) -> Vec<u8> {
    let mut data = vec![tag];
    data.extend_from_slice(&first.to_le_bytes());
    data.extend_from_slice(&second.to_le_bytes());
    data
}

fn deposit_sol(
    pool: &Pool,
    router: &Router,
    user: &Pubkey,
    user_tokens: &Pubkey,
    lamports: u64,
    minimum: u64,
) -> Instruction {
    Instruction::new_with_bytes(
        ROUTER_ID,
        &data(0, lamports, minimum),
        vec![
            AccountMeta::new(*user, true),
            AccountMeta::new(router.vault, false),
            AccountMeta::new(router.vault_tokens, false),
            AccountMeta::new(*user_tokens, false),
            AccountMeta::new_readonly(pool.program_id, false),
            AccountMeta::new(pool.stake_pool.pubkey(), false),
            AccountMeta::new_readonly(pool.withdraw_authority, false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint.pubkey(), false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(pool.token_program, false),
        ],
    )
}

fn withdraw_sol(
    pool: &Pool,
    router: &Router,
    user: &Pubkey,
    user_tokens: &Pubkey,
    pool_tokens: u64,
    minimum: u64,
) -> Instruction {
    Instruction::new_with_bytes(
        ROUTER_ID,
        &data(1, pool_tokens, minimum),
        vec![
            AccountMeta::new(*user, true),
            AccountMeta::new_readonly(router.vault, false),
            AccountMeta::new(router.vault_tokens, false),
            AccountMeta::new(*user_tokens, false),
            AccountMeta::new_readonly(pool.program_id, false),
            AccountMeta::new(pool.stake_pool.pubkey(), false),
            AccountMeta::new_readonly(pool.withdraw_authority, false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint.pubkey(), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(STAKE_HISTORY, false),
            AccountMeta::new_readonly(solana_stake_interface::program::id(), false),
            AccountMeta::new_readonly(pool.token_program, false),
        ],
    )
}

/// The router's PDA that holds `user`'s stake account for it.
fn stake_authority(user: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[b"stake", user.as_ref()], &ROUTER_ID).0
}

#[allow(clippy::too_many_arguments)]
fn deposit_stake(
    pool: &Pool,
    router: &Router,
    user: &Pubkey,
    authority: &Pubkey,
    user_tokens: &Pubkey,
    stake: &Pubkey,
    vote: &Pubkey,
    minimum: u64,
) -> Instruction {
    let deposit_authority = spl_stake_pool::find_deposit_authority_program_address(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
    )
    .0;
    let mut data = vec![2];
    data.extend_from_slice(&minimum.to_le_bytes());
    Instruction::new_with_bytes(
        ROUTER_ID,
        &data,
        vec![
            AccountMeta::new_readonly(*user, true),
            AccountMeta::new_readonly(router.vault, false),
            AccountMeta::new_readonly(*authority, false),
            AccountMeta::new(router.vault_tokens, false),
            AccountMeta::new(*user_tokens, false),
            AccountMeta::new_readonly(pool.program_id, false),
            AccountMeta::new(pool.stake_pool.pubkey(), false),
            AccountMeta::new(pool.validator_list.pubkey(), false),
            AccountMeta::new_readonly(deposit_authority, false),
            AccountMeta::new_readonly(pool.withdraw_authority, false),
            AccountMeta::new(*stake, false),
            AccountMeta::new(pool.validator_stake(vote), false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint.pubkey(), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(STAKE_HISTORY, false),
            AccountMeta::new_readonly(pool.token_program, false),
            AccountMeta::new_readonly(solana_stake_interface::program::id(), false),
        ],
    )
}

async fn pool_data(env: &mut Env, pool: &Pool) -> Vec<u8> {
    env.account(&pool.stake_pool.pubkey()).await.unwrap().data
}

/// Every account a router call touches, for no-change checks.
fn touched(pool: &Pool, router: &Router, more: &[Pubkey]) -> Vec<Pubkey> {
    let mut addresses = pool.state_addresses();
    addresses.extend([router.vault, router.vault_tokens]);
    addresses.extend_from_slice(more);
    addresses
}

#[tokio::test]
async fn router_deposits_and_withdraws_sol_at_the_quoted_amounts() {
    let mut env = start_with_router().await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let router = router(&mut env, &pool).await;
    let (user, user_tokens) = env.pool_user(&pool, 50 * LAMPORTS_PER_SOL).await;

    // SOL in: the pool's quote, the pool's return data and what arrives all agree.
    let lamports = 7 * LAMPORTS_PER_SOL + 12_345;
    let epoch = env.epoch().await;
    let quoted = quote::deposit_sol(&pool_data(&mut env, &pool).await, lamports, epoch).unwrap();
    let deposit = deposit_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        lamports,
        quoted.user,
    );
    let measured = env.measure(std::slice::from_ref(&deposit), &[&user]).await;
    assert_eq!(
        measured.return_data,
        Some((ROUTER_ID, quoted.user.to_le_bytes().to_vec()))
    );
    println!(
        "router DepositSol: {} CU in all, {} inside the pool and the programs it calls",
        measured.total, measured.inner
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    assert_eq!(env.token_balance(&user_tokens).await, quoted.user);
    // The router earns the referral share; the vault itself keeps no SOL.
    assert_eq!(
        env.token_balance(&router.vault_tokens).await,
        quoted.referral_fee
    );
    assert_eq!(env.lamports(&router.vault).await, 0);
    assert_pool_invariants(&mut env, &pool).await;

    // SOL out, from the router's program-owned token account.
    let pool_tokens = quoted.user / 3;
    let quoted =
        quote::withdraw_sol(&pool_data(&mut env, &pool).await, pool_tokens, epoch).unwrap();
    let before = env.lamports(&user.pubkey()).await;
    let withdraw = withdraw_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        pool_tokens,
        quoted.lamports,
    );
    let measured = env.measure(std::slice::from_ref(&withdraw), &[&user]).await;
    assert_eq!(
        measured.return_data,
        Some((ROUTER_ID, quoted.lamports.to_le_bytes().to_vec()))
    );
    println!(
        "router WithdrawSol: {} CU in all, {} inside the pool and the programs it calls",
        measured.total, measured.inner
    );
    env.send(&[withdraw], &[&user]).await.unwrap();
    // (The transaction fee is the payer's.)
    assert_eq!(env.lamports(&user.pubkey()).await, before + quoted.lamports);
    assert_pool_invariants(&mut env, &pool).await;
}

#[tokio::test]
async fn router_deposits_a_program_controlled_stake_account() {
    let mut env = start_with_router().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let vote = env.create_vote_account(5).await;
    add_validator(&mut env, &pool, &vote).await;
    let router = router(&mut env, &pool).await;
    let (user, user_tokens) = env.pool_user(&pool, LAMPORTS_PER_SOL).await;

    // The user's stake, held by the router's PDA for this user, activates over an epoch.
    let authority = stake_authority(&user.pubkey());
    let stake = Keypair::new();
    let payer = env.payer();
    // Delegated with the payer as authority, then both authorities go to the router's PDA.
    env.create_delegated_stake(&stake, &vote, 20 * LAMPORTS_PER_SOL)
        .await;
    for kind in [
        solana_stake_interface::state::StakeAuthorize::Staker,
        solana_stake_interface::state::StakeAuthorize::Withdrawer,
    ] {
        let authorize = solana_stake_interface::instruction::authorize(
            &stake.pubkey(),
            &payer.pubkey(),
            &authority,
            kind,
            None,
        );
        env.send(&[authorize], &[]).await.unwrap();
    }
    env.credit_votes(&vote, 1_000);
    env.next_epoch().await;
    for transactions in full_update_instructions(&mut env, &pool).await {
        env.send(&transactions, &[]).await.unwrap();
    }

    let account = env.account(&stake.pubkey()).await.unwrap();
    let delegated = u64::from_le_bytes(account.data[156..164].try_into().unwrap());
    let quoted = quote::deposit_stake(
        &pool_data(&mut env, &pool).await,
        account.lamports,
        delegated,
        env.epoch().await,
    )
    .unwrap();
    let ix = deposit_stake(
        &pool,
        &router,
        &user.pubkey(),
        &authority,
        &user_tokens,
        &stake.pubkey(),
        &vote,
        quoted.user,
    );
    let measured = env.measure(std::slice::from_ref(&ix), &[&user]).await;
    assert_eq!(
        measured.return_data,
        Some((ROUTER_ID, quoted.user.to_le_bytes().to_vec()))
    );
    println!(
        "router DepositStake: {} CU in all, {} inside the pool and the programs it calls",
        measured.total, measured.inner
    );
    env.send(&[ix], &[&user]).await.unwrap();
    assert_eq!(env.token_balance(&user_tokens).await, quoted.user);
    assert!(
        env.account(&stake.pubkey()).await.is_none(),
        "merged into the pool"
    );
    assert_pool_invariants(&mut env, &pool).await;

    // Another user cannot move a stake account the router holds for someone else: the
    // authority must be the signer's own PDA, and the stake program refuses any other.
    let (thief, thief_tokens) = env.pool_user(&pool, LAMPORTS_PER_SOL).await;
    let victim_stake = Keypair::new();
    env.create_delegated_stake(&victim_stake, &vote, 5 * LAMPORTS_PER_SOL)
        .await;
    let snapshot = env.snapshot(&[victim_stake.pubkey()]).await;
    let steal = deposit_stake(
        &pool,
        &router,
        &thief.pubkey(),
        &authority,
        &thief_tokens,
        &victim_stake.pubkey(),
        &vote,
        0,
    );
    assert_eq!(
        instruction_error(env.send(&[steal], &[&thief]).await),
        InstructionError::Custom(WRONG_VAULT)
    );
    assert_eq!(env.snapshot(&[victim_stake.pubkey()]).await, snapshot);
}

#[tokio::test]
async fn hostile_calls_through_the_router_are_refused_and_change_nothing() {
    let mut env = start_with_router().await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let other = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let router = router(&mut env, &pool).await;
    let (user, user_tokens) = env.pool_user(&pool, 50 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        LAMPORTS_PER_SOL,
        0,
    );
    env.send(std::slice::from_ref(&deposit), &[&user])
        .await
        .unwrap();
    let snapshot_of = touched(&pool, &router, &[user.pubkey(), user_tokens]);

    // Each case: the account list with one account swapped, and the error it must meet.
    let swap = |index: usize, with: Pubkey| {
        let mut instruction = deposit.clone();
        instruction.accounts[index].pubkey = with;
        instruction
    };
    let cases: Vec<(&str, Instruction, InstructionError)> = vec![
        (
            "spoofed reserve (another pool's)",
            swap(7, other.reserve_stake),
            InstructionError::Custom(StakePoolError::InvalidProgramAddress as u32),
        ),
        (
            // The router's own check sees it first: the vault's token account is not of
            // that mint (the pool would refuse it too, with `WrongPoolMint`).
            "spoofed mint (another pool's)",
            swap(9, other.pool_mint.pubkey()),
            InstructionError::Custom(WRONG_VAULT_TOKEN_ACCOUNT),
        ),
        (
            "spoofed fee account (another pool's)",
            swap(8, other.manager_fee_account),
            InstructionError::Custom(StakePoolError::InvalidFeeAccount as u32),
        ),
        (
            "spoofed withdraw authority (another pool's)",
            swap(6, other.withdraw_authority),
            InstructionError::Custom(StakePoolError::InvalidProgramAddress as u32),
        ),
        (
            // A pool account the pool program does not own: the router refuses to quote it.
            "spoofed pool owned by another program",
            swap(5, user_tokens),
            InstructionError::Custom(WRONG_POOL_PROGRAM),
        ),
        (
            // Reentrancy: a "token program" that is the router itself would be invoked by
            // the pool; the pool only invokes the token program the pool stores.
            "router as the token program (reentrancy)",
            swap(11, ROUTER_ID),
            InstructionError::IncorrectProgramId,
        ),
    ];
    for (name, instruction, expected) in cases {
        let before = env.snapshot(&snapshot_of).await;
        let result = env.send(&[instruction], &[&user]).await;
        assert_eq!(instruction_error(result), expected, "{name}");
        assert_eq!(
            env.snapshot(&snapshot_of).await,
            before,
            "{name} changed an account"
        );
    }

    // A minimum above the quote: the pool's own slippage check stops it (the router passes
    // the user's minimum through).
    let epoch = env.epoch().await;
    let quoted =
        quote::deposit_sol(&pool_data(&mut env, &pool).await, LAMPORTS_PER_SOL, epoch).unwrap();
    let greedy = deposit_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        LAMPORTS_PER_SOL,
        quoted.user + 1,
    );
    let before = env.snapshot(&snapshot_of).await;
    assert_pool_error(
        env.send(&[greedy], &[&user]).await,
        StakePoolError::ExceededSlippage,
    );
    assert_eq!(env.snapshot(&snapshot_of).await, before);

    // Spending someone else's pool tokens: the router moves tokens only with their owner's
    // signature, so a thief naming the victim's token account is refused by the token
    // program and nothing moves.
    let thief = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let steal = withdraw_sol(&pool, &router, &thief.pubkey(), &user_tokens, 1_000, 0);
    let before = env.snapshot(&snapshot_of).await;
    assert!(env.send(&[steal], &[&thief]).await.is_err());
    assert_eq!(env.snapshot(&snapshot_of).await, before);

    // A stale pool (an epoch passed without the update): the quote and the pool agree that
    // nothing can be deposited.
    env.next_epoch().await;
    let data = pool_data(&mut env, &pool).await;
    let epoch = env.epoch().await;
    assert_eq!(
        quote::deposit_sol(&data, LAMPORTS_PER_SOL, epoch),
        Err(p_stake_pool_client::StakePoolError::StakeListAndPoolOutOfDate.into())
    );
    let stale = deposit_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        LAMPORTS_PER_SOL,
        0,
    );
    let before = env.snapshot(&snapshot_of).await;
    assert_pool_error(
        env.send(&[stale], &[&user]).await,
        StakePoolError::StakeListAndPoolOutOfDate,
    );
    assert_eq!(env.snapshot(&snapshot_of).await, before);
}

#[tokio::test]
async fn router_requests_and_claims_an_unstake_ticket_for_its_user() {
    let mut env = start_with_router().await;
    let Staked {
        pool,
        vote,
        user,
        user_tokens,
    } = staked_pool(&mut env, 40 * LAMPORTS_PER_SOL).await;
    let router = router(&mut env, &pool).await;

    // The user's tokens leave through the router as a ticket the user owns.
    let ticket_stake = p_stake_pool_tests::ticket_stake(&mut env).await;
    let (ticket, _) = p_stake_pool_client::find_ticket(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &ticket_stake.pubkey(),
    );
    let pool_tokens = env.token_balance(&user_tokens).await / 2;
    let epoch = env.epoch().await;
    let quoted =
        quote::withdraw_stake(&pool_data(&mut env, &pool).await, pool_tokens, epoch).unwrap();
    let mut data = vec![3];
    data.extend_from_slice(&pool_tokens.to_le_bytes());
    let request = Instruction::new_with_bytes(
        ROUTER_ID,
        &data,
        vec![
            AccountMeta::new(user.pubkey(), true),
            AccountMeta::new_readonly(router.vault, false),
            AccountMeta::new(router.vault_tokens, false),
            AccountMeta::new(user_tokens, false),
            AccountMeta::new_readonly(pool.program_id, false),
            AccountMeta::new(pool.stake_pool.pubkey(), false),
            AccountMeta::new(pool.validator_list.pubkey(), false),
            AccountMeta::new_readonly(pool.withdraw_authority, false),
            AccountMeta::new(pool.validator_stake(&vote), false),
            AccountMeta::new(ticket_stake.pubkey(), true),
            AccountMeta::new(ticket, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint.pubkey(), false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(pool.token_program, false),
            AccountMeta::new_readonly(solana_stake_interface::program::id(), false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        ],
    );
    let measured = env
        .measure(std::slice::from_ref(&request), &[&user, &ticket_stake])
        .await;
    assert_eq!(
        measured.return_data,
        Some((ROUTER_ID, quoted.lamports.to_le_bytes().to_vec()))
    );
    println!("router RequestUnstake: {} CU in all", measured.total);
    env.send(&[request], &[&user, &ticket_stake]).await.unwrap();
    let recorded = env.account(&ticket).await.unwrap().data;
    let recorded = p_stake_pool_client::state::UnstakeTicket::load(&recorded).unwrap();
    assert_eq!(recorded.owner, user.pubkey());
    assert_eq!(recorded.lamports_owed(), quoted.lamports);

    // A cooldown later the router claims it for the user (anyone may).
    env.next_epoch().await;
    let claim = Instruction::new_with_bytes(
        ROUTER_ID,
        &[4],
        vec![
            AccountMeta::new(user.pubkey(), false),
            AccountMeta::new_readonly(pool.program_id, false),
            AccountMeta::new(ticket, false),
            AccountMeta::new(ticket_stake.pubkey(), false),
            AccountMeta::new_readonly(pool.stake_pool.pubkey(), false),
            AccountMeta::new_readonly(pool.withdraw_authority, false),
            AccountMeta::new(pool.reserve_stake, false),
            AccountMeta::new_readonly(CLOCK, false),
            AccountMeta::new_readonly(STAKE_HISTORY, false),
            AccountMeta::new_readonly(solana_stake_interface::program::id(), false),
        ],
    );
    let before = env.lamports(&user.pubkey()).await;
    let rent = env.lamports(&ticket).await + env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    env.send(&[claim], &[]).await.unwrap();
    // The owed lamports, and the rents the user paid.
    assert_eq!(
        env.lamports(&user.pubkey()).await,
        before + quoted.lamports + rent
    );
    assert!(env.account(&ticket).await.is_none());
}

/// Where the fake pool program runs.
const FAKE_POOL_PROGRAM: Pubkey =
    Pubkey::from_str_const("FakePoo1111111111111111111111111111111111111");
/// The router's own error for a vault token account that is not the vault's.
const WRONG_VAULT_TOKEN_ACCOUNT: u32 = 0x7204;

/// Program X of the third review's finding: a thief posing as a pool program. Invoked with the
/// accounts of a `DepositSol`, it moves all but one token of account 4 (the caller's token
/// account) to account 5 (the "manager fee account": the attacker's), and all of account 3's
/// SOL to its own account 0, under the signature of account 3 (`lamports_from`: the caller's
/// vault, carried over from the caller's invocation), and answers with return data 1, as a pool that minted one token would (the caller then
/// forwards that last token itself).
fn fake_pool_program(
    _program_id: &Pubkey,
    accounts: &[solana_account_info::AccountInfo],
    _data: &[u8],
) -> solana_program_error::ProgramResult {
    let [fake_pool, _, _, signer, victim_tokens, loot, _, _, system_program, token_program, ..] =
        accounts
    else {
        return Err(solana_program_error::ProgramError::NotEnoughAccountKeys);
    };
    let amount = {
        let data = victim_tokens.data.borrow();
        <spl_token_interface::state::Account as solana_sdk::program_pack::Pack>::unpack_from_slice(
            &data[..165],
        )?
        .amount
    };
    let transfer = spl_token_interface::instruction::transfer(
        token_program.key,
        victim_tokens.key,
        loot.key,
        signer.key,
        &[],
        amount.saturating_sub(1),
    )?;
    solana_cpi::invoke(
        &transfer,
        &[
            victim_tokens.clone(),
            loot.clone(),
            signer.clone(),
            token_program.clone(),
        ],
    )?;
    // The signer's SOL too, to X's own account.
    let sol = solana_system_interface::instruction::transfer(
        signer.key,
        fake_pool.key,
        signer.lamports(),
    );
    solana_cpi::invoke(
        &sol,
        &[signer.clone(), fake_pool.clone(), system_program.clone()],
    )?;
    // (Off-chain, `solana_cpi::set_return_data` is a no-op; the bank's syscall stubs take it.)
    solana_sysvar::program_stubs::sol_set_return_data(&1u64.to_le_bytes());
    Ok(())
}

/// The third review's medium finding: the router trusted any program that owns the pool
/// account. Program X, given the vault's signature, empties the vault's token account (shown
/// first on the attacker's own signer, so the thief is real); the router, called with X as
/// the pool program and an X-owned copy of the pool account, refuses before invoking anything
/// (`WrongPoolProgram`) and nothing moves. A token program that is not SPL Token or
/// Token-2022, and a vault token account that is not the vault's, are refused the same way.
#[tokio::test]
async fn a_fake_pool_program_never_gets_the_vaults_signature() {
    use solana_program_test::processor;
    let mut env = start_with_router_and(|program_test| {
        program_test.prefer_bpf(false);
        program_test.add_program(
            "fake_pool_program",
            FAKE_POOL_PROGRAM,
            processor!(fake_pool_program),
        );
    })
    .await;
    let pool = create_pool(&mut env, PROGRAM_ID, &PoolConfig::default()).await;
    let router = router(&mut env, &pool).await;
    let (user, user_tokens) = env.pool_user(&pool, 50 * LAMPORTS_PER_SOL).await;
    // Deposits through the router leave the referral share in the vault: the loot.
    let deposit = deposit_sol(
        &pool,
        &router,
        &user.pubkey(),
        &user_tokens,
        10 * LAMPORTS_PER_SOL,
        0,
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    let vault_holds = env.token_balance(&router.vault_tokens).await;
    assert!(vault_holds > 0, "the vault holds referral fees");

    // X is a working thief: whoever signs as account 3 loses account 4's tokens.
    let attacker = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let loot = env
        .create_token_account(&pool.pool_mint.pubkey(), &attacker.pubkey())
        .await;
    let user_holds = env.token_balance(&user_tokens).await;
    let filler = |key: Pubkey| AccountMeta::new_readonly(key, false);
    let direct = Instruction::new_with_bytes(
        FAKE_POOL_PROGRAM,
        &[],
        vec![
            AccountMeta::new(attacker.pubkey(), false),
            filler(SYSTEM_PROGRAM),
            filler(SYSTEM_PROGRAM),
            AccountMeta::new(user.pubkey(), true),
            AccountMeta::new(user_tokens, false),
            AccountMeta::new(loot, false),
            filler(SYSTEM_PROGRAM),
            filler(SYSTEM_PROGRAM),
            filler(SYSTEM_PROGRAM),
            filler(pool.token_program),
        ],
    );
    let attacker_sol = env.lamports(&attacker.pubkey()).await;
    let user_sol = env.lamports(&user.pubkey()).await;
    env.send(&[direct], &[&user]).await.unwrap();
    assert_eq!(
        env.lamports(&attacker.pubkey()).await,
        attacker_sol + user_sol
    );
    assert_eq!(env.token_balance(&loot).await, user_holds - 1);
    assert_eq!(env.token_balance(&user_tokens).await, 1);

    // A pool-shaped account owned by X: the pool's bytes, with one token worth one lamport
    // and no SOL deposit fee, so the router's quote of a 1-lamport deposit is one token.
    let fake_pool = Pubkey::new_unique();
    let mut pool_account = env.account(&pool.stake_pool.pubkey()).await.unwrap();
    let mut shape = spl_pool_state(&mut env, &pool).await;
    shape.total_lamports = 1;
    shape.pool_token_supply = 1;
    shape.sol_deposit_fee = spl_stake_pool::state::Fee::default();
    let bytes = borsh::to_vec(&shape).unwrap();
    pool_account.data[..bytes.len()].copy_from_slice(&bytes);
    pool_account.owner = FAKE_POOL_PROGRAM;
    env.ctx.set_account(&fake_pool, &pool_account.into());

    let attack = |pool_program: Pubkey, stake_pool: Pubkey| {
        let mut instruction = deposit_sol(&pool, &router, &attacker.pubkey(), &loot, 1, 0);
        instruction.accounts[4].pubkey = pool_program;
        instruction.accounts[5].pubkey = stake_pool;
        // X reads the "manager fee account" as where the loot goes.
        instruction.accounts[8].pubkey = loot;
        instruction
    };
    let mut watched = touched(&pool, &router, &[attacker.pubkey(), loot, fake_pool]);
    watched.push(user_tokens);
    let cases = [
        (
            "X as the pool program, its own pool account",
            attack(FAKE_POOL_PROGRAM, fake_pool),
        ),
        (
            "X as the pool program, the real pool account",
            attack(FAKE_POOL_PROGRAM, pool.stake_pool.pubkey()),
        ),
        (
            "the real pool program, X's pool account",
            attack(PROGRAM_ID, fake_pool),
        ),
    ];
    for (name, instruction) in cases {
        let before = env.snapshot(&watched).await;
        let result = env.send(&[instruction], &[&attacker]).await;
        assert_eq!(
            instruction_error(result),
            InstructionError::Custom(WRONG_POOL_PROGRAM),
            "{name}"
        );
        assert_eq!(
            env.snapshot(&watched).await,
            before,
            "{name} changed an account"
        );
    }
    assert_eq!(env.token_balance(&router.vault_tokens).await, vault_holds);

    // The token program and the vault's token account are pinned too.
    let honest = deposit_sol(
        &pool,
        &router,
        &attacker.pubkey(),
        &loot,
        LAMPORTS_PER_SOL,
        0,
    );
    let swap = |index: usize, with: Pubkey| {
        let mut instruction = honest.clone();
        instruction.accounts[index].pubkey = with;
        instruction
    };
    let cases = [
        (
            "X as the token program",
            swap(11, FAKE_POOL_PROGRAM),
            InstructionError::IncorrectProgramId,
        ),
        (
            "the attacker's token account as the vault's",
            swap(2, loot),
            InstructionError::Custom(WRONG_VAULT_TOKEN_ACCOUNT),
        ),
    ];
    for (name, instruction, expected) in cases {
        let before = env.snapshot(&watched).await;
        let result = env.send(&[instruction], &[&attacker]).await;
        assert_eq!(instruction_error(result), expected, "{name}");
        assert_eq!(
            env.snapshot(&watched).await,
            before,
            "{name} changed an account"
        );
    }
}
