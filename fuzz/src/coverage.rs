//! Edge coverage of the program under test, from the VM's register trace (register 11 is the
//! program counter): the signal that decides which inputs join the corpus, and the report of
//! how much of the program's code the campaign reached, overall and per instruction tag.

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashSet},
    rc::Rc,
};

use mollusk_svm::{InvocationInspectCallback, Mollusk};
use solana_program_runtime::invoke_context::{Executable, InvokeContext, RegisterTrace};
use solana_pubkey::Pubkey;
use solana_transaction_context::{
    instruction::InstructionContext, instruction_accounts::InstructionAccount,
};

const MAP_BITS: usize = 1 << 20;

/// Instruction names by tag, for the report.
const TAG_NAMES: [&str; 29] = [
    "Initialize",
    "AddValidatorToPool",
    "RemoveValidatorFromPool",
    "DecreaseValidatorStake",
    "IncreaseValidatorStake",
    "SetPreferredValidator",
    "UpdateValidatorListBalance",
    "UpdateStakePoolBalance",
    "CleanupRemovedValidatorEntries",
    "DepositStake",
    "WithdrawStake",
    "SetManager",
    "SetFee",
    "SetStaker",
    "DepositSol",
    "SetFundingAuthority",
    "WithdrawSol",
    "CreateTokenMetadata",
    "UpdateTokenMetadata",
    "IncreaseAdditionalValidatorStake",
    "DecreaseAdditionalValidatorStake",
    "DecreaseValidatorStakeWithReserve",
    "Redelegate",
    "DepositStakeWithSlippage",
    "WithdrawStakeWithSlippage",
    "DepositSolWithSlippage",
    "WithdrawSolWithSlippage",
    "RequestUnstake",
    "ClaimUnstake",
];

struct State {
    program_id: Pubkey,
    edges: Vec<u8>,
    found_new: bool,
    execution_pcs: HashSet<u64>,
    pcs: HashSet<u64>,
    per_tag: BTreeMap<u8, HashSet<u64>>,
    text_instructions: usize,
}

/// Shared between the VM callback and the fuzz loop.
#[derive(Clone)]
pub struct Coverage(Rc<RefCell<State>>);

impl Coverage {
    pub fn new(program_id: Pubkey) -> Self {
        Self(Rc::new(RefCell::new(State {
            program_id,
            edges: vec![0; MAP_BITS / 8],
            found_new: false,
            execution_pcs: HashSet::new(),
            pcs: HashSet::new(),
            per_tag: BTreeMap::new(),
            text_instructions: 0,
        })))
    }

    pub fn begin(&self) {
        let mut state = self.0.borrow_mut();
        state.found_new = false;
        state.execution_pcs.clear();
    }

    /// Ends an execution of an instruction with `tag`; true when it reached a new edge.
    pub fn end(&self, tag: Option<u8>) -> bool {
        let mut state = self.0.borrow_mut();
        let pcs: Vec<u64> = state.execution_pcs.drain().collect();
        if let Some(tag) = tag {
            state
                .per_tag
                .entry(tag)
                .or_default()
                .extend(pcs.iter().copied());
        }
        state.pcs.extend(pcs);
        state.found_new
    }

    fn record(&self, executable: &Executable, trace: RegisterTrace) {
        let mut state = self.0.borrow_mut();
        if state.text_instructions == 0 {
            state.text_instructions = executable.get_text_bytes().1.len() / 8;
        }
        let mut previous = 0u64;
        for registers in trace {
            let pc = registers[11];
            let edge = (previous.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ pc) as usize % MAP_BITS;
            let (byte, bit) = (edge / 8, 1u8 << (edge % 8));
            if state.edges[byte] & bit == 0 {
                state.edges[byte] |= bit;
                state.found_new = true;
            }
            state.execution_pcs.insert(pc);
            previous = pc;
        }
    }

    pub fn report(&self) {
        let state = self.0.borrow();
        let total = state.text_instructions.max(1);
        let edges: u32 = state.edges.iter().map(|b| b.count_ones()).sum();
        println!(
            "coverage: {} of {} program instructions ({:.1}%), {edges} edges",
            state.pcs.len(),
            total,
            100.0 * state.pcs.len() as f64 / total as f64
        );
        let mut unknown: HashSet<u64> = HashSet::new();
        for (tag, pcs) in &state.per_tag {
            match TAG_NAMES.get(*tag as usize) {
                Some(name) => println!("  tag {tag:>2} {name}: {} instructions reached", pcs.len()),
                None => unknown.extend(pcs),
            }
        }
        println!(
            "  tags 29-255 (no such instruction): {} instructions reached",
            unknown.len()
        );
    }

    /// The callback mollusk calls around each top-level instruction.
    pub fn callback(&self) -> Box<dyn InvocationInspectCallback> {
        Box::new(Callback(self.clone()))
    }
}

struct Callback(Coverage);

impl InvocationInspectCallback for Callback {
    fn before_invocation(
        &self,
        _: &Mollusk,
        _: &Pubkey,
        _: &[u8],
        _: &[InstructionAccount],
        _: &mut InvokeContext,
        _: bool,
    ) {
    }

    fn after_invocation(&self, _: &Mollusk, invoke_context: &InvokeContext, _: bool) {
        let program_id = self.0 .0.borrow().program_id;
        invoke_context.iterate_vm_traces(
            &|instruction_context: InstructionContext,
              executable: &Executable,
              trace: RegisterTrace| {
                if instruction_context.get_program_key().ok() == Some(&program_id) {
                    self.0.record(executable, trace);
                }
            },
        );
    }
}
