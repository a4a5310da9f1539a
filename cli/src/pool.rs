//! A pool as the tool sees it: the pool account and its validator list, fetched and decoded
//! through the client crate's views (the program's own layouts), with the checks that turn
//! a wrong address or program id into a clear message before anything is built.

use anyhow::{anyhow, bail, Result};
use p_stake_pool_client::{
    state::{load_pool, StakePoolTail, StakeStatus, ValidatorList},
    Fee, PoolAccounts, ValidatorSeeds,
};
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

use crate::chain::{format_amount, Ctx};

/// One validator list entry.
#[derive(Clone, Debug)]
pub struct Validator {
    pub seeds: ValidatorSeeds,
    pub active_stake_lamports: u64,
    pub transient_stake_lamports: u64,
    pub last_update_epoch: u64,
    pub status: u8,
}

impl Validator {
    pub fn is_active(&self) -> bool {
        self.status == StakeStatus::Active as u8
    }

    pub fn status_name(&self) -> &'static str {
        match StakeStatus::from_byte(self.status) {
            Ok(StakeStatus::Active) => "active",
            Ok(StakeStatus::DeactivatingTransient) => "deactivating-transient",
            Ok(StakeStatus::ReadyForRemoval) => "ready-for-removal",
            Ok(StakeStatus::DeactivatingValidator) => "deactivating-validator",
            Ok(StakeStatus::DeactivatingAll) => "deactivating-all",
            Err(_) => "unknown",
        }
    }
}

/// A decoded pool.
#[derive(Clone, Debug)]
pub struct Pool {
    pub address: Pubkey,
    pub accounts: PoolAccounts,
    pub manager: Pubkey,
    pub staker: Pubkey,
    pub stake_deposit_authority: Pubkey,
    pub total_lamports: u64,
    pub pool_token_supply: u64,
    pub last_update_epoch: u64,
    pub epoch_fee: Fee,
    pub tail: StakePoolTail,
    pub max_validators: u32,
    pub validators: Vec<Validator>,
    /// The raw pool account data (for the interface's quotes).
    pub data: Vec<u8>,
}

impl Pool {
    /// Fetches and decodes the pool at `address`, owned by `ctx.program_id`.
    pub async fn load(ctx: &Ctx, address: &Pubkey) -> Result<Self> {
        let account = ctx
            .account(address)
            .await?
            .ok_or_else(|| anyhow!("no account at {address}: is the pool address right?"))?;
        if account.owner != ctx.program_id {
            bail!(
                "{address} is owned by {}, not by the stake pool program {}: check --program-id",
                account.owner,
                ctx.program_id
            );
        }
        Self::decode(ctx, address, account.data).await
    }

    async fn decode(ctx: &Ctx, address: &Pubkey, data: Vec<u8>) -> Result<Self> {
        let (header, tail) =
            load_pool(&data).map_err(|_| anyhow!("{address} is not an initialized stake pool"))?;
        let accounts = PoolAccounts {
            program_id: ctx.program_id,
            stake_pool: *address,
            validator_list: header.validator_list,
            reserve_stake: header.reserve_stake,
            pool_mint: header.pool_mint,
            manager_fee_account: header.manager_fee_account,
            token_program_id: header.token_program_id,
        };
        let mut pool = Pool {
            address: *address,
            manager: header.manager,
            staker: header.staker,
            stake_deposit_authority: header.stake_deposit_authority,
            total_lamports: header.total_lamports(),
            pool_token_supply: header.pool_token_supply(),
            last_update_epoch: header.last_update_epoch(),
            epoch_fee: header.epoch_fee(),
            tail,
            accounts,
            max_validators: 0,
            validators: Vec::new(),
            data: data.clone(),
        };
        let mut list = ctx
            .account(&pool.accounts.validator_list)
            .await?
            .ok_or_else(|| {
                anyhow!(
                    "the pool's validator list {} is missing",
                    header.validator_list
                )
            })?
            .data;
        let list = ValidatorList::load_initialized(&mut list)
            .map_err(|_| anyhow!("{} is not a validator list", pool.accounts.validator_list))?;
        pool.max_validators = list.max_validators();
        pool.validators = list
            .all_entries()
            .map_err(|_| anyhow!("the validator list is malformed"))?
            .iter()
            .map(|entry| Validator {
                seeds: ValidatorSeeds {
                    vote: entry.vote_account_address,
                    validator_seed: entry.validator_seed(),
                    transient_seed: entry.transient_seed(),
                },
                active_stake_lamports: entry.active_stake_lamports(),
                transient_stake_lamports: entry.transient_stake_lamports(),
                last_update_epoch: entry.last_update_epoch(),
                status: entry.status_byte(),
            })
            .collect();
        Ok(pool)
    }

    pub fn validator(&self, vote: &Pubkey) -> Result<&Validator> {
        self.validators
            .iter()
            .find(|validator| validator.seeds.vote == *vote)
            .ok_or_else(|| anyhow!("validator {vote} is not in pool {}", self.address))
    }

    /// Refuses to go on when `signer` is not the pool's staker.
    pub fn require_staker(&self, signer: &Pubkey) -> Result<()> {
        if *signer != self.staker {
            bail!(
                "{signer} is not the staker of pool {} (the staker is {}): pass the staker's keypair",
                self.address,
                self.staker
            );
        }
        Ok(())
    }

    /// Refuses to go on when `signer` is not the pool's manager.
    pub fn require_manager(&self, signer: &Pubkey) -> Result<()> {
        if *signer != self.manager {
            bail!(
                "{signer} is not the manager of pool {} (the manager is {}): pass the manager's keypair",
                self.address,
                self.manager
            );
        }
        Ok(())
    }

    /// Refuses deposits and withdrawals into a pool the current epoch's update has not
    /// reached (the program would refuse them with `StakeListAndPoolOutOfDate`).
    pub fn require_current(&self, epoch: u64) -> Result<()> {
        if self.last_update_epoch < epoch {
            bail!(
                "pool {} is stale: last updated in epoch {}, the cluster is in epoch {epoch}; \
                 run `p-stake-pool update {}` first",
                self.address,
                self.last_update_epoch,
                self.address
            );
        }
        Ok(())
    }

    /// Lamports per whole pool token, as a decimal.
    pub fn exchange_rate(&self) -> Option<f64> {
        (self.pool_token_supply > 0)
            .then(|| self.total_lamports as f64 / self.pool_token_supply as f64)
    }

    pub fn json(&self, reserve_lamports: u64, epoch: u64) -> Value {
        let fee = |fee: &Fee| json!({"numerator": fee.numerator, "denominator": fee.denominator});
        json!({
            "address": self.address.to_string(),
            "programId": self.accounts.program_id.to_string(),
            "manager": self.manager.to_string(),
            "staker": self.staker.to_string(),
            "stakeDepositAuthority": self.stake_deposit_authority.to_string(),
            "solDepositAuthority": self.tail.sol_deposit_authority.map(|a| a.to_string()),
            "solWithdrawAuthority": self.tail.sol_withdraw_authority.map(|a| a.to_string()),
            "withdrawAuthority": self.accounts.withdraw_authority().to_string(),
            "validatorList": self.accounts.validator_list.to_string(),
            "reserveStake": self.accounts.reserve_stake.to_string(),
            "poolMint": self.accounts.pool_mint.to_string(),
            "managerFeeAccount": self.accounts.manager_fee_account.to_string(),
            "tokenProgramId": self.accounts.token_program_id.to_string(),
            "totalLamports": self.total_lamports,
            "poolTokenSupply": self.pool_token_supply,
            "lastUpdateEpoch": self.last_update_epoch,
            "currentEpoch": epoch,
            "stale": self.last_update_epoch < epoch,
            "reserveLamports": reserve_lamports,
            "lamportsPerPoolToken": self.exchange_rate(),
            "fees": {
                "epoch": fee(&self.epoch_fee),
                "stakeDeposit": fee(&self.tail.stake_deposit_fee),
                "solDeposit": fee(&self.tail.sol_deposit_fee),
                "stakeWithdrawal": fee(&self.tail.stake_withdrawal_fee),
                "solWithdrawal": fee(&self.tail.sol_withdrawal_fee),
                "stakeReferral": self.tail.stake_referral_fee,
                "solReferral": self.tail.sol_referral_fee,
            },
            "preferredDepositValidator": self.tail.preferred_deposit_validator.map(|a| a.to_string()),
            "preferredWithdrawValidator": self.tail.preferred_withdraw_validator.map(|a| a.to_string()),
            "maxValidators": self.max_validators,
            "validators": self.validators.iter().map(|validator| json!({
                "voteAccount": validator.seeds.vote.to_string(),
                "stakeAccount": validator.seeds.validator_stake(&self.accounts).to_string(),
                "transientStakeAccount": validator.seeds.transient_stake(&self.accounts).to_string(),
                "activeStakeLamports": validator.active_stake_lamports,
                "transientStakeLamports": validator.transient_stake_lamports,
                "lastUpdateEpoch": validator.last_update_epoch,
                "status": validator.status_name(),
            })).collect::<Vec<_>>(),
        })
    }

    pub fn display(&self, reserve_lamports: u64, epoch: u64) -> String {
        let fee = |fee: &Fee| format!("{}/{}", fee.numerator, fee.denominator);
        let mut text = format!(
            "Stake pool {}\n  program        {}\n  manager        {}\n  staker         {}\n  \
             mint           {}\n  reserve        {} ({} SOL)\n  total          {} SOL in {} validators\n  \
             supply         {} tokens\n  rate           {} SOL per token\n  updated        epoch {}{}\n  \
             fees           epoch {}, deposit SOL {} / stake {}, withdrawal SOL {} / stake {}, \
             referral SOL {}% / stake {}%\n",
            self.address,
            self.accounts.program_id,
            self.manager,
            self.staker,
            self.accounts.pool_mint,
            self.accounts.reserve_stake,
            format_amount(reserve_lamports),
            format_amount(self.total_lamports),
            self.validators.len(),
            format_amount(self.pool_token_supply),
            self.exchange_rate()
                .map(|rate| format!("{rate:.9}"))
                .unwrap_or_else(|| "-".into()),
            self.last_update_epoch,
            if self.last_update_epoch < epoch {
                format!(" (stale: the cluster is in epoch {epoch})")
            } else {
                String::new()
            },
            fee(&self.epoch_fee),
            fee(&self.tail.sol_deposit_fee),
            fee(&self.tail.stake_deposit_fee),
            fee(&self.tail.sol_withdrawal_fee),
            fee(&self.tail.stake_withdrawal_fee),
            self.tail.sol_referral_fee,
            self.tail.stake_referral_fee,
        );
        for validator in &self.validators {
            text.push_str(&format!(
                "  validator {}  active {} SOL  transient {} SOL  epoch {}  {}\n",
                validator.seeds.vote,
                format_amount(validator.active_stake_lamports),
                format_amount(validator.transient_stake_lamports),
                validator.last_update_epoch,
                validator.status_name()
            ));
        }
        text
    }
}

/// Every stake pool of `ctx.program_id` (accounts whose first byte is the pool type).
pub async fn all_pools(ctx: &Ctx) -> Result<Vec<Pool>> {
    let accounts = ctx
        .program_accounts(
            &ctx.program_id,
            vec![(
                0,
                vec![p_stake_pool_client::state::AccountType::StakePool as u8],
            )],
        )
        .await?;
    let mut pools = Vec::new();
    for (address, account) in accounts {
        if let Ok(pool) = Pool::decode(ctx, &address, account.data).await {
            pools.push(pool);
        }
    }
    pools.sort_by_key(|pool| pool.address.to_string());
    Ok(pools)
}
