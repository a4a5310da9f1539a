#!/usr/bin/env python3
"""Refuses an SBPF v0 program that would touch a stack-frame gap.

    scripts/check-sbf.py target/deploy/p_stake_pool.so

On a cluster where `virtual_address_space_adjustments` (SIMD-0460) is not active — mainnet-beta
today — SBPF v0 programs run with 4 KiB gaps between stack frames: frame N spans
[r10 - 4096, r10) and the next 4 KiB are unmapped. Any load or store at r10 + k (k >= 0) faults
with "Access violation in stack frame". LLVM 23's BPF backend passes a sixth and later
argument through the stack and sbpf-linker 0.2.6 rewrites the caller's stores to [r10 + k],
which assumes a gap-free stack; a binary with such a store runs where SIMD-0460 is active and
faults on mainnet. The program therefore keeps every call at five machine arguments or fewer,
and this check proves the binary has no access above its frame pointer (nor a frame-pointer
copy moved upwards), so it runs the same with and without gaps.

SBPF v1 and later (e_flags >= 1) use dynamic stack frames without gaps: nothing to check.
Exits 1 and lists the offending instructions when the check fails.
"""
import struct
import sys

FRAME_POINTER = 10
LOADS = {0x61: 4, 0x69: 2, 0x71: 1, 0x79: 8}  # ldxw, ldxh, ldxb, ldxdw [src + off]
STORES = {0x62: 4, 0x6A: 2, 0x72: 1, 0x7A: 8,  # st{w,h,b,dw} [dst + off], imm
          0x63: 4, 0x6B: 2, 0x73: 1, 0x7B: 8}  # stx{w,h,b,dw} [dst + off], src
LDDW = 0x18
MOV64_REG = 0xBF
ADD64_IMM = 0x07
SHF_EXECINSTR = 0x4


def text_sections(elf):
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        sys.exit("check-sbf: not a little-endian ELF64 file")
    e_flags, = struct.unpack_from("<I", elf, 0x30)
    e_shoff, = struct.unpack_from("<Q", elf, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = []
    for index in range(e_shnum):
        base = e_shoff + index * e_shentsize
        _, _, flags, address, offset, size = struct.unpack_from("<IIQQQQ", elf, base)
        if flags & SHF_EXECINSTR:
            sections.append((address, elf[offset:offset + size]))
    return e_flags, sections


def gap_accesses(code, address):
    """Instructions that reach above the frame pointer, as (address, text)."""
    found = []
    frame_copies = set()  # registers holding r10 unchanged since the copy
    position = 0
    while position + 8 <= len(code):
        opcode, registers, offset, immediate = struct.unpack_from("<BBhi", code, position)
        dst, src = registers & 0x0F, registers >> 4
        at = address + position
        if opcode in LOADS and src == FRAME_POINTER and offset >= 0:
            found.append((at, f"load of {LOADS[opcode]} bytes from [r10 + {offset}]"))
        elif opcode in STORES and dst == FRAME_POINTER and offset >= 0:
            found.append((at, f"store of {STORES[opcode]} bytes to [r10 + {offset}]"))
        if opcode == MOV64_REG and src == FRAME_POINTER:
            frame_copies.add(dst)
        elif opcode == ADD64_IMM and dst in frame_copies and immediate >= 0:
            found.append((at, f"r{dst} = r10 + {immediate}"))
            frame_copies.discard(dst)
        elif opcode & 0x07 in (0x04, 0x05, 0x06, 0x07) or opcode == LDDW:
            # Any other ALU write, jump, call or exit ends what we know of copies.
            frame_copies.discard(dst)
            if opcode & 0x07 == 0x05:
                frame_copies.clear()
        elif opcode in LOADS:
            frame_copies.discard(dst)
        position += 16 if opcode == LDDW else 8
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    with open(path, "rb") as f:
        elf = f.read()
    e_flags, sections = text_sections(elf)
    if e_flags != 0:
        print(f"check-sbf: {path}: SBPF v{e_flags}, dynamic stack frames without gaps: ok")
        return
    if not sections:
        sys.exit(f"check-sbf: {path}: no executable section")
    instructions = sum(len(code) // 8 for _, code in sections)
    found = [hit for address, code in sections for hit in gap_accesses(code, address)]
    if found:
        print(f"check-sbf: {path}: {len(found)} instruction(s) reach above the frame pointer "
              "and would fault in mainnet's stack-frame gaps:", file=sys.stderr)
        for at, text in found[:40]:
            print(f"  {at:#08x}  {text}", file=sys.stderr)
        print("A function takes more than five machine arguments (count the result pointer and "
              "two per slice); pass a struct by reference instead.", file=sys.stderr)
        sys.exit(1)
    print(f"check-sbf: {path}: SBPF v0, {instructions} instructions, none above the frame "
          "pointer: runs with and without stack-frame gaps")


if __name__ == "__main__":
    main()
