//! Demo: a pool's life in a local bank with the real p-stake-pool `.so`. A pool with fees is
//! created, users deposit SOL, the staker delegates it to three validators, the validators
//! vote and the runtime pays real inflation rewards at each epoch boundary, the crank updates
//! the pool, the staker rebalances and finally brings the stake home, and users withdraw. One
//! user brings an existing stake account in (DepositStake) and later leaves with one
//! (WithdrawStake), without waiting for any unstaking.
//! A table per epoch (pool totals, exchange rate, fees, stake per validator, crank CU) and
//! each user's profit are printed. The bank runs mainnet-beta's feature set (validator
//! admission tickets included) unless `P_STAKE_POOL_FEATURES=all`; the demo fails if the
//! exchange rate does not rise while validators earn, if a pool invariant breaks after an
//! update, or if a SOL depositor ends without profit.

use p_stake_pool_tests::*;
use solana_sdk::{
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

fn sol(lamports: u64) -> f64 {
    lamports as f64 / LAMPORTS_PER_SOL as f64
}

/// The staker's instruction for `vote`: increase (`lamports > 0`) or decrease.
fn rebalance(
    pool: &Pool,
    state: &spl_stake_pool::state::StakePool,
    vote: &Pubkey,
    lamports: i64,
    seed: u64,
) -> solana_sdk::instruction::Instruction {
    if lamports > 0 {
        spl_stake_pool::instruction::increase_validator_stake_with_vote(
            &PROGRAM_ID,
            state,
            &pool.stake_pool.pubkey(),
            vote,
            lamports as u64,
            None,
            seed,
        )
    } else {
        spl_stake_pool::instruction::decrease_validator_stake_with_vote(
            &PROGRAM_ID,
            state,
            &pool.stake_pool.pubkey(),
            vote,
            lamports.unsigned_abs(),
            None,
            seed,
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut env = start().await;
    let config = PoolConfig::default();
    let pool = create_pool(&mut env, PROGRAM_ID, &config).await;
    println!(
        "pool {} created: epoch fee 5%, SOL deposit fee 0.3%, withdrawal fee 0.1%, referral 20%\n",
        pool.stake_pool.pubkey()
    );
    let names = ["alice", "bob", "carol"];
    let deposits = [
        100 * LAMPORTS_PER_SOL,
        250 * LAMPORTS_PER_SOL,
        40 * LAMPORTS_PER_SOL,
    ];
    let mut users = Vec::new();
    for (name, amount) in names.iter().zip(deposits) {
        let (keypair, account) = env.pool_user(&pool, amount + LAMPORTS_PER_SOL).await;
        let ix = deposit_sol_instruction(
            &pool,
            &keypair.pubkey(),
            &account,
            &pool.manager_fee_account,
            amount,
        );
        let cu = env
            .measure(std::slice::from_ref(&ix), &[&keypair])
            .await
            .total;
        env.send(&[ix], &[&keypair]).await.unwrap();
        println!("{name} deposits {:.3} SOL ({cu} CU)", sol(amount));
        users.push((name, keypair, account, amount));
    }

    // The staker adds three validators (commission 0%, 5%, 10%) and delegates to them.
    let mut votes = Vec::new();
    for commission in [0, 5, 10] {
        let vote = env.create_vote_account(commission).await;
        let state = spl_pool_state(&mut env, &pool).await;
        let add = spl_stake_pool::instruction::add_validator_to_pool_with_vote(
            &PROGRAM_ID,
            &state,
            &pool.stake_pool.pubkey(),
            &vote,
            None,
        );
        env.send(&[add], &[&pool.staker]).await.unwrap();
        votes.push(vote);
    }
    println!("\nstaker adds validators v1 (0% commission), v2 (5%), v3 (10%)");
    // Dave already stakes 30 SOL with v2 on his own; he will bring the stake account in.
    let dave_stake = Keypair::new();
    env.create_delegated_stake(&dave_stake, &votes[1], 30 * LAMPORTS_PER_SOL)
        .await;
    let dave_deposited = env.lamports(&dave_stake.pubkey()).await;
    let (dave, dave_tokens) = env.pool_user(&pool, LAMPORTS_PER_SOL).await;
    let mut plan: Vec<(u64, Vec<i64>)> = vec![
        (0, vec![150, 120, 90]),
        (3, vec![-50, 0, 0]),
        (5, vec![0, 0, 40]),
        (9, vec![-200, -150, -150]),
    ];
    let sol_i = |n: i64| n * LAMPORTS_PER_SOL as i64;

    println!(
        "\n| epoch | total SOL | LST supply | SOL per LST | fee minted (LST) | reserve SOL | v1 SOL | v2 SOL | v3 SOL | crank CU (txs) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut last_rate = 1.0;
    for round in 0..14u64 {
        if let Some(position) = plan.iter().position(|(at, _)| *at == round) {
            let (_, moves) = plan.remove(position);
            let state = spl_pool_state(&mut env, &pool).await;
            let list = spl_validator_list(&mut env, &pool).await;
            for (i, (vote, amount)) in votes.iter().zip(moves).enumerate() {
                if amount == 0 {
                    continue;
                }
                // A decrease larger than the stake leaves the minimum behind.
                let mut lamports = sol_i(amount);
                if lamports < 0 {
                    let active = u64::from(list.validators[i].active_stake_lamports) as i64;
                    let keep = (LAMPORTS_PER_SOL + 3 * 1_000_000) as i64;
                    lamports = lamports.max(-(active - keep));
                }
                let ix = rebalance(&pool, &state, vote, lamports, round + 1);
                env.send(&[ix], &[&pool.staker]).await.unwrap();
                println!(
                    "  staker {} v{} by {:.3} SOL",
                    if lamports > 0 {
                        "increases"
                    } else {
                        "decreases"
                    },
                    i + 1,
                    sol(lamports.unsigned_abs())
                );
            }
        }
        if round == 3 {
            // Dave's stake is active: it joins v2's stake, and he gets pool tokens for it
            // (the client's two Authorize instructions hand it to the pool's deposit PDA).
            let payer = env.payer();
            let deposit = spl_stake_pool::instruction::deposit_stake(
                &PROGRAM_ID,
                &pool.stake_pool.pubkey(),
                &pool.validator_list.pubkey(),
                &pool.withdraw_authority,
                &dave_stake.pubkey(),
                &payer.pubkey(),
                &pool.validator_stake(&votes[1]),
                &pool.reserve_stake,
                &dave_tokens,
                &pool.manager_fee_account,
                &dave_tokens,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
            );
            env.send(&deposit, &[]).await.unwrap();
            println!(
                "  dave deposits his stake account ({:.3} SOL, delegated to v2) for {:.6} LST",
                sol(dave_deposited),
                sol(env.token_balance(&dave_tokens).await)
            );
        }
        if round == 8 {
            // Dave leaves with a stake account: no unstaking wait, the pool splits it off.
            let tokens = env.token_balance(&dave_tokens).await;
            let receiver = Keypair::new();
            env.create_owned_account(
                &receiver,
                STAKE_ACCOUNT_LEN,
                &solana_stake_interface::program::id(),
            )
            .await;
            let withdraw = spl_stake_pool::instruction::withdraw_stake(
                &PROGRAM_ID,
                &pool.stake_pool.pubkey(),
                &pool.validator_list.pubkey(),
                &pool.withdraw_authority,
                &pool.validator_stake(&votes[1]),
                &receiver.pubkey(),
                &dave.pubkey(),
                &dave.pubkey(),
                &dave_tokens,
                &pool.manager_fee_account,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
                tokens,
            );
            env.send(&[withdraw], &[&dave]).await.unwrap();
            // The account is his alone: he unstakes it himself (in this small bank any stake
            // left delegated would keep taking a share of every epoch's inflation).
            let deactivate = solana_stake_interface::instruction::deactivate_stake(
                &receiver.pubkey(),
                &dave.pubkey(),
            );
            env.send(&[deactivate], &[&dave]).await.unwrap();
            let rent = env.rent_exempt(STAKE_ACCOUNT_LEN).await;
            let received = env.lamports(&receiver.pubkey()).await - rent;
            println!(
                "  dave withdraws {:.6} LST as an active stake account of {:.6} SOL (profit {:+.6} SOL)",
                sol(tokens),
                sol(received),
                (received as f64 - dave_deposited as f64) / LAMPORTS_PER_SOL as f64
            );
        }
        if round == 11 {
            // The staker retires the validators: their remaining stake deactivates and comes
            // back to the reserve, after which cleanup drops the entries.
            let state = spl_pool_state(&mut env, &pool).await;
            for (i, vote) in votes.iter().enumerate() {
                let remove = spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
                    &PROGRAM_ID,
                    &state,
                    &pool.stake_pool.pubkey(),
                    vote,
                    None,
                    0,
                );
                env.send(&[remove], &[&pool.staker]).await.unwrap();
                println!("  staker removes v{}", i + 1);
            }
        }
        // The validators vote all epoch; the runtime pays inflation rewards at the boundary.
        for vote in &votes {
            env.credit_votes(vote, 2_000);
        }
        env.next_epoch().await;
        let fee_before = env.token_balance(&pool.manager_fee_account).await;
        let mut cu = 0;
        let transactions = full_update_instructions(&mut env, &pool).await;
        let count = transactions.len();
        for update in transactions {
            cu += env.measure(&update, &[]).await.total;
            env.send(&update, &[]).await.unwrap();
        }
        assert_pool_invariants(&mut env, &pool).await;
        let state = spl_pool_state(&mut env, &pool).await;
        let list = spl_validator_list(&mut env, &pool).await;
        // Real rewards: while stake is delegated and the validators vote, every epoch's
        // inflation raises the value of a pool token.
        let rate = state.total_lamports as f64 / state.pool_token_supply as f64;
        if (1..=10).contains(&round) {
            assert!(
                rate > last_rate,
                "epoch {}: SOL per LST did not rise",
                state.last_update_epoch
            );
        }
        last_rate = rate;
        let fee = env.token_balance(&pool.manager_fee_account).await - fee_before;
        let reserve = env.lamports(&pool.reserve_stake).await;
        // Active plus transient stake per validator ("-" once its entry is cleaned up).
        let stake: Vec<String> = votes
            .iter()
            .map(|vote| {
                list.validators
                    .iter()
                    .find(|v| v.vote_account_address == *vote)
                    .map_or("-".to_string(), |v| {
                        let lamports = u64::from(v.active_stake_lamports)
                            + u64::from(v.transient_stake_lamports);
                        format!("{:.3}", sol(lamports))
                    })
            })
            .collect();
        println!(
            "| {} | {:.6} | {:.6} | {:.9} | {:.6} | {:.3} | {} | {cu} ({count}) |",
            state.last_update_epoch,
            sol(state.total_lamports),
            sol(state.pool_token_supply),
            state.total_lamports as f64 / state.pool_token_supply as f64,
            sol(fee),
            sol(reserve),
            stake.join(" | "),
        );
    }
    println!();
    for (name, keypair, account, deposited) in &users {
        let tokens = env.token_balance(account).await;
        let destination = Keypair::new().pubkey();
        let ix = withdraw_sol_instruction(&pool, &keypair.pubkey(), account, &destination, tokens);
        env.send(&[ix], &[keypair]).await.unwrap();
        let received = env.lamports(&destination).await;
        assert!(
            received > *deposited,
            "{name} did not profit from the rewards"
        );
        println!(
            "{name}: deposited {:.6} SOL, withdrew {:.6} SOL, profit {:+.6} SOL",
            sol(*deposited),
            sol(received),
            (received as f64 - *deposited as f64) / LAMPORTS_PER_SOL as f64
        );
    }
    let manager_tokens = env.token_balance(&pool.manager_fee_account).await;
    println!("manager holds {:.6} LST in fees", sol(manager_tokens));
}
