// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	tamago "github.com/usbarmory/tamago/amd64"
)

// MaxCPUs is the number of CPUs this package keeps a mailbox for.
const MaxCPUs = 64

// AP trampoline page (Intel SDM Vol. 3A, 9.4.4.1 Typical BSP Initialization
// Sequence and 9.4.4.2 Typical AP Initialization Sequence): a STARTUP IPI
// starts an AP in real mode at CS:IP = vector<<8:0, so the first
// instructions must sit in a 4 KiB page below 1 MiB. TamaGo's cpuinit keeps
// its page tables at 0x9000-0xcfff and leaves this page unused.
const (
	apTrampoline = 0x8000             // apinit16 is copied here
	apVector     = apTrampoline >> 12 // STARTUP IPI vector
	apData       = apTrampoline + 0xf00
	apStackTop   = apData // shared real-mode stack, one AP at a time
	apCodeMax    = apStackTop - apTrampoline - 0x100
)

// trampolineData sits at apData; apinit16 reads it with real-mode offsets.
type trampolineData struct {
	gdt   [3]uint64 // null, 64-bit code (0x08), data (0x10)
	gdtr  [8]byte   // limit (2 bytes), base (4 bytes): LGDT with a 32-bit operand
	cr3   uint32    // the boot CPU's page tables
	entry uint32    // address of apstart, 64-bit code below 4 GiB
}

// mailbox holds what one AP's trampoline needs to enter the Go scheduler,
// one cache line per CPU.
type mailbox struct {
	sp     uint64 // top of g0's stack
	g0     uint64 // runtime g0 of the M
	fn     uint64 // runtime·mstart (ABI0)
	base   uint64 // per-CPU area, loaded into GS_BASE
	tls    uint64 // TLS slot: FS_BASE = &tls + 8, Go reads g at FS:-8
	apicID uint32 // local APIC ID, written by the AP
	online uint32 // 1 once the AP leaves the trampoline
	_      [16]byte
}

var (
	mailboxes [MaxCPUs]mailbox

	// current is the address of the mailbox of the AP in the
	// trampoline; trampolineLock admits one AP at a time, since the
	// real-mode code shares one stack. Start takes the lock, the AP
	// releases it once on its own stack.
	current        uintptr
	trampolineLock uint32

	// the boot CPU's descriptor table registers, loaded by every AP
	bspGDTR [10]byte
	bspIDTR [10]byte
)

// defined in smp.s
func apinit16()
func apinit16PC() uintptr
func apinit16Size() uintptr
func apstartPC() uintptr
func readCR3() uint64
func sgdt(p *[10]byte)
func sidt(p *[10]byte)

// Start status codes, see [SMP.StartError].
const (
	startOK = iota
	startBusy
	startBadID
	startIPI
)

// SMP starts x86_64 application processors; it implements boot.Port.
type SMP struct{}

// NumCPU returns the number of logical CPUs of the package, boot CPU
// included (CPUID leaf 0BH, see TamaGo's amd64.NumCPU).
func (SMP) NumCPU() int {
	return tamago.NumCPU()
}

// Prepare installs the real-mode trampoline and its data in low memory. It
// runs once on the boot CPU before any AP is started.
func (SMP) Prepare(n int) error {
	if n > MaxCPUs {
		return fmt.Errorf("amd64: %d CPUs requested, mailboxes for %d", n, MaxCPUs)
	}

	size := apinit16Size()

	if size == 0 || size > apCodeMax {
		return fmt.Errorf("amd64: apinit16 is %d bytes, the trampoline page holds %d", size, apCodeMax)
	}

	entry := apstartPC()

	if entry >= 1<<32 {
		return fmt.Errorf("amd64: apstart at %#x, the trampoline reaches below 4 GiB only", entry)
	}

	code := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), apinit16PC())), size)
	copy(unsafe.Slice((*byte)(mem(apTrampoline)), size), code)

	d := (*trampolineData)(mem(apData))
	d.gdt[0] = 0x0000000000000000 // null descriptor
	d.gdt[1] = 0x00209a0000000000 // code: present, DPL 0, execute/read, L (64-bit)
	d.gdt[2] = 0x0000920000000000 // data: present, DPL 0, read/write
	gdt := uint32(apData + unsafe.Offsetof(d.gdt))
	d.gdtr = [8]byte{
		byte(len(d.gdt)*8 - 1), 0, // limit
		byte(gdt), byte(gdt >> 8), byte(gdt >> 16), byte(gdt >> 24), // base
	}
	d.cr3 = uint32(readCR3())
	d.entry = uint32(entry)

	sgdt(&bspGDTR)
	sidt(&bspIDTR)

	return nil
}

// Start sends INIT and STARTUP IPIs to CPU cpu (local APIC ID cpu), whose
// trampoline then loads the mailbox filled here and enters fn.
//
// It runs inside goos.Task: no allocation, no locks other than the
// trampoline's own spin lock, bounded busy-waits only.
func (SMP) Start(cpu int, sp, g0, fn, base uintptr) (status int) {
	if cpu <= 0 || cpu >= MaxCPUs || cpu > 0xff {
		return startBadID
	}

	// one AP in the trampoline at a time
	deadline := Nanotime() + 1e9
	for !atomic.CompareAndSwapUint32(&trampolineLock, 0, 1) {
		if Nanotime() > deadline {
			return startBusy
		}
		pause()
	}

	mb := &mailboxes[cpu]
	mb.sp = uint64(sp)
	mb.g0 = uint64(g0)
	mb.fn = uint64(fn)
	mb.base = uint64(base)
	atomic.StoreUint32(&mb.online, 0)
	atomic.StoreUintptr(&current, uintptr(unsafe.Pointer(mb)))

	// Intel SDM Vol. 3A, 9.4.4.1: INIT IPI, 10 ms, STARTUP IPI, 200 us,
	// STARTUP IPI (the second is ignored by an AP already running).
	if !ipi(cpu, icrINIT) {
		return startIPI
	}
	delay(10e6)

	for i := 0; i < 2; i++ {
		if !ipi(cpu, icrSIPI|apVector) {
			return startIPI
		}
		delay(200e3)
	}

	return startOK
}

// StartError explains a status returned by Start.
func (SMP) StartError(cpu int, status int) error {
	switch status {
	case startBusy:
		return fmt.Errorf("cpu %d: the AP trampoline stayed busy for 1s (the previous AP never left it)", cpu)
	case startBadID:
		return fmt.Errorf("cpu %d: no mailbox or APIC ID for it (limit %d)", cpu, MaxCPUs)
	case startIPI:
		return fmt.Errorf("cpu %d: the local APIC did not deliver the INIT/STARTUP IPI", cpu)
	default:
		return fmt.Errorf("cpu %d: unknown start status %d", cpu, status)
	}
}

// Online reports whether CPU cpu has left its trampoline.
func (SMP) Online(cpu int) bool {
	if cpu <= 0 || cpu >= MaxCPUs {
		return false
	}
	return atomic.LoadUint32(&mailboxes[cpu].online) != 0
}

// APICID returns the local APIC ID CPU cpu reported from its trampoline.
func (SMP) APICID(cpu int) int {
	return int(atomic.LoadUint32(&mailboxes[cpu].apicID))
}

// ICR delivery modes (Intel SDM Vol. 3A, 11.6.1 Interrupt Command Register).
const (
	icrINIT        = 0b101<<8 | 1<<14 // INIT, level assert
	icrSIPI        = 0b110<<8 | 1<<14 // STARTUP, level assert
	icrDeliveryBit = 1 << 12          // send pending
)

// ipi sends an inter-processor interrupt to the local APIC ID dst and waits,
// up to 10 ms, for the local APIC to report it sent.
func ipi(dst int, icr uint32) bool {
	write32(LAPIC_ICRH, uint32(dst)<<24)
	write32(LAPIC_ICRL, icr)

	deadline := Nanotime() + 10e6
	for read32(LAPIC_ICRL)&icrDeliveryBit != 0 {
		if Nanotime() > deadline {
			return false
		}
		pause()
	}

	return true
}

// delay busy-waits for ns nanoseconds.
func delay(ns int64) {
	deadline := Nanotime() + ns
	for Nanotime() < deadline {
		pause()
	}
}
