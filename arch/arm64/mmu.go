// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/mmu.go (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64

package arm64

import "github.com/tamago-smp/kernel/internal/fdt"

// The identity map, built by mmu_build (mmu.s) on the boot CPU before any Go
// code runs, and loaded by every CPU with mmu_on.
//
// With a 4 KiB granule and T0SZ = 25 (39-bit addresses) a walk starts at
// level 1, where each of 512 entries maps 1 GiB (Arm ARM, D8 The AArch64
// Virtual Memory System Architecture, translation granule and starting
// level). Two tables are enough:
//
//	L1[0]      -> L2: the first GiB in 2 MiB blocks
//	L2[0]      invalid: a nil pointer dereference (and any access below
//	           2 MiB) faults and is reported by the exception vectors
//	L2[1..511] device memory, execute never (on QEMU virt: flash, GIC, UART)
//	L1[1..511] 1 GiB blocks: normal memory if the block overlaps RAM
//	           (runtime/goos.RamStart, RamSize), device memory otherwise
//
// A block that holds the device tree the board names (_early_dtb, up to
// dtbMaxSize) is normal memory too, wherever the firmware put it: Go code
// reads the tree with unaligned accesses, which fault on device memory.
//
// Normal memory is inner shareable write-back cacheable: LDP/STP, DC ZVA and
// exclusives work, which Device memory (what a CPU sees with the MMU off)
// does not allow for unaligned or cacheable accesses.
const (
	pageSize   = 4096
	dtbMaxSize = fdt.MaxSize

	tableSize = 512 // entries per table

	l1Shift = 30 // 1 GiB blocks
	l2Shift = 21 // 2 MiB blocks
)

// Block and table descriptors (Arm ARM, VMSAv8-64 translation table format
// descriptors, and Stage 1 memory attributes).
const (
	TTE_BLOCK = 0b01 // level 1/2 block descriptor
	TTE_TABLE = 0b11 // next-level table descriptor

	TTE_ATTR = 2  // AttrIndx[2:0]: index into MAIR_ELx
	TTE_AP   = 6  // AP[2:1]: AP[1] is RES1 in the EL2 regime, EL0 access at EL1
	TTE_SH   = 8  // SH[1:0]: shareability
	TTE_AF   = 10 // access flag: set, or the first access faults (no hardware AF update)
	TTE_PXN  = 53 // privileged execute never
	TTE_UXN  = 54 // unprivileged execute never (XN in the EL2 regime)

	TTE_OUTER_SH = 0b10
	TTE_INNER_SH = 0b11

	// MAIR attribute indexes
	deviceAttrIndex = 0
	normalAttrIndex = 1

	normalBlock = 1<<TTE_AF | TTE_INNER_SH<<TTE_SH | normalAttrIndex<<TTE_ATTR | TTE_BLOCK
	deviceBlock = 1<<TTE_UXN | 1<<TTE_PXN | 1<<TTE_AF | TTE_OUTER_SH<<TTE_SH | deviceAttrIndex<<TTE_ATTR | TTE_BLOCK

	// AP[1] for the EL2 regime (RES1). At EL1 AP[2:1] stays 0b00, read/write
	// at EL1 and no EL0 access: a page writable at EL0 would be implicitly
	// privileged execute never.
	apEL2 = 1 << TTE_AP
)

// MAIR_ELx, Memory Attribute Indirection Register (Arm ARM, MAIR_EL2 and
// MAIR_EL1): the same two attributes as TamaGo.
const (
	// Device-nGnRnE
	DeviceRegion = 0b00000000
	// Normal, Inner/Outer Write-Back Non-transient, Read/Write-Allocate
	MemoryRegion = 0b11111111

	mair = MemoryRegion<<(8*normalAttrIndex) | DeviceRegion<<(8*deviceAttrIndex)
)

// TCR_EL2 and TCR_EL1, Translation Control Registers (Arm ARM, TCR_EL2 with
// HCR_EL2.E2H == 0, and TCR_EL1). TTBR0 walks are the same in both: 4 KiB
// granule, inner shareable, write-back cacheable, 39-bit addresses.
const (
	TCR_T0SZ  = 0
	TCR_IRGN0 = 8
	TCR_ORGN0 = 10
	TCR_SH0   = 12
	TCR_TG0   = 14
	TCR_PS    = 16 // TCR_EL2: physical address size
	TCR_EPD1  = 23 // TCR_EL1: no TTBR1 walks
	TCR_TG1   = 30 // TCR_EL1: TTBR1 granule, 0b10 = 4 KiB
	TCR_IPS   = 32 // TCR_EL1: intermediate physical address size

	tcrTTBR0 = 0b11<<TCR_SH0 | 0b01<<TCR_ORGN0 | 0b01<<TCR_IRGN0 | 0b00<<TCR_TG0 | 25<<TCR_T0SZ

	// 40-bit physical addresses (PS = 0b010), RES1 bits 31 and 23
	tcrEL2 = 1<<31 | 1<<23 | 0b010<<TCR_PS | tcrTTBR0
	// 40-bit intermediate physical addresses, TTBR1 disabled
	tcrEL1 = 0b010<<TCR_IPS | 0b10<<TCR_TG1 | 1<<TCR_EPD1 | tcrTTBR0
)

// SCTLR_EL2 and SCTLR_EL1, System Control Registers (Arm ARM, SCTLR_EL2 with
// HCR_EL2.E2H == 0, and SCTLR_EL1): written whole, so alignment checks (A),
// WXN and big-endian (EE) are off.
const (
	SCTLR_M = 0  // MMU on
	SCTLR_C = 2  // data cache on
	SCTLR_I = 12 // instruction cache on

	sctlrOn = 1<<SCTLR_I | 1<<SCTLR_C | 1<<SCTLR_M

	// RES1 bits 29, 28, 23, 22, 18, 16, 11, 5, 4 (Armv8.0)
	sctlrEL2 = 0x30c50830 | sctlrOn
	// RES1 bits 29, 28, 23, 22, 20, 11 (Armv8.0)
	sctlrEL1 = 0x30d00800 | sctlrOn
)

var (
	// pageTables holds the L1 and L2 tables, 4 KiB aligned by mmu_build
	// (cmd/link aligns data to 32 bytes at most, hence the spare page).
	pageTables [3 * tableSize]uint64

	// ttbr is the address of the L1 table, set by mmu_build and loaded
	// into TTBR0 by every CPU.
	ttbr uint64
)
