//! Demo: a pool's life in a local bank with the real p-stake-pool `.so`. A pool with fees is
//! created, users deposit SOL, rewards arrive each epoch, the crank updates the pool, users
//! withdraw; a table per epoch and each user's profit are printed.

use p_stake_pool_tests::*;
use solana_sdk::signature::{Keypair, Signer};

fn sol(lamports: u64) -> f64 {
    lamports as f64 / LAMPORTS_PER_SOL as f64
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
        10 * LAMPORTS_PER_SOL,
        25 * LAMPORTS_PER_SOL,
        4 * LAMPORTS_PER_SOL,
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
    println!("\n| epoch | total SOL | LST supply | SOL per LST | fee minted (LST) | update CU |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for epoch_round in 0..5u64 {
        // Rewards: ~0.2% of the pool per epoch arrives in the reserve.
        let state = spl_pool_state(&mut env, &pool).await;
        env.transfer(
            &pool.reserve_stake,
            state.total_lamports / 500 + epoch_round * 1_000_000,
        )
        .await;
        env.next_epoch().await;
        let fee_before = env.token_balance(&pool.manager_fee_account).await;
        let update = update_instructions(&pool);
        let cu = env.measure(&update, &[]).await.total;
        env.send(&update, &[]).await.unwrap();
        let state = spl_pool_state(&mut env, &pool).await;
        let fee = env.token_balance(&pool.manager_fee_account).await - fee_before;
        println!(
            "| {} | {:.6} | {:.6} | {:.9} | {:.6} | {cu} |",
            state.last_update_epoch,
            sol(state.total_lamports),
            sol(state.pool_token_supply),
            state.total_lamports as f64 / state.pool_token_supply as f64,
            sol(fee),
        );
    }
    println!();
    for (name, keypair, account, deposited) in &users {
        let tokens = env.token_balance(account).await;
        let destination = Keypair::new().pubkey();
        let ix = withdraw_sol_instruction(&pool, &keypair.pubkey(), account, &destination, tokens);
        env.send(&[ix], &[keypair]).await.unwrap();
        let received = env.lamports(&destination).await;
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
