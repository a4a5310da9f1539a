//! A real local validator for the CLI's end-to-end tests: `solana-test-validator` (agave
//! 4.2.2) on loopback, on mainnet-beta's feature set by default (`P_STAKE_POOL_FEATURES=all`
//! for every feature), with 32-slot epochs so epochs pass in seconds. Its bootstrap vote
//! account votes on every slot and holds a BLS key and enough lamports for the validator
//! admission tickets mainnet requires, so stake delegated to it earns real inflation
//! rewards. The pool program is deployed the way `solana program deploy` deploys: a buffer
//! written in chunks through the upgradeable loader, then `DeployWithMaxDataLen`.

#![allow(dead_code)]

pub mod proxy;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    time::Duration,
};

use p_stake_pool_tests::FeatureProfile;
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_loader_v3_interface::{instruction as loader, state::UpgradeableLoaderState};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::{
    epoch_schedule::EpochSchedule,
    pubkey::Pubkey,
    signature::{write_keypair_file, Keypair, Signer},
    transaction::Transaction,
};
use solana_test_validator::{TestValidator, TestValidatorGenesis, UpgradeableProgramInfo};

pub const SOL: u64 = 1_000_000_000;

/// Metaplex token metadata (a fixture the SPL stake pool's own tests use).
pub const METADATA_PROGRAM: Pubkey =
    Pubkey::from_str_const("metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s");

pub struct Cluster {
    pub validator: TestValidator,
    pub rpc: RpcClient,
    /// Holds the genesis supply.
    pub mint: Keypair,
    pub program_id: Pubkey,
    pub dir: tempfile::TempDir,
}

/// What a CLI run printed and how it ended.
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Self {
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The JSON the command printed, after checking it succeeded.
    pub fn json(&self) -> Value {
        assert!(
            self.status.success(),
            "command failed ({}):\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.stdout))
    }

    /// Checks the command failed with a message containing `expected`.
    pub fn fails_with(&self, expected: &str) {
        assert!(
            !self.status.success(),
            "expected a failure mentioning `{expected}`, got success:\n{}",
            self.stdout
        );
        assert!(
            self.stderr.contains(expected),
            "expected `{expected}` in stderr:\n{}",
            self.stderr
        );
    }
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

impl Cluster {
    /// A cluster with 32-slot epochs (about 13 s).
    pub async fn start() -> Self {
        Self::start_with_epochs_of(32).await
    }

    pub async fn start_with_epochs_of(slots: u64) -> Self {
        Self::start_with_genesis(slots, |_| {}).await
    }

    /// A cluster whose genesis `setup` adds to (accounts crafted for a test).
    pub async fn start_with_genesis(
        slots: u64,
        setup: impl FnOnce(&mut TestValidatorGenesis),
    ) -> Self {
        let mut genesis = TestValidatorGenesis::default();
        // Ports from the cross-process allocator (shared memory): validators of tests run in
        // parallel processes never race for the same port.
        let ports = solana_net_utils::sockets::localhost_port_range_for_tests();
        genesis.port_range(ports).gossip_port(ports.0);
        setup(&mut genesis);
        genesis
            .deactivate_features(&FeatureProfile::from_env().inactive())
            .epoch_schedule(EpochSchedule::custom(slots, slots, false))
            .add_upgradeable_programs_with_path(&[UpgradeableProgramInfo {
                program_id: METADATA_PROGRAM,
                loader: solana_sdk_ids::bpf_loader_upgradeable::id(),
                upgrade_authority: Pubkey::default(),
                program_path: tests_dir().join("fixtures/mpl_token_metadata.so"),
            }]);
        let dir = tempfile::tempdir().unwrap();
        genesis.ledger_path(dir.path().join("ledger"));
        let (validator, mint) = genesis.start_async().await;
        let rpc =
            RpcClient::new_with_commitment(validator.rpc_url(), CommitmentConfig::confirmed());
        let mut cluster = Self {
            validator,
            rpc,
            mint,
            program_id: Pubkey::default(),
            dir,
        };
        cluster.program_id = cluster.deploy().await;
        cluster
    }

    pub fn rpc_url(&self) -> String {
        self.validator.rpc_url()
    }

    /// Deploys `p_stake_pool.so` as `solana program deploy` does: a buffer, written in
    /// chunks, then `DeployWithMaxDataLen` into a new program account.
    async fn deploy(&self) -> Pubkey {
        let elf =
            std::fs::read(Path::new(&p_stake_pool_tests::deploy_dir()).join("p_stake_pool.so"))
                .expect("build the program first (scripts/build-sbf.sh)");
        let buffer = Keypair::new();
        let program = Keypair::new();
        let payer = &self.mint;
        let buffer_rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_buffer(
                elf.len(),
            ))
            .await
            .unwrap();
        self.send(
            &loader::create_buffer(
                &payer.pubkey(),
                &buffer.pubkey(),
                &payer.pubkey(),
                buffer_rent,
                elf.len(),
            )
            .unwrap(),
            &[&buffer],
        )
        .await;
        // Chunks that fit a transaction, sent together, then confirmed.
        let blockhash = self.rpc.get_latest_blockhash().await.unwrap();
        let mut signatures = Vec::new();
        for (index, chunk) in elf.chunks(900).enumerate() {
            let write = loader::write(
                &buffer.pubkey(),
                &payer.pubkey(),
                (index * 900) as u32,
                chunk.to_vec(),
            );
            let transaction = Transaction::new_signed_with_payer(
                &[write],
                Some(&payer.pubkey()),
                &[payer],
                blockhash,
            );
            signatures.push(self.rpc.send_transaction(&transaction).await.unwrap());
        }
        self.confirm_all(&signatures).await;
        let program_rent = self
            .rpc
            .get_minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_program())
            .await
            .unwrap();
        self.send(
            &loader::deploy_with_max_program_len(
                &payer.pubkey(),
                &program.pubkey(),
                &buffer.pubkey(),
                &payer.pubkey(),
                program_rent,
                elf.len() * 2,
            )
            .unwrap(),
            &[&program],
        )
        .await;
        // A program deployed in a slot runs from the next one.
        let slot = self.rpc.get_slot().await.unwrap();
        while self.rpc.get_slot().await.unwrap() <= slot + 1 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        program.pubkey()
    }

    /// Waits until every transaction has landed, and checks it succeeded.
    pub async fn confirm_all(&self, signatures: &[solana_sdk::signature::Signature]) {
        for chunk in signatures.chunks(200) {
            loop {
                let statuses = self.rpc.get_signature_statuses(chunk).await.unwrap().value;
                if statuses.iter().all(|status| {
                    status.as_ref().is_some_and(|status| {
                        status.satisfies_commitment(CommitmentConfig::confirmed())
                    })
                }) {
                    for status in statuses.into_iter().flatten() {
                        status.status.expect("a transaction failed");
                    }
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    pub async fn send(
        &self,
        instructions: &[solana_sdk::instruction::Instruction],
        signers: &[&Keypair],
    ) {
        let blockhash = self.rpc.get_latest_blockhash().await.unwrap();
        let mut all: Vec<&Keypair> = vec![&self.mint];
        all.extend_from_slice(signers);
        let transaction = Transaction::new_signed_with_payer(
            instructions,
            Some(&self.mint.pubkey()),
            &all,
            blockhash,
        );
        self.rpc
            .send_and_confirm_transaction(&transaction)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }

    /// A new keypair holding `lamports`, and its keypair file.
    pub async fn funded(&self, lamports: u64) -> (Keypair, PathBuf) {
        let keypair = Keypair::new();
        self.send(
            &[solana_system_interface::instruction::transfer(
                &self.mint.pubkey(),
                &keypair.pubkey(),
                lamports,
            )],
            &[],
        )
        .await;
        let path = self.dir.path().join(format!("{}.json", keypair.pubkey()));
        write_keypair_file(&keypair, &path).unwrap();
        (keypair, path)
    }

    /// A vote account with a new identity (it never votes: only the bootstrap validator
    /// does, so stake delegated here activates but earns nothing).
    pub async fn vote_account(&self) -> Pubkey {
        let vote = Keypair::new();
        let node = Keypair::new();
        let space = solana_vote_interface::state::VoteStateV4::size_of();
        let lamports = self
            .rpc
            .get_minimum_balance_for_rent_exemption(space)
            .await
            .unwrap();
        let instructions = solana_vote_interface::instruction::create_account_with_config(
            &self.mint.pubkey(),
            &vote.pubkey(),
            &solana_vote_interface::state::VoteInit {
                node_pubkey: node.pubkey(),
                authorized_voter: node.pubkey(),
                authorized_withdrawer: node.pubkey(),
                commission: 5,
            },
            lamports,
            solana_vote_interface::instruction::CreateVoteAccountConfig {
                space: space as u64,
                ..Default::default()
            },
        );
        self.send(&instructions, &[&vote, &node]).await;
        vote.pubkey()
    }

    /// A stake account of `lamports` owned by `owner`, delegated to `vote`.
    pub async fn delegated_stake(&self, owner: &Keypair, vote: &Pubkey, lamports: u64) -> Pubkey {
        let stake = Keypair::new();
        let instructions = solana_stake_interface::instruction::create_account_and_delegate_stake(
            &self.mint.pubkey(),
            &stake.pubkey(),
            vote,
            &solana_stake_interface::state::Authorized::auto(&owner.pubkey()),
            &Default::default(),
            lamports,
        );
        self.send(&instructions, &[&stake, owner]).await;
        stake.pubkey()
    }

    pub async fn epoch(&self) -> u64 {
        self.rpc.get_epoch_info().await.unwrap().epoch
    }

    /// Waits for the next epoch to start, then for its rewards to be paid out (the
    /// validator pays them over the epoch's first blocks; the pool refuses to update while
    /// they are in progress).
    pub async fn next_epoch(&self) -> u64 {
        let epoch = self.epoch().await;
        while self.epoch().await == epoch {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let slot = self.rpc.get_slot().await.unwrap();
        while self.rpc.get_slot().await.unwrap() < slot + 4 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        epoch + 1
    }

    pub async fn account_data(&self, address: &Pubkey) -> Vec<u8> {
        self.rpc.get_account_data(address).await.unwrap()
    }

    pub async fn lamports(&self, address: &Pubkey) -> u64 {
        self.rpc.get_balance(address).await.unwrap()
    }

    /// The pool as the SPL stake pool 2.2.0 crate decodes it.
    pub async fn spl_pool(&self, pool: &Pubkey) -> spl_stake_pool::state::StakePool {
        let data = self.account_data(pool).await;
        borsh::BorshDeserialize::deserialize(&mut data.as_slice()).unwrap()
    }

    pub async fn spl_list(&self, list: &Pubkey) -> spl_stake_pool::state::ValidatorList {
        let data = self.account_data(list).await;
        borsh::BorshDeserialize::deserialize(&mut data.as_slice()).unwrap()
    }

    pub async fn token_balance(&self, account: &Pubkey) -> u64 {
        self.rpc
            .get_token_account_balance(account)
            .await
            .map(|balance| balance.amount.parse().unwrap())
            .unwrap_or(0)
    }

    /// Runs the CLI against this cluster, signed by `keypair`, printing compact JSON.
    pub fn cli(&self, keypair: &Path, args: &[&str]) -> Run {
        self.cli_with(keypair, &self.program_id.to_string(), args)
    }

    pub fn cli_with(&self, keypair: &Path, program_id: &str, args: &[&str]) -> Run {
        self.cli_at(&self.rpc_url(), keypair, program_id, args)
    }

    /// Runs the CLI against the RPC at `url` (a proxy in front of this cluster).
    pub fn cli_at(&self, url: &str, keypair: &Path, program_id: &str, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_p-stake-pool"))
            .args(["--url", url, "--keypair"])
            .arg(keypair)
            .args(["--program-id", program_id, "--output", "json-compact"])
            .args(args)
            // No config file of the machine's: the flags say everything.
            .env("HOME", self.dir.path())
            .env_remove("P_STAKE_POOL_PROGRAM_ID")
            .output()
            .expect("the CLI binary runs");
        Run::from(output)
    }

    /// Runs the CLI on a terminal (a pseudo-terminal from `script`, util-linux), where
    /// progress is drawn as a bar; stdout and stderr both arrive in `stdout`.
    pub fn cli_in_terminal(&self, keypair: &Path, args: &[&str]) -> Run {
        let quote = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
        let mut command = vec![
            quote(env!("CARGO_BIN_EXE_p-stake-pool")),
            "--url".into(),
            quote(&self.rpc_url()),
            "--keypair".into(),
            quote(keypair.to_str().unwrap()),
            "--program-id".into(),
            quote(&self.program_id.to_string()),
        ];
        command.extend(args.iter().map(|arg| quote(arg)));
        let output = Command::new("script")
            .args(["-q", "-e", "-c", &command.join(" "), "/dev/null"])
            .env("HOME", self.dir.path())
            .env("TERM", "xterm")
            .env_remove("P_STAKE_POOL_PROGRAM_ID")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux) runs");
        Run::from(output)
    }

    /// Starts the CLI in the background (for the keeper).
    pub fn spawn(&self, keypair: &Path, args: &[&str]) -> std::process::Child {
        self.spawn_at(&self.rpc_url(), keypair, args)
    }

    /// Starts the CLI in the background against the RPC at `url`.
    pub fn spawn_at(&self, url: &str, keypair: &Path, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_p-stake-pool"))
            .args(["--url", url, "--keypair"])
            .arg(keypair)
            .args([
                "--program-id",
                &self.program_id.to_string(),
                "--output",
                "json-compact",
            ])
            .args(args)
            .env("HOME", self.dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the CLI binary starts")
    }
}

/// A pubkey field of the CLI's JSON.
pub fn key(value: &Value, field: &str) -> Pubkey {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no `{field}` in {value}"))
        .parse()
        .unwrap()
}
