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

/// No fee on stake deposits and 10% on SOL deposits, on both pools: lamports credited as
/// stake would dodge the 10%.
async fn no_stake_fee_and_a_tenth_on_sol(env: &mut Env, twin: &Twin) {
    for fee in [
        FeeType::StakeDeposit(Fee::default()),
        FeeType::SolDeposit(Fee {
            denominator: 10,
            numerator: 1,
        }),
    ] {
        twin.set_fee(env, fee).await.unwrap();
    }
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
    no_stake_fee_and_a_tenth_on_sol(&mut env, &twin).await;
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

/// The third review's third finding: a source whose deactivation has begun is inactive to the
/// stake program too — delegated and deactivated in the same epoch, or fully deactivated — and
/// merging it into a validator stake that is still activating delegates every lamport. The
/// reference credits all of it as fee-free stake; here both are refused (`WrongStakeStake`)
/// with nothing changed.
#[tokio::test]
async fn deactivated_stake_into_activating_validator_is_refused() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let bob = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    no_stake_fee_and_a_tenth_on_sol(&mut env, &twin).await;
    let vote = env.create_vote_account(0).await;
    let payer = env.payer().pubkey();
    let deactivate =
        |stake: &Pubkey| solana_stake_interface::instruction::deactivate_stake(stake, &payer);
    // Fully deactivated: delegated one epoch, deactivated the next, cooled down by the third.
    let mut cooled = Vec::new();
    for _ in 0..2 {
        let stake = solana_sdk::signature::Keypair::new();
        env.create_delegated_stake(&stake, &vote, 5 * LAMPORTS_PER_SOL)
            .await;
        cooled.push(stake.pubkey());
    }
    env.next_epoch().await;
    for stake in &cooled {
        env.send(&[deactivate(stake)], &[]).await.unwrap();
    }
    env.next_epoch().await;
    twin.update(&mut env).await;
    // Added now: the validator stake is still activating.
    twin.add_validator(&mut env, &vote).await.unwrap();
    // Delegated and deactivated in this same epoch.
    let mut same_epoch = Vec::new();
    for _ in 0..2 {
        let stake = solana_sdk::signature::Keypair::new();
        env.create_delegated_stake(&stake, &vote, 5 * LAMPORTS_PER_SOL)
            .await;
        env.send(&[deactivate(&stake.pubkey())], &[]).await.unwrap();
        same_epoch.push(stake.pubkey());
    }

    for (case, stakes) in [("fully deactivated", &cooled), ("same epoch", &same_epoch)] {
        for (side, stake) in [Side::Ours, Side::Reference].into_iter().zip(stakes.iter()) {
            let pool = twin.pool(side);
            let tokens = twin.users[bob].account(side);
            let mut watched = pool.state_addresses();
            watched.extend([*stake, tokens, pool.validator_stake(&vote)]);
            let before = env.snapshot(&watched).await;
            let tokens_before = env.token_balance(&tokens).await;
            let all_lamports = env.lamports(stake).await;
            let result = env
                .send(&deposit_stake(pool, &payer, stake, &vote, &tokens), &[])
                .await;
            if side == Side::Ours {
                assert_eq!(
                    instruction_error(result),
                    InstructionError::Custom(StakePoolError::WrongStakeStake as u32),
                    "{case}"
                );
                assert_eq!(env.snapshot(&watched).await, before, "{case}");
            } else {
                // The reference's weakness: every lamport counted as fee-free stake.
                result.unwrap();
                assert_eq!(
                    env.token_balance(&tokens).await - tokens_before,
                    all_lamports,
                    "{case}"
                );
            }
        }
    }
    assert_pool_invariants(&mut env, &twin.ours).await;
}

/// No fee of any kind: the share-price attacks' pools.
fn fee_free() -> PoolConfig {
    PoolConfig {
        epoch_fee: no_fee(),
        withdrawal_fee: no_fee(),
        deposit_fee: no_fee(),
        referral_fee: 0,
        ..PoolConfig::default()
    }
}

/// A holder burning `amount` of their pool tokens straight through the token program (no pool
/// instruction involved).
fn burn_outside_the_pool(
    pool: &Pool,
    owner: &Pubkey,
    tokens: &Pubkey,
    amount: u64,
) -> solana_sdk::instruction::Instruction {
    spl_token_interface::instruction::burn(
        &pool.token_program,
        tokens,
        &pool.pool_mint.pubkey(),
        owner,
        &[],
        amount,
    )
    .unwrap()
}

/// Lamports a pool's accounts hold beyond what its books count (the reserve above its rent
/// plus every entry's stake, minus `total_lamports`): value held back by the update's bound.
async fn held_back(env: &mut Env, pool: &Pool) -> u64 {
    let state = spl_pool_state(env, pool).await;
    let list = spl_validator_list(env, pool).await;
    let staked: u64 = list
        .validators
        .iter()
        .map(|v| u64::from(v.active_stake_lamports) + u64::from(v.transient_stake_lamports))
        .sum();
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    env.lamports(&pool.reserve_stake).await - rent + staked - state.total_lamports
}

/// Share-price inflation of a nearly empty pool: a 1-lamport first deposit, a donation to
/// the reserve and the permissionless update make one pool token worth the donation; the next
/// depositor would lose up to half of what they deposit. The reference lets it happen. Here,
/// past 1,000 lamports a token, an epoch raises a token's value by at most 1%
/// (`math::countable_lamports`): the donation is held back, the token is worth 1,000 lamports,
/// the victim's deposit and small ones lose less than that to rounding (none is refused), and
/// the donation is then counted over the following epochs for every holder — the attacker,
/// holding one token in millions, gets a few lamports of it. Pools created the way the reference CLI creates them (reserve at
/// exactly its rent-exempt minimum) are what every other suite uses.
#[tokio::test]
async fn share_price_inflation_of_an_empty_pool_fails() {
    let mut env = start().await;
    let config = fee_free();
    let (ours, reference) = create_pool_pair(&mut env, &config).await;
    let donation = 10 * LAMPORTS_PER_SOL;
    let mut attacker_tokens = Vec::new();
    for pool in [&ours, &reference] {
        let (attacker, tokens) = env.pool_user(pool, 20 * LAMPORTS_PER_SOL).await;
        let first = deposit_sol_instruction(pool, &attacker.pubkey(), &tokens, &tokens, 1);
        env.send(&[first], &[&attacker]).await.unwrap();
        assert_eq!(env.token_balance(&tokens).await, 1);
        env.transfer(&pool.reserve_stake, donation).await;
        attacker_tokens.push(tokens);
    }
    env.next_epoch().await;
    for pool in [&ours, &reference] {
        env.send(&update_instructions(pool), &[]).await.unwrap();
    }
    // Reference: one token is worth the whole donation.
    let state = spl_pool_state(&mut env, &reference).await;
    assert_eq!(
        (state.total_lamports, state.pool_token_supply),
        (donation + 1, 1)
    );
    // Here: the token is worth 1,000 lamports; the rest of the donation is held back.
    let bound = p_stake_pool_interface::math::UNBOUNDED_LAMPORTS_PER_POOL_TOKEN;
    let state = spl_pool_state(&mut env, &ours).await;
    assert_eq!((state.total_lamports, state.pool_token_supply), (bound, 1));
    assert_eq!(held_back(&mut env, &ours).await, donation + 1 - bound);

    // Nor can the attacker pump the rate between updates with deposits that lose to rounding
    // what they pay themselves (2r - 1 lamports for one token leaves r - 1 in the pool): the
    // deposit would raise a token's value past the bound, and is refused, changing nothing.
    let (pump_user, pump_tokens) = (
        env.funded_keypair(LAMPORTS_PER_SOL).await,
        attacker_tokens[0],
    );
    let pump = deposit_sol_instruction(
        &ours,
        &pump_user.pubkey(),
        &pump_tokens,
        &pump_tokens,
        2 * bound - 1,
    );
    let mut watched = ours.state_addresses();
    watched.push(pump_tokens);
    let before = env.snapshot(&watched).await;
    assert_pool_error(
        env.send(&[pump], &[&pump_user]).await,
        StakePoolError::DepositTooSmall,
    );
    assert_eq!(env.snapshot(&watched).await, before);

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

    // Here: deposits of any size go through at the quote, losing less than a token's worth.
    let (victim, victim_tokens) = env.pool_user(&ours, 40 * LAMPORTS_PER_SOL).await;
    let mut deposited = 0;
    for lamports in [victim_deposit, LAMPORTS_PER_SOL / 1_000, 123_457] {
        let data = env.account(&ours.stake_pool.pubkey()).await.unwrap().data;
        let epoch = env.epoch().await;
        let quoted = p_stake_pool_client::quote::deposit_sol(&data, lamports, epoch).unwrap();
        let before = env.token_balance(&victim_tokens).await;
        let deposit = deposit_sol_instruction(
            &ours,
            &victim.pubkey(),
            &victim_tokens,
            &victim_tokens,
            lamports,
        );
        env.send(&[deposit], &[&victim]).await.unwrap();
        let minted = env.token_balance(&victim_tokens).await - before;
        assert_eq!(minted, quoted.user);
        let state = spl_pool_state(&mut env, &ours).await;
        assert!(lamports - state.calc_lamports_withdraw_amount(minted).unwrap() < bound);
        deposited += lamports;
    }

    // The held-back donation is counted over the following epochs, at most 1% a token an
    // epoch, for every holder: the victim's tokens gain, the attacker's one token a few
    // lamports at most.
    let state = spl_pool_state(&mut env, &ours).await;
    let mut rate = (state.total_lamports, state.pool_token_supply);
    for _ in 0..3 {
        env.next_epoch().await;
        env.send(&update_instructions(&ours), &[]).await.unwrap();
        let state = spl_pool_state(&mut env, &ours).await;
        let now = (state.total_lamports, state.pool_token_supply);
        // Higher than before, by no more than 1%.
        assert!(now.0 as u128 * rate.1 as u128 > rate.0 as u128 * now.1 as u128);
        assert!(now.0 as u128 * rate.1 as u128 * 100 <= rate.0 as u128 * now.1 as u128 * 101);
        rate = now;
    }
    let state = spl_pool_state(&mut env, &ours).await;
    let victim_worth = state
        .calc_lamports_withdraw_amount(env.token_balance(&victim_tokens).await)
        .unwrap();
    assert!(victim_worth > deposited + deposited / 100 * 3 - LAMPORTS_PER_SOL / 100);
    let attacker_worth = state
        .calc_lamports_withdraw_amount(env.token_balance(&attacker_tokens[0]).await)
        .unwrap();
    assert!(
        attacker_worth <= bound * 104 / 100,
        "the attacker's token is worth {attacker_worth}"
    );
    let still_held = held_back(&mut env, &ours).await;
    assert!(still_held < donation && still_held > 0);
}

/// The same inflation by burning instead of donating: a holder of a nearly empty pool burns
/// all but one of their tokens directly through the token program (no pool instruction
/// involved), and the update re-reads the mint's supply. Here the update counts no more than
/// 1,000 lamports for the last token (and past that, 1% more a token an epoch), so the next
/// deposit is priced within a token's worth; the burnt tokens' value is held back for later
/// epochs' holders.
#[tokio::test]
async fn share_price_inflation_by_burning_tokens_fails() {
    let mut env = start().await;
    let config = fee_free();
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let (attacker, tokens) = env.pool_user(&pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &attacker.pubkey(),
        &tokens,
        &tokens,
        10 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&attacker]).await.unwrap();
    let burn = burn_outside_the_pool(
        &pool,
        &attacker.pubkey(),
        &tokens,
        10 * LAMPORTS_PER_SOL - 1,
    );
    env.send(&[burn], &[&attacker]).await.unwrap();
    env.send(&update_instructions(&pool), &[]).await.unwrap();
    let bound = p_stake_pool_interface::math::UNBOUNDED_LAMPORTS_PER_POOL_TOKEN;
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!((state.total_lamports, state.pool_token_supply), (bound, 1));
    assert_eq!(
        held_back(&mut env, &pool).await,
        10 * LAMPORTS_PER_SOL - bound
    );
    let (victim, victim_tokens) = env.pool_user(&pool, 2 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &victim.pubkey(),
        &victim_tokens,
        &victim_tokens,
        LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&victim]).await.unwrap();
    let minted = env.token_balance(&victim_tokens).await;
    let state = spl_pool_state(&mut env, &pool).await;
    assert!(LAMPORTS_PER_SOL - state.calc_lamports_withdraw_amount(minted).unwrap() < bound);
}

/// Burning every token (and donating): with no token left to hold the pool's value, the update
/// counts nothing and charges no fee (the reference counts it all, and its fee, priced on the
/// stale supply, can mint a single token worth the pool), so the next deposit mints 1:1
/// instead of one token worth everything the pool holds; the value is held back for the
/// holders that come.
#[tokio::test]
async fn burning_every_token_cannot_inflate_the_next_deposit() {
    let mut env = start().await;
    // A 5% epoch fee: priced on the stale supply, it would otherwise mint the manager a token
    // worth the whole pool (found by the review of the first version of this rule).
    let config = PoolConfig {
        epoch_fee: Fee {
            denominator: 100,
            numerator: 5,
        },
        ..fee_free()
    };
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    let (attacker, tokens) = env.pool_user(&pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &attacker.pubkey(),
        &tokens,
        &tokens,
        LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&attacker]).await.unwrap();
    let burn = burn_outside_the_pool(&pool, &attacker.pubkey(), &tokens, LAMPORTS_PER_SOL);
    env.send(&[burn], &[&attacker]).await.unwrap();
    env.transfer(&pool.reserve_stake, LAMPORTS_PER_SOL).await;
    env.send(&update_instructions(&pool), &[]).await.unwrap();
    let state = spl_pool_state(&mut env, &pool).await;
    assert_eq!((state.total_lamports, state.pool_token_supply), (0, 0));
    assert_eq!(held_back(&mut env, &pool).await, 2 * LAMPORTS_PER_SOL);
    assert_eq!(env.token_balance(&pool.manager_fee_account).await, 0);
    // One lamport buys one token, not the pool.
    let first = deposit_sol_instruction(&pool, &attacker.pubkey(), &tokens, &tokens, 1);
    env.send(&[first], &[&attacker]).await.unwrap();
    let (victim, victim_tokens) = env.pool_user(&pool, 10 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &victim.pubkey(),
        &victim_tokens,
        &victim_tokens,
        5 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&victim]).await.unwrap();
    assert_eq!(
        env.token_balance(&victim_tokens).await,
        5 * LAMPORTS_PER_SOL
    );
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
