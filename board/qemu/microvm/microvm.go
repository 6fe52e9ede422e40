// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

// Package microvm is the board glue for QEMU's microvm machine under TCG
// with one or more x86_64 CPUs: serial console, TSC clock calibrated against
// the PIT, exit through isa-debug-exit, CPU exceptions reported on any CPU
// (see [amd64.EnableFaultReports]), and the x86_64 SMP port registered with
// the boot package. Importing it is enough.
//
// Unlike TamaGo's board/qemu/microvm it does not use the KVM pvclock (which
// panics "could not set system timer" under TCG) nor TamaGo's own AP start
// path (see package [github.com/tamago-smp/kernel/arch/amd64]).
//
// The QEMU command line is in target.go; the machine needs
// the PIT, no legacy PIC, at least 1.25 GiB of RAM (the entry point checks
// it in the PVH memory map) and -device isa-debug-exit,iobase=0xf4,iosize=0x04.
// The kernel command line (QEMU -append) reaches package boot through the
// port's Cmdline.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=amd64` as
// supported by the TamaGo framework for bare metal Go, see
// https://github.com/usbarmory/tamago.
package microvm

import (
	"runtime/goos"
	_ "unsafe"

	tamago "github.com/usbarmory/tamago/amd64"
	"github.com/usbarmory/tamago/soc/intel/uart"

	"github.com/tamago-smp/kernel/arch/amd64"
	"github.com/tamago-smp/kernel/boot"
)

// Peripheral registers
const (
	// Communication port
	COM1 = 0x3f8
)

// Peripheral instances
var (
	// CPU is the boot CPU as TamaGo knows it, used for its exception
	// vectors only.
	CPU = &tamago.CPU{}

	// UART0 is the serial console.
	UART0 = &uart.UART{
		Index: 1,
		Base:  COM1,
	}
)

//go:linkname nanotime runtime/goos.Nanotime
func nanotime() int64 {
	return amd64.Nanotime()
}

// Init takes care of the lower level initialization triggered early in
// runtime setup (post World start), on the boot CPU.
//
//go:linkname Init runtime/goos.Hwinit1
func Init() {
	if earlyFault {
		amd64.Trap()
	}

	UART0.Init()
	amd64.CalibrateTSC()

	goos.Exit = amd64.Exit
	// Idle runs on every CPU whose scheduler has nothing to do; it
	// spins until init enables halting with a timer
	goos.Idle = amd64.Idle
}

func init() {
	// TamaGo's exception vectors, then the fault report over vectors
	// 0-31, before SMP.Prepare hands the table to every AP
	CPU.EnableExceptions()
	amd64.EnableFaultReports()

	// TamaGo v1.26 has no wake-up IPI: an idle CPU halts until its local
	// APIC timer fires (at most arch.IdleMax), never until work arrives
	if err := amd64.EnableIdleHalt(); err != nil {
		print(err.Error(), "\n")
	}

	boot.Register(amd64.SMP{})
}
