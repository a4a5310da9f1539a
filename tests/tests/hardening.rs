//! Where the reference is weak and this program deliberately differs (README, "Deliberate
//! differences"), side by side with the SPL stake pool 2.2.0 processor in one bank: the same
//! attack on both pools, refused here with a clear error and nothing changed; and one error
//! code brought in line with the reference.

use p_stake_pool_tests::{
    twin::{Side, Twin},
    *,
};
use solana_sdk::{instruction::InstructionError, pubkey::Pubkey, signature::Signer};
use spl_stake_pool::{
    error::StakePoolError,
    state::{Fee, FeeType},
};

fn no_fee() -> Fee {
    Fee {
        denominator: 1,
        numerator: 0,
    }
}

/// The reference client's `DepositStake` (two `Authorize` by the payer, then the deposit).
fn deposit_stake(
    pool: &Pool,
    payer: &Pubkey,
    stake: &Pubkey,
    vote: &Pubkey,
    tokens: &Pubkey,
) -> Vec<solana_sdk::instruction::Instruction> {
    spl_stake_pool::instruction::deposit_stake(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.validator_list.pubkey(),
        &pool.withdraw_authority,
        stake,
        payer,
        &pool.validator_stake(vote),
        &pool.reserve_stake,
        tokens,
        &pool.manager_fee_account,
        tokens,
        &pool.pool_mint.pubkey(),
        &pool.token_program,
    )
}

/// A merely initialized (never delegated) stake account merged into a validator stake that is
/// still activating: the stake program accepts the merge and the reference credits every
/// lamport as stake — no SOL deposit fee, no SOL deposit authority. Here the source is
/// refused before anything moves.
#[tokio::test]
async fn undelegated_stake_into_activating_validator_is_refused() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let bob = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    // No fee on stake, 10% on SOL: lamports credited as stake dodge the 10%.
    for fee in [
        FeeType::StakeDeposit(Fee::default()),
        FeeType::SolDeposit(Fee {
            denominator: 10,
            numerator: 1,
        }),
    ] {
        twin.set_fee(&mut env, fee).await.unwrap();
    }
    let vote = env.create_vote_account(0).await;
    // Added this epoch: the validator stake is still activating.
    twin.add_validator(&mut env, &vote).await.unwrap();
    let payer = env.payer().pubkey();

    for side in [Side::Ours, Side::Reference] {
        let pool = twin.pool(side);
        let stake = env
            .create_stake_account(&payer, &payer, 5 * LAMPORTS_PER_SOL, Default::default())
            .await;
        let tokens = twin.users[bob].account(side);
        let mut watched = pool.state_addresses();
        watched.extend([stake, tokens, pool.validator_stake(&vote)]);
        let before = env.snapshot(&watched).await;
        let all_lamports = env.lamports(&stake).await;
        let result = env
            .send(&deposit_stake(pool, &payer, &stake, &vote, &tokens), &[])
            .await;
        if side == Side::Ours {
            // Refused with the stake-state error; nothing moved.
            assert_eq!(
                instruction_error(result),
                InstructionError::Custom(StakePoolError::WrongStakeStake as u32)
            );
            assert_eq!(env.snapshot(&watched).await, before);
        } else {
            // The reference's weakness: every lamport counted as fee-free stake.
            result.unwrap();
            assert_eq!(env.token_balance(&tokens).await, all_lamports);
        }
    }
    assert_pool_invariants(&mut env, &twin.ours).await;
}

/// Share-price inflation of a nearly empty pool: a 1-lamport first deposit, a donation to
/// the reserve and the permissionless update make one pool token worth the donation; the next
/// depositor would lose up to half of what they deposit. The reference lets it happen; here
/// the victim's deposit is refused (`DepositTooSmall`, the rounding loss exceeds 0.01%) and a
/// deposit that loses nothing still goes through. Pools created the way the reference CLI
/// creates them (reserve at exactly its rent-exempt minimum) are what every other suite uses.
#[tokio::test]
async fn share_price_inflation_of_an_empty_pool_fails() {
    let mut env = start().await;
    let config = PoolConfig {
        epoch_fee: no_fee(),
        withdrawal_fee: no_fee(),
        deposit_fee: no_fee(),
        referral_fee: 0,
        ..PoolConfig::default()
    };
    let (ours, reference) = create_pool_pair(&mut env, &config).await;
    let donation = 10 * LAMPORTS_PER_SOL;
    let mut attackers = Vec::new();
    for pool in [&ours, &reference] {
        let (attacker, tokens) = env.pool_user(pool, 20 * LAMPORTS_PER_SOL).await;
        let first = deposit_sol_instruction(pool, &attacker.pubkey(), &tokens, &tokens, 1);
        env.send(&[first], &[&attacker]).await.unwrap();
        assert_eq!(env.token_balance(&tokens).await, 1);
        env.transfer(&pool.reserve_stake, donation).await;
        attackers.push((attacker, tokens));
    }
    env.next_epoch().await;
    for pool in [&ours, &reference] {
        env.send(&update_instructions(pool), &[]).await.unwrap();
        let state = spl_pool_state(&mut env, pool).await;
        assert_eq!(
            (state.total_lamports, state.pool_token_supply),
            (donation + 1, 1)
        );
    }

    let victim_deposit = 15 * LAMPORTS_PER_SOL;
    // Reference: the victim gets one token, worth half of the pool.
    let (victim, victim_tokens) = env.pool_user(&reference, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &reference,
        &victim.pubkey(),
        &victim_tokens,
        &victim_tokens,
        victim_deposit,
    );
    env.send(&[deposit], &[&victim]).await.unwrap();
    assert_eq!(env.token_balance(&victim_tokens).await, 1);
    let state = spl_pool_state(&mut env, &reference).await;
    let worth = state.calc_lamports_withdraw_amount(1).unwrap();
    assert!(
        victim_deposit - worth > 2 * LAMPORTS_PER_SOL,
        "the reference's victim loses"
    );

    // Here: refused, nothing changed.
    let (victim, victim_tokens) = env.pool_user(&ours, 40 * LAMPORTS_PER_SOL).await;
    let mut watched = ours.state_addresses();
    watched.extend([victim.pubkey(), victim_tokens]);
    let before = env.snapshot(&watched).await;
    let deposit = deposit_sol_instruction(
        &ours,
        &victim.pubkey(),
        &victim_tokens,
        &victim_tokens,
        victim_deposit,
    );
    assert_pool_error(
        env.send(&[deposit], &[&victim]).await,
        StakePoolError::DepositTooSmall,
    );
    assert_eq!(env.snapshot(&watched).await, before);
    // The quote says the same before anything is sent.
    let data = env.account(&ours.stake_pool.pubkey()).await.unwrap().data;
    let epoch = env.epoch().await;
    assert_eq!(
        p_stake_pool_client::quote::deposit_sol(&data, victim_deposit, epoch),
        Err(p_stake_pool_client::StakePoolError::DepositTooSmall.into())
    );
    // A deposit the rate divides exactly loses nothing and is accepted.
    let exact = 2 * (donation + 1);
    let deposit = deposit_sol_instruction(
        &ours,
        &victim.pubkey(),
        &victim_tokens,
        &victim_tokens,
        exact,
    );
    env.send(&[deposit], &[&victim]).await.unwrap();
    assert_eq!(env.token_balance(&victim_tokens).await, 2);
    assert_pool_invariants(&mut env, &ours).await;
}

/// `RemoveValidatorFromPool` naming a stake account that is not delegated fails with the
/// reference's error, `WrongStakeStake`, and changes nothing.
#[tokio::test]
async fn remove_validator_with_undelegated_stake_fails_like_reference() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let twin = Twin::create(&mut env, &config).await;
    let vote = env.create_vote_account(0).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    let payer = env.payer().pubkey();
    let undelegated = env
        .create_stake_account(&payer, &payer, LAMPORTS_PER_SOL, Default::default())
        .await;
    let mut watched = twin.ours.state_addresses();
    watched.extend(twin.reference.state_addresses());
    watched.push(undelegated);
    let before = env.snapshot(&watched).await;
    let result = twin
        .run_signed(&mut env, |pool, _| {
            let remove = spl_stake_pool::instruction::remove_validator_from_pool(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.staker.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_list.pubkey(),
                &undelegated,
                &pool.transient_stake(&vote, 0),
            );
            (vec![remove], vec![pool.staker.insecure_clone()])
        })
        .await;
    assert_pool_error(result, StakePoolError::WrongStakeStake);
    assert_eq!(env.snapshot(&watched).await, before);
}
