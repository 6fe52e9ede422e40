// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/fdt"
)

// mailbox is the meeting point of a woken hart and [SMP], one per LOGICAL
// CPU, padded to 64 bytes; apentry (smp.s) reads it through the go_asm.h offsets.
type mailbox struct {
	fn     uint64 // entry point (ABI0 PC), stored last with release order; 0 = stay parked
	sp     uint64 // initial stack pointer (x2)
	g      uint64 // g0 (x27)
	base   uint64 // per-CPU area base (gp, x3), set before the hart is woken
	msip   uint64 // address of the hart's MSIP register, set before the hart is woken (in S-mode: only "woken")
	parked uint32 // set by the hart in its park loop, gp already set
	online uint32 // set by the hart at the end of its trampoline
	hart   uint64 // hart id, set before the hart is woken
	_      [8]byte
}

// hartSlot is where a hart waits from reset until it is woken, one per
// hart id below [HartTable]: the hart knows its mhartid, not its logical
// id, until [SMP.Wake] publishes its mailbox here.
type hartSlot struct {
	mailbox  uint64 // &mailboxes[cpu], stored last with release order; 0 = stay in the reset park
	msip     uint64 // address of the hart's MSIP register in its socket's CLINT
	mtimecmp uint64 // address of the hart's MTIMECMP register, 0 = unknown (WaitTimer does not sleep)
	misa     uint64 // set by a hart that lacks an extension the kernel needs, before it halts
}

// misaLacks returns why hart id halted at reset for want of an extension
// the kernel needs, "" if it did not.
func misaLacks(id uint64) string {
	if id >= HartTable {
		return ""
	}
	misa := atomic.LoadUint64(&hartSlots[id].misa)
	if misa == 0 {
		return ""
	}
	var lacks []byte
	for bit := 0; bit < 26; bit++ {
		if misaNeed&^misa&(1<<bit) != 0 {
			lacks = append(lacks, byte('a'+bit))
		}
	}
	return fmt.Sprintf("misa=%#x lacks %s (the kernel needs rv64%s): halted at reset", misa, lacks, isaNeed)
}

// Written by the harts in entry.s and smp.s, read by [SMP]. None of them is touched by
// the Go runtime before the harts use them: they live in .noptrbss, zero
// when QEMU loads the kernel.
var (
	mailboxes [MaxCPUs]mailbox
	hartSlots [HartTable]hartSlot

	lottery  uint32 // the first hart to swap in 1 is the boot hart
	bootHart uint64 // its mhartid
	nlost    uint32 // harts that halted at reset: mhartid not below HartTable
	lostHart uint64 // the mhartid of one of them

	// mtimeAddr is the CLINT mtime register the runtime clock reads:
	// the board's CLINT (_board_clint, set by cpuinit), then the boot
	// hart's socket's, once the device tree is read.
	mtimeAddr uint64
)

// defined in smp.s
func raise_msip(addr uint64)

// apentry is the reset park and AP entry of every hart but the boot hart
// (see smp.s). Never called from Go.
func apentry()

// SMP starts the harts of the machine, one Go scheduler M each: the
// [boot.Port] of the ISA.
type SMP struct{}

var _ boot.Port = (*SMP)(nil)

// machine is the description read once from the device tree the boot hart
// was handed at reset.
var machine struct {
	once  sync.Once
	err   error
	tree  *fdt.Tree
	harts []Hart
	byID  map[uint64]int // hart id -> index in harts
}

// describe reads the device tree at [BootFDT] once, and points the boot
// hart's timer at its own CLINT.
func describe() error {
	machine.once.Do(func() {
		b, err := fdt.At(BootFDT())
		if err == nil {
			machine.tree, err = fdt.Parse(b)
		}
		if err == nil {
			machine.harts, err = Harts(machine.tree)
		}
		if err != nil {
			machine.err = fmt.Errorf("riscv64: device tree from a1 at reset: %w", err)
			return
		}

		machine.byID = map[uint64]int{}

		for i, h := range machine.harts {
			machine.byID[h.ID] = i

			if h.ID == bootHart && h.CLINT != 0 {
				atomic.StoreUint64(&mtimeAddr, h.CLINT+clintMTIME)
				if h.ID < HartTable {
					atomic.StoreUint64(&hartSlots[h.ID].mtimecmp, h.MTIMECMP())
				}
			}
		}
	})

	return machine.err
}

// BootHart returns the hart id of the boot hart: the first hart to claim
// the boot lottery in cpuinit (every hart starts at the reset vector on
// QEMU virt with -bios none, as under OpenSBI's lottery), or in S-mode the
// hart the SBI firmware entered the kernel on (a0).
func BootHart() uint64 {
	return atomic.LoadUint64(&bootHart)
}

// HWIDName names the hardware id of a CPU in console lines.
func (*SMP) HWIDName() string {
	return "hart"
}

// CPUs returns every hart of the device tree's /cpus node, in tree order,
// the boot hart marked. Harts the tree marks disabled, without mmu-type,
// without an extension the kernel needs (rv64imafdc), with an id not below
// [HartTable] or served by no CLINT are Unusable, with the reason; so is a
// hart whose misa lacked an extension at reset (it halted in cpuinit).
func (*SMP) CPUs() ([]boot.CPU, error) {
	if err := describe(); err != nil {
		return nil, err
	}

	l, err := cpus(machine.harts, BootHart())
	if err != nil {
		return nil, err
	}

	for i := range l {
		if why := misaLacks(l[i].HWID); why != "" && !l[i].Boot && l[i].Unusable == "" {
			l[i].Unusable = why
		}
	}

	if n := atomic.LoadUint32(&nlost); n != 0 {
		described := false
		for _, c := range l {
			described = described || c.HWID == atomic.LoadUint64(&lostHart)
		}
		if !described {
			return l, fmt.Errorf("riscv64: %d harts with ids not below %d (riscv64.HartTable, e.g. hart %d) halted at reset and are not in the device tree",
				n, HartTable, atomic.LoadUint64(&lostHart))
		}
	}

	return l, nil
}

// Cmdline returns the kernel command line, /chosen/bootargs of the device
// tree ("" if none).
func (*SMP) Cmdline() string {
	if describe() != nil {
		return ""
	}
	return machine.tree.Bootargs()
}

// WakeMethod names the wake-up in messages.
func (*SMP) WakeMethod() string {
	return wakeMethod
}

// Wake releases the harts hwids[i], parked since reset in their slot of
// the hart table (or, in S-mode, stopped in the SBI firmware), into their
// park loop as logical CPUs cpus[i] with per-CPU area bases[i]. It fills
// every mailbox and slot first, publishing each mailbox with a
// store-release, then starts the harts back to back (start: raises each
// MSIP in the hart's own socket's CLINT, or calls SBI HSM hart_start), so
// that all harts leave at once. A hart sets gp, marks itself parked and
// sleeps until [SMP.Enter].
func (*SMP) Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error) {
	errs = make([]error, len(cpus))
	failed := false
	err := describe()

	for i, cpu := range cpus {
		hart := hwids[i]
		j, ok := machine.byID[hart]

		switch {
		case err != nil:
			errs[i] = err
		case cpu <= 0 || cpu >= MaxCPUs:
			errs[i] = fmt.Errorf("riscv64: logical cpu %d outside the mailboxes 1..%d", cpu, MaxCPUs-1)
		case !ok:
			errs[i] = fmt.Errorf("riscv64: hart %d is not in the device tree", hart)
		case machine.harts[j].Unusable != "":
			errs[i] = fmt.Errorf("riscv64: hart %d: %s", hart, machine.harts[j].Unusable)
		case misaLacks(hart) != "":
			errs[i] = fmt.Errorf("riscv64: hart %d: %s", hart, misaLacks(hart))
		case hart == BootHart():
			errs[i] = fmt.Errorf("riscv64: hart %d is the boot hart", hart)
		case atomic.LoadUint64(&hartSlots[hart].mailbox) != 0:
			errs[i] = fmt.Errorf("riscv64: hart %d was already woken", hart)
		}

		if errs[i] != nil {
			failed = true
			continue
		}

		h := &machine.harts[j]
		mb := &mailboxes[cpu]
		slot := &hartSlots[hart]

		mb.base = uint64(bases[i])
		mb.hart = hart
		mb.msip = h.MSIP()
		slot.msip = h.MSIP()
		slot.mtimecmp = h.MTIMECMP()
		atomic.StoreUint64(&slot.mailbox, uint64(uintptr(unsafe.Pointer(mb))))
	}

	for i := range cpus {
		if errs[i] == nil {
			errs[i] = start(hwids[i], &mailboxes[cpus[i]])
			failed = failed || errs[i] != nil
		}
	}

	if !failed {
		return nil
	}

	return
}

// Parked reports whether logical CPU cpu runs its park loop, gp set.
func (*SMP) Parked(cpu int) bool {
	return cpu >= 0 && cpu < MaxCPUs && atomic.LoadUint32(&mailboxes[cpu].parked) != 0
}

// Enter hands parked CPU cpu an M: it stores sp and g0, publishes fn with a
// store-release (the sequentially consistent atomic store of sync/atomic)
// and wakes the hart (kick: its MSIP, ACLINT v1.0, 2.1, behind a fence that
// orders the mailbox stores before the device store; or an SBI IPI). The
// hart sets SP and g (x27), marks itself online and jumps to fn.
//
// Enter runs inside goos.Task: it does not allocate, lock or store
// pointers.
func (*SMP) Enter(cpu int, sp, g0, fn uintptr) {
	if cpu <= 0 || cpu >= MaxCPUs {
		return
	}

	mb := &mailboxes[cpu]
	if mb.msip == 0 {
		return // never woken: Wake refused it
	}

	mb.sp = uint64(sp)
	mb.g = uint64(g0)
	atomic.StoreUint64(&mb.fn, uint64(fn))

	kick(mb)
}

// Prepare checks that n logical CPUs can be started.
func (*SMP) Prepare(n int) error {
	if n < 1 || n > MaxCPUs {
		return fmt.Errorf("riscv64: cannot start %d harts: the limit is %d (riscv64.MaxCPUs)", n, MaxCPUs)
	}

	return nil
}

// Online reports whether logical CPU cpu has left its park loop with its
// registers set, about to enter fn. The boot CPU (0) is always online.
func (*SMP) Online(cpu int) bool {
	switch {
	case cpu == 0:
		return true
	case cpu < 0 || cpu >= MaxCPUs:
		return false
	default:
		return atomic.LoadUint32(&mailboxes[cpu].online) != 0
	}
}
