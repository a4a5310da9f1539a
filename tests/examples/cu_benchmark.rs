//! CU benchmark: runs each instruction of p-stake-pool in a solana-program-test bank, prints a
//! table (total CU, CU inside inner programs, own CU) beside the SPL 2.2.0 baseline, and writes
//! it to benchmarks/cu.md.

use p_stake_pool_tests::*;
use solana_sdk::signature::{Keypair, Signer};
use spl_stake_pool::state::{Fee, FeeType};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut env = start().await;
    let config = PoolConfig::default();
    let mut rows: Vec<(String, Measured, &str)> = Vec::new();

    let pool = prepare_pool(&mut env, PROGRAM_ID, &config).await;
    let init = initialize_instruction(&pool, &config, None);
    rows.push((
        "Initialize".into(),
        env.measure(std::slice::from_ref(&init), &[&pool.manager])
            .await,
        "-",
    ));
    env.send(&[init], &[&pool.manager]).await.unwrap();

    let (user, account) = env.pool_user(&pool, 100 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &account,
        5 * LAMPORTS_PER_SOL,
    );
    rows.push((
        "DepositSol (fee + referral: 3 mints)".into(),
        env.measure(std::slice::from_ref(&deposit), &[&user]).await,
        "30,283",
    ));
    env.send(&[deposit], &[&user]).await.unwrap();
    let destination = Keypair::new().pubkey();
    let withdraw = withdraw_sol_instruction(
        &pool,
        &user.pubkey(),
        &account,
        &destination,
        LAMPORTS_PER_SOL,
    );
    rows.push((
        "WithdrawSol (with fee transfer)".into(),
        env.measure(&[withdraw], &[&user]).await,
        "32,397",
    ));

    let set_fee = spl_stake_pool::instruction::set_fee(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        FeeType::Epoch(Fee {
            denominator: 100,
            numerator: 3,
        }),
    );
    rows.push((
        "SetFee (epoch)".into(),
        env.measure(&[set_fee], &[&pool.manager]).await,
        "-",
    ));
    let set_staker = spl_stake_pool::instruction::set_staker(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &Keypair::new().pubkey(),
    );
    rows.push((
        "SetStaker".into(),
        env.measure(&[set_staker], &[&pool.manager]).await,
        "-",
    ));
    let funding = spl_stake_pool::instruction::set_funding_authority(
        &PROGRAM_ID,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        Some(&user.pubkey()),
        spl_stake_pool::instruction::FundingType::SolWithdraw,
    );
    rows.push((
        "SetFundingAuthority".into(),
        env.measure(&[funding], &[&pool.manager]).await,
        "-",
    ));

    let update = update_instructions(&pool);
    rows.push((
        "UpdateStakePoolBalance (no reward)".into(),
        env.measure(&update[1..2], &[]).await,
        "10,163",
    ));
    env.transfer(&pool.reserve_stake, LAMPORTS_PER_SOL).await;
    env.next_epoch().await;
    rows.push((
        "UpdateValidatorListBalance (empty list)".into(),
        env.measure(&update[0..1], &[]).await,
        "-",
    ));
    rows.push((
        "UpdateStakePoolBalance (reward, fee mint)".into(),
        env.measure(&update[1..2], &[]).await,
        "16,086",
    ));
    rows.push((
        "CleanupRemovedValidatorEntries".into(),
        env.measure(&update[2..3], &[]).await,
        "4,190",
    ));

    let mut table = String::from("# p-stake-pool compute units\n\nMeasured by `cargo run -p p-stake-pool-tests --example cu_benchmark` in a solana-program-test 4.2 bank (SBPF v0 build from this repository's offline pipeline). **own** = total − CU spent inside invoked programs (it includes the 1,000 CU invoke charge per CPI). The SPL column is the reference's total from `spl-baseline-cu.md` (same pipeline and bank).\n\n| instruction | total | inner | own | SPL 2.2.0 total |\n|---|---:|---:|---:|---:|\n");
    for (name, measured, baseline) in &rows {
        table.push_str(&format!(
            "| {name} | {} | {} | {} | {baseline} |\n",
            measured.total,
            measured.inner,
            measured.own()
        ));
    }
    println!("{table}");
    let path = format!("{}/../benchmarks/cu.md", p_stake_pool_tests::manifest_dir());
    std::fs::write(path, table).unwrap();
}
