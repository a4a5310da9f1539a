//! Token metadata through Metaplex (the `mpl_token_metadata.so` fixture spl-stake-pool 2.2.0
//! ships), side by side with the SPL processor: the same metadata is created and updated for
//! both pools' mints, with the withdraw authority as update authority; bad input fails with the
//! reference's error and changes nothing.

use p_stake_pool_tests::{
    twin::{Side, Twin},
    *,
};
use solana_sdk::{
    instruction::{AccountMeta, InstructionError},
    pubkey::Pubkey,
    signature::Signer,
};
use spl_stake_pool::error::StakePoolError as E;

fn metadata_address(pool: &Pool) -> Pubkey {
    Pubkey::find_program_address(
        &[
            b"metadata",
            MPL_TOKEN_METADATA_ID.as_ref(),
            pool.pool_mint.pubkey().as_ref(),
        ],
        &MPL_TOKEN_METADATA_ID,
    )
    .0
}

/// Metadata account bytes past the key, update authority and mint (which differ per pool).
async fn metadata_body(env: &mut Env, pool: &Pool) -> Vec<u8> {
    let account = env.account(&metadata_address(pool)).await.unwrap();
    assert_eq!(account.owner, MPL_TOKEN_METADATA_ID);
    // The update authority is the pool's withdraw authority, the mint is the pool mint.
    assert_eq!(&account.data[1..33], pool.withdraw_authority.as_ref());
    assert_eq!(&account.data[33..65], pool.pool_mint.pubkey().as_ref());
    let mut body = account.data[65..].to_vec();
    // The edition nonce (a bump the metadata program derives from the mint) differs per mint:
    // name 4+32, symbol 4+10, uri 4+200, seller fee 2, creators 1, primary sale 1,
    // is_mutable 1, then Option<u8> edition nonce (tag at 259, value at 260).
    body[260] = 0;
    body
}

fn create(pool: &Pool, payer: &Pubkey, name: &str) -> solana_sdk::instruction::Instruction {
    spl_stake_pool::instruction::create_token_metadata(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        &pool.pool_mint.pubkey(),
        payer,
        name.into(),
        "pSOL".into(),
        "https://example.com/psol.json".into(),
    )
}

#[tokio::test]
async fn metadata_created_and_updated_like_reference() {
    let mut env = start().await;
    let twin = Twin::create(&mut env, &PoolConfig::default()).await;
    let payer = env.payer();
    let intruder = env.funded_keypair(LAMPORTS_PER_SOL).await;
    let other = |side: Side| {
        twin.pool(match side {
            Side::Ours => Side::Reference,
            Side::Reference => Side::Ours,
        })
    };
    let mut watched = Vec::new();
    for side in [Side::Ours, Side::Reference] {
        watched.push(metadata_address(twin.pool(side)));
    }

    // Bad input first, while no metadata exists.
    twin.refuses(
        &mut env,
        &watched,
        E::WrongManager.into_error(),
        |pool, _| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
            (vec![ix], vec![intruder.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        E::InvalidProgramAddress.into_error(),
        |pool, _| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[2] = AccountMeta::new_readonly(Pubkey::new_unique(), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        E::WrongPoolMint.into_error(),
        |pool, side| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[3] = AccountMeta::new_readonly(other(side).pool_mint.pubkey(), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        E::InvalidMetadataAccount.into_error(),
        |pool, side| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[5] = AccountMeta::new(metadata_address(other(side)), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        InstructionError::IncorrectProgramId,
        |pool, _| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[6] = AccountMeta::new_readonly(spl_token_interface::id(), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        InstructionError::IncorrectProgramId,
        |pool, _| {
            let mut ix = create(pool, &payer.pubkey(), "p-stake-pool SOL");
            ix.accounts[7] = AccountMeta::new_readonly(spl_token_interface::id(), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    // A payer that is not a system account cannot fund the metadata account.
    let program_owned = solana_sdk::signature::Keypair::new();
    env.create_owned_account(&program_owned, 0, &solana_stake_interface::program::id())
        .await;
    twin.refuses(
        &mut env,
        &watched,
        InstructionError::IncorrectProgramId,
        |pool, _| {
            let ix = create(pool, &program_owned.pubkey(), "p-stake-pool SOL");
            (
                vec![ix],
                vec![
                    pool.manager.insecure_clone(),
                    program_owned.insecure_clone(),
                ],
            )
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        E::SignatureMissing.into_error(),
        |pool, _| {
            let mut ix = create(pool, &intruder.pubkey(), "p-stake-pool SOL");
            ix.accounts[4] = AccountMeta::new(intruder.pubkey(), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;

    twin.run_signed(&mut env, |pool, _| {
        (
            vec![create(pool, &payer.pubkey(), "p-stake-pool SOL")],
            vec![pool.manager.insecure_clone()],
        )
    })
    .await
    .unwrap();
    let ours = metadata_body(&mut env, &twin.ours).await;
    assert_eq!(ours, metadata_body(&mut env, &twin.reference).await);
    assert!(ours.windows(16).any(|w| w == b"p-stake-pool SOL"));
    // Creating it again fails in the metadata program, on both.
    let again = twin
        .run_signed(&mut env, |pool, _| {
            (
                vec![create(pool, &payer.pubkey(), "again")],
                vec![pool.manager.insecure_clone()],
            )
        })
        .await;
    assert!(again.is_err());

    let update = |pool: &Pool| {
        spl_stake_pool::instruction::update_token_metadata(
            &pool.program_id,
            &pool.stake_pool.pubkey(),
            &pool.manager.pubkey(),
            &pool.pool_mint.pubkey(),
            "Renamed pool".into(),
            "RSOL".into(),
            "https://example.com/renamed.json".into(),
        )
    };
    twin.refuses(
        &mut env,
        &watched,
        E::WrongManager.into_error(),
        |pool, _| {
            let mut ix = update(pool);
            ix.accounts[1] = AccountMeta::new_readonly(intruder.pubkey(), true);
            (vec![ix], vec![intruder.insecure_clone()])
        },
    )
    .await;
    twin.refuses(
        &mut env,
        &watched,
        E::InvalidMetadataAccount.into_error(),
        |pool, side| {
            let mut ix = update(pool);
            ix.accounts[3] = AccountMeta::new(metadata_address(other(side)), false);
            (vec![ix], vec![pool.manager.insecure_clone()])
        },
    )
    .await;
    twin.run_signed(&mut env, |pool, _| {
        (vec![update(pool)], vec![pool.manager.insecure_clone()])
    })
    .await
    .unwrap();
    let ours = metadata_body(&mut env, &twin.ours).await;
    assert_eq!(ours, metadata_body(&mut env, &twin.reference).await);
    assert!(ours.windows(12).any(|w| w == b"Renamed pool"));
}

/// `StakePoolError` as the instruction error the runtime reports.
trait IntoError {
    fn into_error(self) -> InstructionError;
}

impl IntoError for E {
    fn into_error(self) -> InstructionError {
        InstructionError::Custom(self as u32)
    }
}
