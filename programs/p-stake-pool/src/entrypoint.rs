//! Program entrypoint: reads the tag and hands the rest of the data to the instruction.

use pinocchio::{error::ProgramError, AccountView, Address, ProgramResult};

use crate::{
    instruction::{self as ix, tag, Invocation},
    log,
};

/// On-chain: the entrypoint symbol, no heap, and panics reported through `sol_panic_`.
/// Off-chain builds of the same crate get std's panic handler from the same macros.
mod runtime {
    pinocchio::program_entrypoint!(super::process_instruction);
    pinocchio::no_allocator!();
    pinocchio::nostd_panic_handler!();
}

/// Dispatches one instruction. The hottest instructions come first. Inlined into the
/// entrypoint: as a call it would take six machine arguments (the result pointer, the program
/// id, two slices), one more than SBPF v0 passes in registers (see `Invocation`).
#[inline(always)]
pub fn process_instruction(
    program_id: &Address,
    accounts: &mut [AccountView],
    instruction_data: &[u8],
) -> ProgramResult {
    let result = dispatch(program_id, accounts, instruction_data);
    if let Err(ProgramError::Custom(code)) = &result {
        log(crate::error::log_line(*code));
    }
    result
}

#[inline(always)]
fn dispatch(
    program_id: &Address,
    accounts: &mut [AccountView],
    instruction_data: &[u8],
) -> ProgramResult {
    let Some((&instruction_tag, data)) = instruction_data.split_first() else {
        return Err(ProgramError::BorshIoError);
    };
    let invocation = Invocation {
        program_id,
        accounts,
        data,
    };
    match instruction_tag {
        tag::DEPOSIT_SOL | tag::DEPOSIT_SOL_WITH_SLIPPAGE => {
            let with_slippage = instruction_tag == tag::DEPOSIT_SOL_WITH_SLIPPAGE;
            ix::deposit_sol::process(invocation, with_slippage)
        }
        tag::WITHDRAW_SOL | tag::WITHDRAW_SOL_WITH_SLIPPAGE => {
            let with_slippage = instruction_tag == tag::WITHDRAW_SOL_WITH_SLIPPAGE;
            ix::withdraw_sol::process(invocation, with_slippage)
        }
        tag::UPDATE_VALIDATOR_LIST_BALANCE => {
            ix::update_validator_list_balance::process(invocation)
        }
        tag::UPDATE_STAKE_POOL_BALANCE => ix::update_stake_pool_balance::process(invocation),
        tag::INITIALIZE => ix::initialize::process(invocation),
        tag::CLEANUP_REMOVED_VALIDATOR_ENTRIES => {
            ix::cleanup_removed_validator_entries::process(invocation)
        }
        tag::SET_MANAGER => ix::set_manager::process(invocation),
        tag::SET_FEE => ix::set_fee::process(invocation),
        tag::SET_STAKER => ix::set_staker::process(invocation),
        tag::SET_FUNDING_AUTHORITY => ix::set_funding_authority::process(invocation),
        tag::REDELEGATE => {
            log("Redelegate will not be enabled");
            Err(ProgramError::InvalidInstructionData)
        }
        tag::ADD_VALIDATOR_TO_POOL => ix::add_validator_to_pool::process(invocation),
        tag::REMOVE_VALIDATOR_FROM_POOL => ix::remove_validator_from_pool::process(invocation),
        tag::INCREASE_VALIDATOR_STAKE | tag::INCREASE_ADDITIONAL_VALIDATOR_STAKE => {
            let additional = instruction_tag == tag::INCREASE_ADDITIONAL_VALIDATOR_STAKE;
            ix::increase_validator_stake::process(invocation, additional)
        }
        tag::DECREASE_VALIDATOR_STAKE_WITH_RESERVE
        | tag::DECREASE_ADDITIONAL_VALIDATOR_STAKE
        | tag::DECREASE_VALIDATOR_STAKE => {
            use ix::decrease_validator_stake::Variant;
            let variant = match instruction_tag {
                tag::DECREASE_VALIDATOR_STAKE_WITH_RESERVE => Variant::WithReserve,
                tag::DECREASE_ADDITIONAL_VALIDATOR_STAKE => Variant::Additional,
                _ => {
                    log("DecreaseValidatorStake is deprecated: use DecreaseValidatorStakeWithReserve");
                    Variant::Legacy
                }
            };
            ix::decrease_validator_stake::process(invocation, variant)
        }
        tag::SET_PREFERRED_VALIDATOR => ix::set_preferred_validator::process(invocation),
        tag::DEPOSIT_STAKE | tag::DEPOSIT_STAKE_WITH_SLIPPAGE => {
            let with_slippage = instruction_tag == tag::DEPOSIT_STAKE_WITH_SLIPPAGE;
            ix::deposit_stake::process(invocation, with_slippage)
        }
        tag::WITHDRAW_STAKE | tag::WITHDRAW_STAKE_WITH_SLIPPAGE => {
            let with_slippage = instruction_tag == tag::WITHDRAW_STAKE_WITH_SLIPPAGE;
            ix::withdraw_stake::process(invocation, with_slippage)
        }
        tag::CREATE_TOKEN_METADATA => ix::create_token_metadata::process(invocation),
        tag::UPDATE_TOKEN_METADATA => ix::update_token_metadata::process(invocation),
        tag::REQUEST_UNSTAKE => ix::request_unstake::process(invocation),
        tag::CLAIM_UNSTAKE => ix::claim_unstake::process(invocation),
        // Not a StakePoolInstruction variant: the reference's Borsh decode fails the same way.
        _ => Err(ProgramError::BorshIoError),
    }
}
