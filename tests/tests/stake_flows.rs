//! Stake accounts in and out, side by side with the SPL stake pool 2.2.0 processor in one bank,
//! on both token programs: deposits of active stake with and without extra lamports, fees and
//! referrals, the preferred deposit validator, withdrawals from every source in priority order
//! (preferred validator, active stake, transient stake, the reserve, a whole validator stake
//! account), and slippage limits. After every step both pools
//! agree on state, token amounts, lamports and validator-list bytes, or fail the same way.

use p_stake_pool_tests::{
    twin::{Side, Twin},
    *,
};
use solana_sdk::{pubkey::Pubkey, signature::Signer};
use spl_stake_pool::{
    error::StakePoolError,
    instruction::PreferredValidatorType,
    state::{Fee, FeeType},
};

async fn epoch(env: &mut Env, twin: &Twin, votes: &[Pubkey]) {
    for vote in votes {
        env.credit_votes(vote, 1_000);
    }
    env.next_epoch().await;
    twin.full_update(env).await;
    twin.assert_same(env).await;
    assert_pool_invariants(env, &twin.ours).await;
}

/// The transient account the pool's list records for `vote`.
async fn transient_stakes(env: &mut Env, twin: &Twin, vote: &Pubkey) -> [Pubkey; 2] {
    let mut out = [Pubkey::default(); 2];
    for side in [Side::Ours, Side::Reference] {
        let pool = twin.pool(side);
        let list = spl_validator_list(env, pool).await;
        let seed = p_stake_pool_tests::twin::transient_seed(&list, vote);
        out[side as usize] = spl_stake_pool::find_transient_stake_program_address(
            &pool.program_id,
            vote,
            &pool.stake_pool.pubkey(),
            seed,
        )
        .0;
    }
    out
}

async fn stake_in_and_out(token_program: Pubkey) {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        token_program,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let alice = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    let bob = twin.add_user(&mut env, 1_000 * LAMPORTS_PER_SOL).await;
    let referrer = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    twin.deposit_sol(&mut env, alice, alice, 200 * LAMPORTS_PER_SOL)
        .await;
    for fee in [
        FeeType::StakeDeposit(Fee {
            denominator: 1000,
            numerator: 4,
        }),
        FeeType::SolDeposit(Fee {
            denominator: 1000,
            numerator: 7,
        }),
        FeeType::StakeReferral(30),
        FeeType::StakeWithdrawal(Fee {
            denominator: 10_000,
            numerator: 15,
        }),
    ] {
        twin.set_fee(&mut env, fee).await.unwrap();
    }
    let a = env.create_vote_account(5).await;
    let b = env.create_vote_account(0).await;
    let votes = [a, b];
    for vote in &votes {
        twin.add_validator(&mut env, vote).await.unwrap();
    }
    twin.increase(&mut env, &a, 80 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    twin.increase(&mut env, &b, 60 * LAMPORTS_PER_SOL, 0)
        .await
        .unwrap();
    // Bob's own stake, delegated to the pool's validators, activates alongside.
    let bob_stake_a = twin
        .create_user_stakes(&mut env, &a, 20 * LAMPORTS_PER_SOL)
        .await;
    let bob_stake_b = twin
        .create_user_stakes(&mut env, &b, 5 * LAMPORTS_PER_SOL)
        .await;
    for _ in 0..3 {
        epoch(&mut env, &twin, &votes).await;
    }

    // Deposit active stake with a referral; extra lamports riding along pay the SOL fee.
    for stake in &bob_stake_a {
        env.transfer(stake, 3 * LAMPORTS_PER_SOL + 17).await;
    }
    twin.deposit_stake(&mut env, &bob_stake_a, bob, referrer, None, &[])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    assert!(env.token_balance(&twin.users[referrer].ours).await > 0);

    // With a preferred deposit validator, stake delegated elsewhere is refused.
    twin.set_preferred(&mut env, PreferredValidatorType::Deposit, Some(a))
        .await
        .unwrap();
    let refused = twin
        .deposit_stake(&mut env, &bob_stake_b, bob, referrer, None, &[])
        .await;
    assert_pool_error(
        refused.map(|_| ()),
        StakePoolError::IncorrectDepositVoteAddress,
    );
    twin.set_preferred(&mut env, PreferredValidatorType::Deposit, None)
        .await
        .unwrap();
    // Slippage: asking for more pool tokens than the deposit is worth.
    let refused = twin
        .deposit_stake(&mut env, &bob_stake_b, bob, referrer, Some(u64::MAX), &[])
        .await;
    assert_pool_error(refused.map(|_| ()), StakePoolError::ExceededSlippage);
    twin.deposit_stake(&mut env, &bob_stake_b, bob, referrer, Some(1), &[])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    epoch(&mut env, &twin, &votes).await;

    // Withdrawals. The preferred withdraw validator goes first while it has stake.
    twin.set_preferred(&mut env, PreferredValidatorType::Withdraw, Some(b))
        .await
        .unwrap();
    let tokens = 5 * LAMPORTS_PER_SOL;
    let refused = twin
        .withdraw_stake(&mut env, alice, |p| p.validator_stake(&a), tokens, None)
        .await;
    assert_pool_error(
        refused.map(|_| ()),
        StakePoolError::IncorrectWithdrawVoteAddress,
    );
    twin.withdraw_stake(&mut env, alice, |p| p.validator_stake(&b), tokens, None)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    twin.set_preferred(&mut env, PreferredValidatorType::Withdraw, None)
        .await
        .unwrap();
    // The reserve is off limits while validators hold stake above the tolerance.
    let refused = twin
        .withdraw_stake(&mut env, alice, |p| p.reserve_stake, tokens, None)
        .await;
    assert_pool_error(
        refused.map(|_| ()),
        StakePoolError::StakeLamportsNotEqualToMinimum,
    );
    // Slippage on the way out.
    let refused = twin
        .withdraw_stake(
            &mut env,
            alice,
            |p| p.validator_stake(&a),
            tokens,
            Some(tokens * 2),
        )
        .await;
    assert_pool_error(refused.map(|_| ()), StakePoolError::ExceededSlippage);
    twin.withdraw_stake(
        &mut env,
        bob,
        |p| p.validator_stake(&a),
        tokens,
        Some(tokens / 2),
    )
    .await
    .unwrap();
    twin.assert_same(&mut env).await;

    // Stake moves toward the reserve: validator stakes drop to the minimum, their transients
    // deactivate. With no active stake above the tolerance, transients are next.
    let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
    let minimum = env.stake_minimum_delegation().await.max(1_000_000);
    for (i, vote) in votes.iter().enumerate() {
        let list = spl_validator_list(&mut env, &twin.ours).await;
        let active = u64::from(list.validators[i].active_stake_lamports);
        twin.decrease(&mut env, vote, active - rent - minimum, 10)
            .await
            .unwrap();
    }
    twin.assert_same(&mut env).await;
    let refused = twin
        .withdraw_stake(&mut env, alice, |p| p.validator_stake(&a), tokens, None)
        .await;
    assert_pool_error(
        refused.map(|_| ()),
        StakePoolError::InvalidStakeAccountAddress,
    );
    let transient = transient_stakes(&mut env, &twin, &a).await;
    twin.withdraw_stake(
        &mut env,
        alice,
        |p| transient[(p.program_id != PROGRAM_ID) as usize],
        tokens,
        None,
    )
    .await
    .unwrap();
    twin.assert_same(&mut env).await;

    // Next epoch the transients are back in the reserve: now the reserve pays out.
    epoch(&mut env, &twin, &votes).await;
    twin.withdraw_stake(&mut env, alice, |p| p.reserve_stake, tokens, None)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;

    // A whole validator stake account at the minimum: taken at its exact value, the entry
    // is then ready for removal and cleaned up by the next update.
    let whole = env.lamports(&twin.ours.validator_stake(&a)).await;
    assert_eq!(
        whole,
        env.lamports(&twin.reference.validator_stake(&a)).await
    );
    let exact = pool_tokens_worth(&spl_pool_state(&mut env, &twin.ours).await, whole);
    let too_much = twin
        .withdraw_stake(&mut env, alice, |p| p.validator_stake(&a), exact * 2, None)
        .await;
    assert_pool_error(
        too_much.map(|_| ()),
        StakePoolError::StakeLamportsNotEqualToMinimum,
    );
    twin.withdraw_stake(&mut env, alice, |p| p.validator_stake(&a), exact, None)
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    twin.full_update(&mut env).await;
    twin.assert_same(&mut env).await;
    let list = spl_validator_list(&mut env, &twin.ours).await;
    assert_eq!(list.validators.len(), 1, "emptied validator cleaned up");
    epoch(&mut env, &twin, &[b]).await;
}

#[tokio::test]
async fn stake_in_and_out_matches_reference_on_token() {
    stake_in_and_out(spl_token_interface::id()).await;
}

#[tokio::test]
async fn stake_in_and_out_matches_reference_on_token_2022() {
    stake_in_and_out(spl_token_2022_interface::id()).await;
}

/// A pool with its own stake deposit authority: deposits without that authority's signature
/// fail in the stake program on both sides, with it they go through.
#[tokio::test]
async fn custom_stake_deposit_authority_must_sign() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 10 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let bob = twin.add_user(&mut env, 100 * LAMPORTS_PER_SOL).await;
    let vote = env.create_vote_account(5).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    let gatekeeper = solana_sdk::signature::Keypair::new();
    twin.run_signed(&mut env, |pool, _| {
        (
            vec![spl_stake_pool::instruction::set_funding_authority(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.manager.pubkey(),
                Some(&gatekeeper.pubkey()),
                spl_stake_pool::instruction::FundingType::StakeDeposit,
            )],
            vec![pool.manager.insecure_clone()],
        )
    })
    .await
    .unwrap();
    let stakes = twin
        .create_user_stakes(&mut env, &vote, 5 * LAMPORTS_PER_SOL)
        .await;
    for _ in 0..2 {
        env.next_epoch().await;
        twin.full_update(&mut env).await;
    }
    // Without the authority's signature: we refuse up front with SignatureMissing (deliberately
    // clearer than the reference, which only fails inside the stake program's Authorize:
    // PrivilegeEscalation on-chain, a failed CPI in this harness). Nothing changes either way.
    let payer = env.payer().pubkey();
    let unsigned = |pool: &Pool, side: Side| {
        let mut ixs = spl_stake_pool::instruction::deposit_stake_with_authority(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.validator_list.pubkey(),
            &gatekeeper.pubkey(),
            &pool.withdraw_authority,
            &stakes[side as usize],
            &payer,
            &spl_stake_pool::find_stake_program_address(
                &pool.program_id,
                &vote,
                &pool.stake_pool.pubkey(),
                None,
            )
            .0,
            &pool.reserve_stake,
            &twin.users[bob].account(side),
            &pool.manager_fee_account,
            &twin.users[bob].account(side),
            &pool.pool_mint.pubkey(),
            &pool.token_program,
        );
        for ix in &mut ixs {
            for meta in &mut ix.accounts {
                if meta.pubkey == gatekeeper.pubkey() {
                    meta.is_signer = false;
                }
            }
        }
        ixs
    };
    let mut watched = twin.ours.state_addresses();
    watched.extend(twin.reference.state_addresses());
    watched.extend(stakes);
    let before = env.snapshot(&watched).await;
    let ours = env.send(&unsigned(&twin.ours, Side::Ours), &[]).await;
    assert_pool_error(ours, StakePoolError::SignatureMissing);
    let reference = env
        .send(&unsigned(&twin.reference, Side::Reference), &[])
        .await;
    assert!(reference.is_err());
    assert_eq!(env.snapshot(&watched).await, before);
    twin.deposit_stake(&mut env, &stakes, bob, bob, None, &[&gatekeeper])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    assert!(env.token_balance(&twin.users[bob].ours).await > 0);
}

/// The manager withdrawing stake from its own fee account pays no withdrawal fee to itself:
/// every token burns.
#[tokio::test]
async fn manager_withdraws_from_fee_account_without_fee() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 50 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let twin = Twin::create(&mut env, &config).await;
    let receivers = [
        solana_sdk::signature::Keypair::new(),
        solana_sdk::signature::Keypair::new(),
    ];
    for receiver in &receivers {
        env.create_owned_account(
            receiver,
            STAKE_ACCOUNT_LEN,
            &solana_stake_interface::program::id(),
        )
        .await;
    }
    let tokens = 5 * LAMPORTS_PER_SOL;
    let supply_before = env.mint_supply(&twin.ours.pool_mint.pubkey()).await;
    twin.run_signed(&mut env, |pool, side| {
        (
            vec![spl_stake_pool::instruction::withdraw_stake(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.validator_list.pubkey(),
                &pool.withdraw_authority,
                &pool.reserve_stake,
                &receivers[side as usize].pubkey(),
                &pool.manager.pubkey(),
                &pool.manager.pubkey(),
                &pool.manager_fee_account,
                &pool.manager_fee_account,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
                tokens,
            )],
            vec![pool.manager.insecure_clone()],
        )
    })
    .await
    .unwrap();
    twin.assert_same(&mut env).await;
    assert_eq!(
        env.mint_supply(&twin.ours.pool_mint.pubkey()).await,
        supply_before - tokens,
        "every token burned: no fee"
    );
}

/// Found by the differential campaign (2026-12-02): a stake account delegated in the same
/// epoch as its validator was added to the pool. Both stakes are still activating, so the
/// stake program's merge delegates every lamport of the source, rent included; the reference
/// credits all of it as stake. Ours used to credit only the source's delegation as stake and
/// then failed moving the rest to the reserve (the lamports were delegated: InsufficientFunds
/// from the stake program). Now both accept it the same way: every lamport is stake, the
/// stake deposit fee applies to all of it, and the reserve receives nothing.
#[tokio::test]
async fn activating_stake_into_a_validator_added_this_epoch_is_all_stake() {
    let mut env = start().await;
    let config = PoolConfig {
        reserve_extra: 5 * LAMPORTS_PER_SOL,
        ..PoolConfig::default()
    };
    let mut twin = Twin::create(&mut env, &config).await;
    let bob = twin.add_user(&mut env, LAMPORTS_PER_SOL).await;
    // Different stake and SOL deposit fees, so classifying a lamport wrongly shows in tokens.
    for fee in [
        FeeType::StakeDeposit(Fee {
            denominator: 100,
            numerator: 1,
        }),
        FeeType::SolDeposit(Fee {
            denominator: 10,
            numerator: 1,
        }),
    ] {
        twin.set_fee(&mut env, fee).await.unwrap();
    }
    let vote = env.create_vote_account(0).await;
    twin.add_validator(&mut env, &vote).await.unwrap();
    let stakes = twin
        .create_user_stakes(&mut env, &vote, 3 * LAMPORTS_PER_SOL)
        .await;
    let deposited = env.lamports(&stakes[0]).await;
    let reserves = [
        env.lamports(&twin.ours.reserve_stake).await,
        env.lamports(&twin.reference.reserve_stake).await,
    ];
    let validator_before = env.lamports(&twin.ours.validator_stake(&vote)).await;

    // (`deposit_stake` also checks what ours minted against the interface's quote.)
    twin.deposit_stake(&mut env, &stakes, bob, bob, None, &[])
        .await
        .unwrap();
    twin.assert_same(&mut env).await;
    // At a rate of 1: 1% off every lamport (none at 10%), and the referral share of the fee
    // (20%) back to bob, who referred himself.
    let fee = deposited / 100;
    let minted = env.token_balance(&twin.users[bob].ours).await;
    assert_eq!(minted, deposited - fee + fee / 5);
    assert_eq!(env.lamports(&twin.ours.reserve_stake).await, reserves[0]);
    assert_eq!(
        env.lamports(&twin.reference.reserve_stake).await,
        reserves[1]
    );
    assert_eq!(
        env.lamports(&twin.ours.validator_stake(&vote)).await,
        validator_before + deposited
    );

    // Both activate together and the pools stay the same through the next epochs.
    epoch(&mut env, &twin, &[vote]).await;
    epoch(&mut env, &twin, &[vote]).await;
}
