//! Deployment the way `solana program deploy` does it: the built `.so` goes through the
//! upgradeable loader's own instructions (create a buffer, write it in transaction-sized
//! chunks, deploy with a maximum length) into a bank on the selected feature profile, where
//! the loader verifies it against that feature set. A pool then runs through the deployed
//! program; the program is upgraded from a second buffer and the same pool keeps working.

use p_stake_pool_tests::*;
use solana_loader_v3_interface::{instruction as loader, state::UpgradeableLoaderState};
use solana_program_test::BanksClientError;
use solana_sdk::{
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

/// Bytes of program per `Write` transaction: what fits in a 1,232-byte transaction signed by
/// the payer alone (as the CLI sends them).
const CHUNK: usize = 900;

fn built_program() -> Vec<u8> {
    let path = format!("{}/p_stake_pool.so", deploy_dir());
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// SBPF version from the ELF header's e_flags (0 = v0, 3 = v3).
fn sbpf_version(elf: &[u8]) -> u32 {
    u32::from_le_bytes(elf[0x30..0x34].try_into().unwrap())
}

/// A buffer holding `elf`, written in chunks, with the payer as buffer authority.
async fn write_buffer(env: &mut Env, elf: &[u8]) -> Pubkey {
    let payer = env.payer();
    let buffer = Keypair::new();
    let lamports = env
        .rent_exempt(UpgradeableLoaderState::size_of_buffer(elf.len()))
        .await;
    let create = loader::create_buffer(
        &payer.pubkey(),
        &buffer.pubkey(),
        &payer.pubkey(),
        lamports,
        elf.len(),
    )
    .unwrap();
    env.send(&create, &[&buffer]).await.unwrap();
    for (index, chunk) in elf.chunks(CHUNK).enumerate() {
        let offset = u32::try_from(index * CHUNK).unwrap();
        let write = loader::write(&buffer.pubkey(), &payer.pubkey(), offset, chunk.to_vec());
        env.send(&[write], &[]).await.unwrap();
    }
    let written = env.account(&buffer.pubkey()).await.unwrap().data;
    assert_eq!(
        &written[UpgradeableLoaderState::size_of_buffer_metadata()..],
        elf
    );
    buffer.pubkey()
}

/// Deploys `elf` at a new program address with room for a build twice its size, as
/// `solana program deploy --max-len` would.
async fn deploy(env: &mut Env, elf: &[u8]) -> Result<Pubkey, BanksClientError> {
    let buffer = write_buffer(env, elf).await;
    let payer = env.payer();
    let program = Keypair::new();
    let lamports = env
        .rent_exempt(UpgradeableLoaderState::size_of_program())
        .await;
    let instructions = loader::deploy_with_max_program_len(
        &payer.pubkey(),
        &program.pubkey(),
        &buffer,
        &payer.pubkey(),
        lamports,
        2 * elf.len(),
    )
    .unwrap();
    env.send(&instructions, &[&program]).await?;
    // A deployed program becomes executable from the next slot on.
    env.next_slot().await;
    Ok(program.pubkey())
}

/// Deposits and withdraws SOL through `pool`'s program and checks the user got tokens back
/// and SOL out.
async fn deposit_and_withdraw(env: &mut Env, pool: &Pool) {
    let (user, user_tokens) = env.pool_user(pool, 20 * LAMPORTS_PER_SOL).await;
    let deposit = deposit_sol_instruction(
        pool,
        &user.pubkey(),
        &user_tokens,
        &user_tokens,
        5 * LAMPORTS_PER_SOL,
    );
    env.send(&[deposit], &[&user]).await.unwrap();
    let minted = env.token_balance(&user_tokens).await;
    assert!(minted > 0);
    let before = env.lamports(&user.pubkey()).await;
    let withdraw = withdraw_sol_instruction(
        pool,
        &user.pubkey(),
        &user_tokens,
        &user.pubkey(),
        minted / 2,
    );
    env.send(&[withdraw], &[&user]).await.unwrap();
    assert_eq!(env.token_balance(&user_tokens).await, minted - minted / 2);
    assert!(env.lamports(&user.pubkey()).await > before);
    assert_pool_invariants(env, pool).await;
}

#[tokio::test]
async fn deploy_through_the_loader_then_upgrade() {
    let mut env = start().await;
    let elf = built_program();
    let deployed = deploy(&mut env, &elf).await;
    let v0_deployment_disabled = env
        .ctx
        .is_active(&agave_feature_set::disable_sbpf_v0_v1_v2_deployment::id());
    if sbpf_version(&elf) == 0 && v0_deployment_disabled {
        // What the next upgrades bring: once `disable_sbpf_v0_v1_v2_deployment` is active,
        // the loader refuses new v0 programs (deployed ones keep running); deploy the v3
        // build there.
        assert!(
            deployed.is_err(),
            "the loader accepted a v0 program with v0 deployment disabled"
        );
        return;
    }
    let program_id = deployed.expect("the loader deploys the built program");
    let program = env.account(&program_id).await.unwrap();
    assert!(program.executable);
    assert_eq!(program.owner, LOADER_V3);

    let pool = create_pool(&mut env, program_id, &PoolConfig::default()).await;
    deposit_and_withdraw(&mut env, &pool).await;
    // The permissionless update runs through the deployed program too. (Not across an epoch:
    // warping a solana-program-test 4.2.2 bank past an epoch boundary with a program deployed
    // through the loader in that bank panics in agave's program cache, "Unexpected
    // replacement of an entry"; epochs are crossed in every other suite.)
    env.send(&update_instructions(&pool), &[]).await.unwrap();

    // Upgrade from a second buffer, as `solana program deploy --program-id` does for an
    // existing program; the programdata now holds the new bytes and the pool keeps working.
    let buffer = write_buffer(&mut env, &elf).await;
    let payer = env.payer();
    let upgrade = loader::upgrade(&program_id, &buffer, &payer.pubkey(), &payer.pubkey());
    env.send(&[upgrade], &[]).await.unwrap();
    env.next_slot().await;
    assert!(
        env.account(&buffer).await.is_none(),
        "the upgrade consumes the buffer"
    );
    let programdata = solana_loader_v3_interface::get_program_data_address(&program_id);
    let data = env.account(&programdata).await.unwrap().data;
    let metadata = UpgradeableLoaderState::size_of_programdata_metadata();
    assert_eq!(&data[metadata..metadata + elf.len()], &elf[..]);
    deposit_and_withdraw(&mut env, &pool).await;
}

#[tokio::test]
async fn loader_refuses_a_program_its_verifier_rejects() {
    let mut env = start().await;
    let mut elf = built_program();
    // Overwrite the first instruction of the executable segment with an opcode no SBPF
    // version defines: the loader's verifier must refuse the deployment.
    let field = |at: usize, len: usize| -> usize {
        let mut bytes = [0u8; 8];
        bytes[..len].copy_from_slice(&elf[at..at + len]);
        u64::from_le_bytes(bytes) as usize
    };
    let (program_headers, header_size, headers) = (field(0x20, 8), field(0x36, 2), field(0x38, 2));
    let text = (0..headers)
        .map(|index| program_headers + index * header_size)
        .find(|&header| field(header, 4) == 1 /* PT_LOAD */ && field(header + 4, 4) & 1 != 0 /* PF_X */)
        .map(|header| field(header + 8, 8))
        .expect("an executable segment");
    elf[text] = 0xFF;
    assert!(deploy(&mut env, &elf).await.is_err());
}

#[test]
fn embedded_security_txt_names_a_policy_the_repository_has() {
    let elf = built_program();
    let begin = b"=======BEGIN SECURITY.TXT V1=======\0";
    let end = b"=======END SECURITY.TXT V1=======\0";
    let start = elf
        .windows(begin.len())
        .position(|window| window == begin)
        .expect("security.txt embedded")
        + begin.len();
    let length = elf[start..]
        .windows(end.len())
        .position(|window| window == end)
        .expect("security.txt terminated");
    let text = std::str::from_utf8(&elf[start..start + length]).unwrap();
    let parts: Vec<&str> = text.trim_end_matches('\0').split('\0').collect();
    let fields: std::collections::HashMap<&str, &str> = parts
        .chunks(2)
        .map(|pair| (pair[0], *pair.get(1).unwrap_or(&"")))
        .collect();
    for name in [
        "name",
        "project_url",
        "contacts",
        "policy",
        "preferred_languages",
        "source_code",
        "source_release",
        "auditors",
        "acknowledgements",
        "expiry",
    ] {
        let value = fields.get(name).copied().unwrap_or_default();
        assert!(!value.is_empty(), "security.txt field {name} is empty");
    }
    let policy = fields["policy"];
    let file = policy.rsplit("/blob/main/").next().unwrap();
    assert!(
        std::path::Path::new(&format!("{}/../{file}", manifest_dir())).exists(),
        "the policy {policy} names {file}, which the repository does not have"
    );
    assert!(fields["acknowledgements"].starts_with(policy));
}
