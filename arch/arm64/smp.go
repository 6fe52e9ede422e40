// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// MaxCPUs is the number of CPUs this package keeps a mailbox for.
const MaxCPUs = 64

// areaAlign is the alignment of the per-CPU areas: cpuinit points the boot
// CPU's register at _percpu_start rounded up to it (area 0).
const areaAlign = linker.AreaAlign

// defaultClusterSize is the number of CPUs per MPIDR Aff1 value of QEMU virt
// with its default GICv2 (hw/arm/virt.c, virt_cpu_mp_affinity: the GICv2
// target list has 8 bits).
const defaultClusterSize = 8

// mailbox is what one AP's entry trampoline (apentry, smp.s) needs to enter
// the Go scheduler: PSCI CPU_ON hands its address to the AP in X0. One
// cache line per CPU; apentry reads it through the go_asm.h offsets.
type mailbox struct {
	sp     uint64 // top of g0's stack
	g0     uint64 // runtime g0 of the M (R28)
	fn     uint64 // runtime·mstart (ABI0)
	base   uint64 // per-CPU area, loaded into TPIDR_EL2 or TPIDR_EL1
	mpidr  uint64 // MPIDR_EL1 of the AP, written by the AP
	online uint32 // 1 once the AP leaves the trampoline (store-release)
	_      [20]byte
}

var mailboxes [MaxCPUs]mailbox

// Status codes of [SMP.Start] that are not PSCI return codes, explained by
// [SMP.StartError].
const (
	startNoMailbox = 1 // cpu outside the mailbox table
	startBusy      = 2 // the mailbox was already used
)

// defined in smp.s
func apentry()
func apentry_pc() uint64
func read_mpidr() uint64
func dcache_clean(addr, size uint64)

// SMP starts the secondary CPUs with PSCI CPU_ON, one Go scheduler M each;
// it implements the Port interface of package boot
// (github.com/tamago-smp/kernel/boot).
//
// CPU n is the core whose MPIDR_EL1 affinity is Aff1 = n / ClusterSize,
// Aff0 = n % ClusterSize: QEMU's CPU index on virt. CPU 0, the boot CPU,
// must be the core with affinity 0.
type SMP struct {
	// PSCI reaches the firmware (QEMU itself on virt).
	PSCI PSCI

	// ClusterSize is the number of CPUs per Aff1 value: 8 on QEMU virt
	// with GICv2 (the default), 16 with gic-version=3. 0 means 8.
	ClusterSize int

	ncpu int
}

func (s *SMP) clusterSize() int {
	if s.ClusterSize <= 0 {
		return defaultClusterSize
	}

	return s.ClusterSize
}

// MPIDR returns the MPIDR_EL1 affinity fields of CPU cpu, as PSCI takes
// them.
//
//go:nosplit
func (s *SMP) MPIDR(cpu int) uint64 {
	n := s.clusterSize()
	return uint64(cpu/n)<<8 | uint64(cpu%n)
}

// ID returns the id of the calling CPU, from its MPIDR_EL1 affinity. The
// result is only stable while the goroutine cannot move to another CPU.
func (s *SMP) ID() int {
	mpidr := read_mpidr()
	return int(mpidr>>8&0xff)*s.clusterSize() + int(mpidr&0xff)
}

// NumCPU returns the number of cores PSCI knows: it asks AFFINITY_INFO about
// CPU 0, 1, ... until PSCI answers INVALID_PARAMETERS (no such core), at most
// [MaxCPUs]. The machine needs no device tree for it.
func (s *SMP) NumCPU() int {
	if s.ncpu != 0 {
		return s.ncpu
	}

	n := 1
	for n < MaxCPUs && s.PSCI.AffinityInfo(s.MPIDR(n)) >= 0 {
		n++
	}

	s.ncpu = n

	return n
}

// Prepare checks that n CPUs can be started: the boot CPU is CPU 0, the
// others exist and are off. It cleans the identity map's address to the
// point of coherency, since APs read it with their caches off (a no-op
// under QEMU, which models no caches).
func (s *SMP) Prepare(n int) error {
	if n < 1 || n > MaxCPUs {
		return fmt.Errorf("arm64: cannot start %d CPUs: the limit is %d (MaxCPUs)", n, MaxCPUs)
	}

	if id := read_mpidr() & 0xff00ffffff; id != s.MPIDR(0) {
		return fmt.Errorf("arm64: the boot CPU has MPIDR affinity %#x, CPU 0 must be %#x", id, s.MPIDR(0))
	}

	atomic.StoreUint64(&clusterSize, uint64(s.clusterSize()))

	for cpu := 1; cpu < n; cpu++ {
		switch state := s.PSCI.AffinityInfo(s.MPIDR(cpu)); state {
		case PSCI_AFFINITY_OFF:
		case PSCI_AFFINITY_ON, PSCI_AFFINITY_ON_PENDING:
			return fmt.Errorf("arm64: cpu %d (mpidr %#x) is already on before CPU_ON (AFFINITY_INFO %d)", cpu, s.MPIDR(cpu), state)
		default:
			return fmt.Errorf("arm64: cpu %d (mpidr %#x): AFFINITY_INFO: %w", cpu, s.MPIDR(cpu), PSCIError(state))
		}
	}

	dcache_clean(uint64(uintptr(unsafe.Pointer(&ttbr))), 8)

	return nil
}

// Start powers on CPU cpu with PSCI CPU_ON at apentry, with the address of
// its mailbox as context, so that the AP sets SP to sp, its per-CPU register
// to base and g to g0, marks itself online and jumps to fn. It returns 0, a
// negative PSCI error code, or a status of this package.
//
// Start runs inside goos.Task: it does not allocate, lock or store pointers.
func (s *SMP) Start(cpu int, sp, g0, fn, base uintptr) (status int) {
	if cpu <= 0 || cpu >= MaxCPUs {
		return startNoMailbox
	}

	mb := &mailboxes[cpu]

	if atomic.LoadUint64(&mb.fn) != 0 {
		return startBusy
	}

	mb.sp = uint64(sp)
	mb.g0 = uint64(g0)
	mb.base = uint64(base)
	atomic.StoreUint64(&mb.fn, uint64(fn))

	// the AP reads its mailbox with the MMU and caches off
	dcache_clean(uint64(uintptr(unsafe.Pointer(mb))), uint64(unsafe.Sizeof(*mb)))

	return int(s.PSCI.CPUOn(s.MPIDR(cpu), apentry_pc(), uint64(uintptr(unsafe.Pointer(mb)))))
}

// StartError explains a non-zero status returned by [SMP.Start], naming
// PSCI errors as DEN0022 does.
func (s *SMP) StartError(cpu int, status int) error {
	switch status {
	case startNoMailbox:
		return fmt.Errorf("arm64: cpu %d: no mailbox, CPU ids must be 1..%d", cpu, MaxCPUs-1)
	case startBusy:
		return fmt.Errorf("arm64: cpu %d was already started", cpu)
	default:
		return fmt.Errorf("arm64: PSCI CPU_ON cpu %d (mpidr %#x): %w", cpu, s.MPIDR(cpu), PSCIError(status))
	}
}

// Online reports whether CPU cpu has left its entry trampoline with its
// registers set, about to enter fn. CPU 0 is always online.
func (s *SMP) Online(cpu int) bool {
	switch {
	case cpu == 0:
		return true
	case cpu < 0 || cpu >= MaxCPUs:
		return false
	default:
		return atomic.LoadUint32(&mailboxes[cpu].online) != 0
	}
}
