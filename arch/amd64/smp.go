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

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/linker"
)

// MaxCPUs is the number of CPUs this package keeps a mailbox for, by
// logical CPU id; assembly reads it from go_asm.h.
const MaxCPUs = linker.MaxCPUs

// AP trampoline page (Intel SDM Vol. 3A, 9.4.4.1 Typical BSP Initialization
// Sequence and 9.4.4.2 Typical AP Initialization Sequence): a STARTUP IPI
// starts an AP in real mode at CS:IP = vector<<8:0, so the first
// instructions must sit in a 4 KiB page below 1 MiB. TamaGo's cpuinit keeps
// its page tables at 0x9000-0xcfff and leaves this page unused.
//
// Every AP runs the trampoline at the same time: the real-mode code only
// reads this page (no stack, no lock), and each AP switches to the park
// stack in its own mailbox as soon as it is in long mode.
const (
	apTrampoline = 0x8000             // apinit16 is copied here
	apVector     = apTrampoline >> 12 // STARTUP IPI vector
	apData       = apTrampoline + 0xf00
	apCodeMax    = apData - apTrampoline
)

// trampolineData sits at apData; apinit16 reads it with real-mode offsets.
type trampolineData struct {
	gdt  [3]uint64 // null, 64-bit code (codeSelector), data (dataSelector)
	gdtr [8]byte   // limit (2 bytes), base (4 bytes): LGDT with a 32-bit operand
	cr3  uint32    // the boot CPU's page tables
	// entry and sel are the far pointer (m16:32) of the jump to apstart:
	// 32-bit offset, then the 64-bit code selector
	entry uint32
	sel   uint16
}

// Mailbox states, written by the AP.
const (
	apNone   = 0 // not woken, or not yet in its park loop
	apParked = 1 // GS_BASE set, spinning on fn
	apOnline = 2 // left the park loop for fn
)

// parkStackSize is the size of the stack an AP runs on from long mode until
// Enter gives it g0's stack.
const parkStackSize = 448

// mailbox is one AP's: what Wake and Enter give it and what it reports.
// The header is one cache line.
type mailbox struct {
	sp     uint64 // top of g0's stack, written by Enter
	g0     uint64 // runtime g0 of the M, written by Enter
	fn     uint64 // runtime·mstart (ABI0): written last by Enter, the AP waits for it
	base   uint64 // per-CPU area, loaded into GS_BASE, written by Wake
	tls    uint64 // TLS slot: FS_BASE = &tls + 8, Go reads g at FS:-8
	state  uint32 // apNone, apParked, apOnline
	apicID uint32 // local APIC ID, as the AP read it with CPUID
	_      [16]byte
	stack  [parkStackSize]byte // park stack, grows down from its end
}

var (
	mailboxes [MaxCPUs]mailbox

	// apicTable maps logical CPU ids to APIC ID + 1 (0: no CPU), for
	// the APs to find their mailbox (each looks its own APIC ID up) and
	// for the exception report to name a CPU by its logical id.
	apicTable [MaxCPUs]uint64

	// the boot CPU's descriptor table registers, loaded by every AP
	bspGDTR [10]byte
	bspIDTR [10]byte

	// parkIDT is the IDT of the APs in their park loop: the boot CPU's
	// exception gates (the fault report), but NMI goes to parkNMI, which
	// wakes the AP from HLT for Enter.
	parkIDT  [32][2]uint64
	parkIDTR [10]byte
)

// defined in smp.s
func apinit16()
func apinit16PC() uintptr
func apinit16Size() uintptr
func apstartPC() uintptr
func parkNMIPC() uintptr
func readCR3() uint64
func sgdt(p *[10]byte)
func sidt(p *[10]byte)

// SMP starts x86_64 application processors: the [boot.Port] of the ISA.
type SMP struct{}

var _ boot.Port = SMP{}

// Prepare installs the real-mode trampoline and its data in low memory. It
// runs once on the boot CPU before any AP is started.
func (SMP) Prepare(n int) error {
	if n > MaxCPUs {
		return fmt.Errorf("amd64: %d CPUs requested, mailboxes for %d", n, MaxCPUs)
	}

	// the boot CPU is logical CPU 0, for the exception report
	atomic.StoreUint64(&apicTable[0], uint64(APICID())+1)

	// the trampoline page may hold what the boot loader left (PVH
	// start_info): read the command line before overwriting it
	cmdline()

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
	d.sel = codeSelector

	sgdt(&bspGDTR)
	sidt(&bspIDTR)

	// the park loop's IDT: the boot CPU's 32 exception gates, NMI to
	// parkNMI
	idt, limit := tableRegister(&bspIDTR)
	if limit < len(parkIDT)*16-1 {
		return fmt.Errorf("amd64: the boot CPU's IDT limit is %#x, the park loop copies its %d exception gates (limit %#x)", limit, len(parkIDT), len(parkIDT)*16-1)
	}

	parkIDT = *(*[32][2]uint64)(mem(idt))
	parkIDT[2] = interruptGate(parkNMIPC())

	*(*uint16)(unsafe.Pointer(&parkIDTR[0])) = uint16(len(parkIDT)*16 - 1)
	*(*uint64)(unsafe.Pointer(&parkIDTR[2])) = uint64(uintptr(unsafe.Pointer(&parkIDT)))

	return nil
}

// arm readies logical CPU cpu's mailbox and table entry for the AP with
// APIC ID hwid, before its INIT IPI.
func arm(cpu int, hwid uint64, base uintptr) error {
	if cpu <= 0 || cpu >= MaxCPUs {
		return fmt.Errorf("amd64: logical cpu %d has no mailbox (1..%d)", cpu, MaxCPUs-1)
	}

	if err := addressable(hwid); err != nil {
		return err
	}

	mb := &mailboxes[cpu]
	atomic.StoreUint32(&mb.state, apNone)
	mb.sp, mb.g0, mb.tls, mb.apicID = 0, 0, 0, 0
	atomic.StoreUint64(&mb.fn, 0)
	mb.base = uint64(base)
	atomic.StoreUint64(&apicTable[cpu], hwid+1)

	return nil
}

// Wake starts the APs cpus[i] (APIC ID hwids[i]) into their park loops, all
// at once (Intel SDM Vol. 3A, 9.4.4.1 Typical BSP Initialization Sequence:
// INIT IPI, 10 ms, STARTUP IPI, 200 us, STARTUP IPI; the delays are paid
// once for every AP, not once per AP, as Linux does since 6.5). The second
// STARTUP IPI is ignored by an AP that already started on the first one.
//
// Each AP runs the trampoline, finds its logical id by looking its own
// APIC ID up in the table written here, sets GS_BASE to bases[i], marks
// itself parked in its mailbox and waits for [SMP.Enter] in HLT: a parked
// CPU takes no host time under TCG, which leaves it to the CPUs entering
// the scheduler.
func (SMP) Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error) {
	errs = make([]error, len(cpus))

	if len(hwids) != len(cpus) || len(bases) != len(cpus) {
		for i := range errs {
			errs[i] = fmt.Errorf("amd64: Wake of %d CPUs given %d APIC IDs and %d bases", len(cpus), len(hwids), len(bases))
		}
		return
	}

	for i, cpu := range cpus {
		errs[i] = arm(cpu, hwids[i], bases[i])
	}

	send := func(what string, icr uint32) {
		for i := range cpus {
			if errs[i] == nil && !ipi(hwids[i], icr) {
				errs[i] = fmt.Errorf("amd64: the local APIC did not send the %s IPI to APIC ID %#x within 10 ms", what, hwids[i])
			}
		}
	}

	send("INIT", icrINIT)
	delay(10e6)
	send("STARTUP", icrSIPI|apVector)
	delay(200e3)
	send("STARTUP", icrSIPI|apVector)

	return
}

// Parked reports whether logical CPU cpu runs its park loop (or has left
// it).
func (SMP) Parked(cpu int) bool {
	if cpu <= 0 || cpu >= MaxCPUs {
		return false
	}
	return atomic.LoadUint32(&mailboxes[cpu].state) >= apParked
}

// Enter releases parked CPU cpu into fn on stack sp with g0: it publishes
// them in the mailbox and sends the AP an NMI, which wakes it from HLT
// (NMI reaches a CPU with interrupts masked and a software-disabled local
// APIC, Intel SDM Vol. 3A, 11.4.7.2). The AP sets SP, its TLS slot
// (FS_BASE) and g (R14), marks itself online and calls fn.
//
// It runs inside goos.Task, on whichever CPU the runtime creates the M:
// no allocation, no locks, no pointer stores; the IPI waits at most 10 ms
// for the local APIC.
func (SMP) Enter(cpu int, sp, g0, fn uintptr) {
	if cpu <= 0 || cpu >= MaxCPUs {
		return
	}

	mb := &mailboxes[cpu]
	mb.sp = uint64(sp)
	mb.g0 = uint64(g0)
	// x86 stores are seen in program order (Intel SDM Vol. 3A, 10.2.2
	// Memory Ordering in P6 and More Recent Processor Families): the AP
	// that sees fn sees sp and g0
	atomic.StoreUint64(&mb.fn, uint64(fn))

	// If the local APIC does not send the NMI, the AP stays parked and
	// boot reports it: there is nothing better to do inside Task.
	ipi(atomic.LoadUint64(&apicTable[cpu])-1, icrNMI)
}

// WakeMethod names the wake-up for messages.
func (SMP) WakeMethod() string {
	return "INIT-SIPI"
}

// Online reports whether CPU cpu has left its park loop for the scheduler;
// CPU 0, the boot CPU, is always online.
func (SMP) Online(cpu int) bool {
	if cpu == 0 {
		return true
	}
	if cpu < 0 || cpu >= MaxCPUs {
		return false
	}
	return atomic.LoadUint32(&mailboxes[cpu].state) == apOnline
}

// APICID returns the local APIC ID CPU cpu read from CPUID in its
// trampoline (0 until it parked).
func (SMP) APICID(cpu int) int {
	return int(atomic.LoadUint32(&mailboxes[cpu].apicID))
}

// ICR delivery modes (Intel SDM Vol. 3A, 11.6.1 Interrupt Command Register).
const (
	icrINIT        = 0b101<<8 | 1<<14 // INIT, level assert
	icrSIPI        = 0b110<<8 | 1<<14 // STARTUP, level assert
	icrNMI         = 0b100<<8 | 1<<14 // NMI, level assert
	icrDeliveryBit = 1 << 12          // send pending
)

// IA32_APIC_BASE (Intel SDM Vol. 3A, 11.4.4 Local APIC Status and Location)
// and the x2APIC ICR (11.12.1.2 x2APIC Register Address Space).
const (
	MSR_APIC_BASE  = 0x1b
	apicBaseEXTD   = 1 << 10 // x2APIC mode
	MSR_X2APIC_ICR = 0x830
)

// x2APICMode reports whether the calling CPU's local APIC is in x2APIC
// mode (firmware's choice: this kernel does not switch modes).
func x2APICMode() bool {
	return rdmsr(MSR_APIC_BASE)&apicBaseEXTD != 0
}

// addressable checks that an IPI from this CPU can reach APIC ID hwid.
func addressable(hwid uint64) error {
	return reachable(hwid, x2APICMode())
}

// ipi sends an inter-processor interrupt to the local APIC ID dst and waits,
// up to 10 ms, for the local APIC to report it sent (xAPIC; an x2APIC ICR
// write has no delivery status, Intel SDM Vol. 3A, 11.12.9).
func ipi(dst uint64, icr uint32) bool {
	if x2APICMode() {
		wrmsr(MSR_X2APIC_ICR, dst<<32|uint64(icr))
		return true
	}

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
