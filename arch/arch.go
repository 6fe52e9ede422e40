// Facts shared by the ISA ports
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package arch holds the facts that every ISA port (arch/amd64, arch/arm64,
// arch/riscv64) shares with the others and with the host harness, so that
// each is written once. Each port re-declares them as its own constants,
// under the same names, for its assembly (go_asm.h carries only the
// constants of the package being built, as const_<name>).
//
// The boot path of each port, from the ELF entry to main.main, is listed in
// its README.md as file:symbol steps; the tests of this package check that
// every step names a file and a symbol that exist.
//
// This package builds on every GOOS.
package arch

// Exit statuses of a kernel that stops before or outside Go code. Each port
// exits with them through its machine's exit device (isa-debug-exit,
// semihosting SYS_EXIT, the SiFive test finisher); the harness decodes the
// device's encoding back to these values.
const (
	// ExceptionStatus is the exit status after a CPU exception, on any
	// CPU, from the first instruction on: the port's exception report
	// prints one line naming the CPU and its registers, then exits with
	// it. A second exception inside the report exits with it too.
	ExceptionStatus = 99

	// EarlyStatus is the exit status of the boot CPU's checks before any
	// Go code runs: too little RAM for the kernel, or a CPU feature or
	// extension the kernel needs is missing. The check prints one line,
	// then exits with it. It is one below ExceptionStatus: the kernel
	// refused to run, nothing faulted.
	EarlyStatus = ExceptionStatus - 1
)

// IdleMax bounds one sleep of a port's idle governor (goos.Idle) in
// nanoseconds, 1 ms. TamaGo v1.26.0 has no hook to wake a sleeping CPU
// when another one makes a goroutine runnable, and the runtime keeps
// calling goos.Idle with its P held: a CPU that slept until its next timer
// could leave work (or a stop-the-world request) waiting for as long.
// Sleeping at most this long bounds that latency while still letting QEMU
// stop idle CPUs.
const IdleMax = 1e6
