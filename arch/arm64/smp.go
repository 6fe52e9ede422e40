// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/fdt"
	"github.com/tamago-smp/kernel/linker"
)

// MaxCPUs is the number of CPUs this package keeps a mailbox for, logical
// ids 0..MaxCPUs-1: the capacity of the per-CPU region (go_asm.h carries it
// to the assembly as const_MaxCPUs).
const MaxCPUs = linker.MaxCPUs

// areaAlign is the alignment of the per-CPU areas: cpuinit points the boot
// CPU's register at _percpu_start rounded up to it (area 0).
const areaAlign = linker.AreaAlign

// States of an AP in its mailbox (apentry, smp.s). Every state but 0
// means the AP has run with its per-CPU register set: it is parked.
const (
	stateParked   = 1 // register set, waiting in the park loop for fn (AP)
	stateOnline   = 2 // left the park loop, about to jump to fn (AP)
	stateAsleep   = 3 // parked, powering itself off with CPU_OFF (AP)
	stateReleased = 4 // fn published while the AP waits in its park loop (Enter)
	stateWaking   = 5 // fn published, powering the AP on again (Enter)
)

// parkTicks is how long, in generic timer ticks, a parked AP started with
// PSCI waits for Enter with WFE before it powers itself off (apentry); ^0
// is never. Set by Wake before the first CPU_ON, copied into each mailbox.
var parkTicks uint64 = ^uint64(0)

// psciHVC is 1 when the APs reach PSCI with HVC, 0 with SMC: set by Wake
// for apentry's CPU_OFF.
var psciHVC uint32

// hwidValid marks an entry of cpuHWID as written.
const hwidValid = 1 << 63

// mailbox is what one AP's entry trampoline (apentry, smp.s) shares with
// the boot CPU: PSCI CPU_ON hands its address to the AP in X0. 64 bytes per
// CPU; apentry reads it through the go_asm.h offsets, only once its MMU and
// caches are on, so that both sides see it coherently.
type mailbox struct {
	sp    uint64 // top of g0's stack, written by Enter
	g0    uint64 // runtime g0 of the M (R28), written by Enter
	fn    uint64 // runtime·mstart (ABI0): non-zero releases the AP (store-release)
	base  uint64 // per-CPU area, written by Wake, loaded into TPIDR_EL2 or TPIDR_EL1
	state uint32 // 0 or a state* constant
	park  uint64 // parkTicks for a PSCI CPU, ^0 for a spin-table one (no CPU_OFF)
	_     [16]byte
}

var mailboxes [MaxCPUs]mailbox

// cpuHWID maps logical CPU ids to MPIDR affinities, hwidValid set on the
// entries written: entry 0 by cpuinit (the boot CPU), the others by Wake
// before CPU_ON. The exception vectors and [SMP.ID] search it for the
// calling CPU's MPIDR.
var cpuHWID [MaxCPUs]uint64

// startBusy is the status of cpuOn for a mailbox already used: not a PSCI
// return code.
const startBusy = 2

// defined in smp.s
func apentry()
func apentry_pc() uint64
func apentry_spin_pc() uint64
func spin_release(addr, entry uint64)
func read_mpidr() uint64
func dcache_clean(addr, size uint64)
func sev()

// SMP starts the secondary CPUs with PSCI CPU_ON or from a spin table, one
// Go scheduler M each: the [boot.Port] of the ISA.
//
// The CPUs are the ones the device tree at DTB describes (/cpus, with their
// MPIDR affinity as reg and enable-method "psci" or "spin-table" with a
// cpu-release-addr); its /psci node names the conduit. Logical CPU ids are
// given by package boot, the boot CPU first; [SMP.Wake] receives each CPU's
// MPIDR with it.
type SMP struct {
	// PSCI reaches the firmware (QEMU itself on virt). With
	// ConduitAuto the /psci method of the device tree chooses SMC or
	// HVC; without one, the exception level does.
	PSCI PSCI

	// DTB is the address of the flattened device tree (QEMU virt:
	// the start of RAM for an ELF kernel), 0 if there is none.
	DTB uintptr

	// ParkOff is how long a parked AP waits for Enter with WFE before
	// it powers itself off with PSCI CPU_OFF, to be powered on again by
	// Enter: QEMU's WFE does not sleep, so a parked vCPU would spin on
	// the host. 0 means DefaultParkOff, a negative value never (WFE
	// only). The kernel command line option arm64.parkoff overrides it.
	ParkOff time.Duration

	described bool
	tree      *fdt.Tree
	cpus      []boot.CPU
	release   []uint64 // cpu-release-addr of s.cpus[i], 0 for PSCI
	descErr   error
}

var _ boot.Port = (*SMP)(nil)

// describe reads the device tree once: the CPUs, and the PSCI conduit if
// the tree names one and PSCI.Conduit is ConduitAuto.
func (s *SMP) describe() error {
	if s.described {
		return s.descErr
	}

	s.described = true

	if s.DTB == 0 {
		s.descErr = errors.New("arm64: no device tree (SMP.DTB is 0)")
		return s.descErr
	}

	b, err := fdt.At(s.DTB)
	if err != nil {
		s.descErr = fmt.Errorf("arm64: %w", err)
		return s.descErr
	}

	if s.tree, err = fdt.Parse(b); err != nil {
		s.descErr = fmt.Errorf("arm64: device tree at %#x: %w", s.DTB, err)
		return s.descErr
	}

	if s.PSCI.Conduit == ConduitAuto {
		switch m, err := conduitFromTree(s.tree); {
		case err != nil:
			s.descErr = fmt.Errorf("arm64: device tree at %#x: %w", s.DTB, err)
			return s.descErr
		case m == "smc":
			s.PSCI.Conduit = ConduitSMC
		case m == "hvc":
			s.PSCI.Conduit = ConduitHVC
		}
	}

	if s.cpus, s.release, err = cpusFromTree(s.tree, read_mpidr()&mpidrAffinity); err != nil {
		s.descErr = fmt.Errorf("arm64: device tree at %#x: %w", s.DTB, err)
		return s.descErr
	}

	if d, r, rsize, ok := gicv3FromTree(s.tree); ok {
		gicInit(d, r, rsize)
	}

	if v, ok := cmdlineOption(s.tree.Bootargs(), ParkOffOption); ok {
		if s.ParkOff, err = parseParkOff(v); err != nil {
			s.descErr = fmt.Errorf("arm64: kernel command line: %w", err)
			return s.descErr
		}
	}

	return nil
}

// setParkTicks converts the park time to counter ticks for apentry.
func (s *SMP) setParkTicks() {
	d := s.ParkOff
	if d == 0 {
		d = DefaultParkOff
	}

	ticks := ^uint64(0)
	if d >= 0 {
		ticks = uint64(d.Microseconds()) * uint64(read_cntfrq()) / 1e6
	}

	atomic.StoreUint64(&parkTicks, ticks)
}

// HWIDName names the hardware id of a CPU in console lines.
func (s *SMP) HWIDName() string {
	return "mpidr"
}

// CPUs returns the CPUs of the device tree's /cpus node, in its order, with
// their MPIDR affinity as hardware id; the boot CPU is the one whose
// affinity is its own MPIDR_EL1's.
func (s *SMP) CPUs() ([]boot.CPU, error) {
	if err := s.describe(); err != nil {
		return nil, err
	}

	return append([]boot.CPU(nil), s.cpus...), nil
}

// Cmdline returns /chosen/bootargs of the device tree (QEMU -append), "" if
// there is none.
func (s *SMP) Cmdline() string {
	if s.describe() != nil && s.tree == nil {
		return ""
	}

	return s.tree.Bootargs()
}

// WakeMethod names the wake-up for messages: "PSCI CPU_ON", "the spin
// table" or both, as the device tree's usable APs say.
func (s *SMP) WakeMethod() string {
	psci, spin := false, false
	for i, c := range s.cpus {
		if !c.Boot && c.Unusable == "" {
			psci = psci || s.release[i] == 0
			spin = spin || s.release[i] != 0
		}
	}

	switch {
	case spin && psci:
		return "PSCI CPU_ON or the spin table"
	case spin:
		return "the spin table"
	}
	return "PSCI CPU_ON"
}

// ID returns the logical id of the calling CPU, found by its MPIDR_EL1
// affinity among the CPUs woken so far, or -1. The result is only stable
// while the goroutine cannot move to another CPU.
//
//go:nosplit
func (s *SMP) ID() int {
	return cpuID()
}

//go:nosplit
func cpuID() int {
	self := read_mpidr()&mpidrAffinity | hwidValid

	for cpu := range cpuHWID {
		if atomic.LoadUint64(&cpuHWID[cpu]) == self {
			return cpu
		}
	}

	return -1
}

// Prepare checks that n CPUs fit the mailboxes and reads the device tree.
// It cleans the identity map's address to the point of coherency, since
// APs read it with their caches off (a no-op under QEMU, which models no
// caches).
func (s *SMP) Prepare(n int) error {
	if n < 1 || n > MaxCPUs {
		return fmt.Errorf("arm64: cannot start %d CPUs: the limit is %d (linker.MaxCPUs)", n, MaxCPUs)
	}

	if err := s.describe(); err != nil && n > 1 {
		return err
	}

	s.setParkTicks()
	dcache_clean(uint64(uintptr(unsafe.Pointer(&ttbr))), 8)

	return nil
}

// Wake powers on logical CPUs cpus[i], with MPIDR affinity hwids[i], with
// PSCI CPU_ON or by releasing them from their spin table (spinRelease),
// back to back: each AP runs apentry with its mailbox, sets its
// per-CPU register to bases[i] before anything else Go-visible, marks itself
// parked and waits for [SMP.Enter] (with WFE, then powered off: see
// apentry). errs[i] names a CPU_ON failure, for
// example "PSCI CPU_ON cpu 3 (mpidr 0x3): ALREADY_ON (-4)".
func (s *SMP) Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error) {
	errs = make([]error, len(cpus))

	// the device tree names the conduit; without one, the exception
	// level chooses it
	_ = s.describe()
	s.setParkTicks()

	dcache_clean(uint64(uintptr(unsafe.Pointer(&ttbr))), 8)

	for i, cpu := range cpus {
		switch {
		case i >= len(hwids) || i >= len(bases):
			errs[i] = fmt.Errorf("arm64: cpu %d: no hardware id or area base (%d ids, %d bases for %d CPUs)", cpu, len(hwids), len(bases), len(cpus))
			continue
		case cpu <= 0 || cpu >= MaxCPUs:
			errs[i] = fmt.Errorf("arm64: cpu %d (mpidr %#x): no mailbox, logical ids of APs are 1..%d (linker.MaxCPUs)", cpu, hwids[i], MaxCPUs-1)
			continue
		case hwids[i]&^mpidrAffinity != 0:
			errs[i] = fmt.Errorf("arm64: cpu %d: mpidr %#x has bits outside the affinity fields (mask %#x)", cpu, hwids[i], uint64(mpidrAffinity))
			continue
		}

		if addr := s.releaseAddr(hwids[i]); addr != 0 {
			if !s.spinRelease(cpu, hwids[i], bases[i], addr) {
				errs[i] = fmt.Errorf("arm64: cpu %d (mpidr %#x) was already started", cpu, hwids[i])
			}
			continue
		}

		if st := s.cpuOn(cpu, hwids[i], bases[i]); st != 0 {
			errs[i] = s.cpuOnError(cpu, hwids[i], st)
		}
	}

	return
}

// releaseAddr returns the cpu-release-addr of the CPU with MPIDR affinity
// hwid, 0 if it is started with PSCI.
func (s *SMP) releaseAddr(hwid uint64) uint64 {
	for i, c := range s.cpus {
		if c.HWID == hwid && i < len(s.release) {
			return s.release[i]
		}
	}
	return 0
}

// spinRelease fills the mailbox of logical CPU cpu and releases it from
// the firmware's spin table at addr into apentry_spin, which finds the
// mailbox by its MPIDR in cpuHWID: the spin table hands over no argument
// (Documentation/arm64/booting.rst, "Call the kernel image": spin-table;
// the Pi's armstub8 zeroes X0-X3). It parks with WFE only, since it cannot
// power itself off. It reports false if the mailbox was already used.
func (s *SMP) spinRelease(cpu int, hwid uint64, base uintptr, addr uint64) bool {
	mb := &mailboxes[cpu]

	if atomic.LoadUint32(&mb.state) != 0 || atomic.LoadUint64(&cpuHWID[cpu]) != 0 {
		return false
	}

	mb.base = uint64(base)
	mb.park = ^uint64(0)
	atomic.StoreUint64(&cpuHWID[cpu], hwid|hwidValid)

	spin_release(addr, apentry_spin_pc())

	return true
}

// cpuOn fills the mailbox of logical CPU cpu and powers it on with PSCI
// CPU_ON at apentry. It returns the PSCI status, or startBusy.
func (s *SMP) cpuOn(cpu int, hwid uint64, base uintptr) int64 {
	mb := &mailboxes[cpu]

	if s.PSCI.hvc() {
		atomic.StoreUint32(&psciHVC, 1)
	}

	if atomic.LoadUint32(&mb.state) != 0 || atomic.LoadUint64(&cpuHWID[cpu]) != 0 {
		return startBusy
	}

	mb.base = uint64(base)
	mb.park = atomic.LoadUint64(&parkTicks)
	atomic.StoreUint64(&cpuHWID[cpu], hwid|hwidValid)

	return s.PSCI.CPUOn(hwid, apentry_pc(), uint64(uintptr(unsafe.Pointer(mb))))
}

func (s *SMP) cpuOnError(cpu int, hwid uint64, status int64) error {
	if status == startBusy {
		return fmt.Errorf("arm64: cpu %d (mpidr %#x) was already started", cpu, hwid)
	}

	return fmt.Errorf("PSCI CPU_ON cpu %d (mpidr %#x): %w", cpu, hwid, PSCIError(status))
}

// Parked reports whether logical CPU cpu has answered: it ran its entry
// code up to its park loop, per-CPU register set (it may since have powered
// itself off until Enter, or left the loop).
//
//go:nosplit
func (s *SMP) Parked(cpu int) bool {
	if cpu <= 0 || cpu >= MaxCPUs {
		return cpu == 0
	}

	return atomic.LoadUint32(&mailboxes[cpu].state) != 0
}

// Enter releases parked CPU cpu into the Go scheduler: it publishes sp, g0
// and fn in the mailbox, fn last with a store-release. An AP still in its
// park loop is released with SEV; an AP that powered itself off is powered
// on again with PSCI CPU_ON (retried while PSCI answers ALREADY_ON or
// ON_PENDING, which it does while the AP is still on its way off). Either
// way the AP sets SP and g, marks itself online and jumps to fn.
//
// Enter runs inside goos.Task: it allocates nothing, takes no lock, stores
// no pointer and only busy-waits. A CPU_ON that fails otherwise leaves the
// CPU offline, which package boot reports.
//
//go:nosplit
func (s *SMP) Enter(cpu int, sp, g0, fn uintptr) {
	if cpu <= 0 || cpu >= MaxCPUs {
		return
	}

	mb := &mailboxes[cpu]
	mb.sp = uint64(sp)
	mb.g0 = uint64(g0)
	atomic.StoreUint64(&mb.fn, uint64(fn))

	for {
		switch atomic.LoadUint32(&mb.state) {
		case stateParked:
			if atomic.CompareAndSwapUint32(&mb.state, stateParked, stateReleased) {
				sev()
				return
			}
		case stateAsleep:
			if atomic.CompareAndSwapUint32(&mb.state, stateAsleep, stateWaking) {
				s.wakeAgain(cpu, mb)
				return
			}
		default:
			sev()
			return
		}
	}
}

// wakeAgain powers on again the AP of mb, which turned itself off in its
// park loop, until PSCI takes the request or the AP is online by itself.
//
//go:nosplit
func (s *SMP) wakeAgain(cpu int, mb *mailbox) {
	hwid := atomic.LoadUint64(&cpuHWID[cpu]) &^ hwidValid

	for {
		switch s.PSCI.CPUOn(hwid, apentry_pc(), uint64(uintptr(unsafe.Pointer(mb)))) {
		case PSCI_SUCCESS:
			return
		case PSCI_ALREADY_ON, PSCI_ON_PENDING:
			if atomic.LoadUint32(&mb.state) == stateOnline {
				return
			}
		default:
			return
		}
	}
}

// Online reports whether logical CPU cpu has left its park loop with its
// registers set, about to enter fn. CPU 0 is always online.
//
//go:nosplit
func (s *SMP) Online(cpu int) bool {
	switch {
	case cpu == 0:
		return true
	case cpu < 0 || cpu >= MaxCPUs:
		return false
	default:
		return atomic.LoadUint32(&mailboxes[cpu].state) == stateOnline
	}
}
