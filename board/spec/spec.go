// Target facts of the boards
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package spec holds the type of a target: how to build a kernel for a
// board and boot it under QEMU. Each board package declares its targets in
// a host file (//go:build !tamago); package board lists them, and the
// qemu/ harness (`go tool qemu targets`) reads that list.
package spec

import "errors"

// A Target is one way to build and boot the kernel on a board.
type Target struct {
	// Name is the -target value, the build directory (build/<Name>/) and
	// the make target suffix (make qemu-<Name>).
	Name string

	// GOARCH, Tags and LDFlags are passed to the TamaGo go command, with
	// GOOS=tamago: -T is the text start address, -R the segment
	// alignment, -E the entry symbol. A board that is not the default of
	// its GOARCH has a tag of its own, which selects it in package board.
	GOARCH  string
	Tags    []string
	LDFlags string

	// QEMU is the emulator binary and Debian the Debian package that
	// provides it (.ci/run installs it).
	QEMU   string
	Debian string

	// Firmware is a file the Args name that a Debian package other than
	// QEMU's provides (FirmwareDebian; .ci/run installs it), "" if none.
	Firmware       string
	FirmwareDebian string

	// Args are the QEMU arguments. In each of them {smp} is replaced by
	// the -smp value, {elf} by the kernel ELF and {dir} by the directory
	// that holds the ELF and Files.
	Args []string

	// AppendArgs pass the kernel command line (-append of the harness)
	// when QEMU's -append cannot, {cmdline} replaced by it with commas
	// doubled (a QEMU option value); nil means -append.
	AppendArgs []string

	// Files are written next to the ELF before a boot, for Args to refer
	// to as {dir}/<name>. They are generated, never committed: each
	// function returns the contents for the kernel ELF at path elf.
	Files map[string]func(elf string) ([]byte, error) `json:"-"`

	// CPUs are the CPU counts the machine takes (QEMU raspi3b: exactly
	// 4); nil means any from 1 to linker.MaxCPUs.
	CPUs []int

	// ExitDevice names how the kernel reports its exit code, and Exit
	// turns the QEMU exit status (< 0: killed by a signal) back into that
	// code.
	ExitDevice string
	Exit       func(status int) (code int, err error) `json:"-"`
}

// ExitStatus decodes the status of a QEMU whose exit device passes the
// kernel's code through, such as semihosting SYS_EXIT
// (semihosting/arm-compat-semi.c) and sifive_test (hw/misc/sifive_test.c).
func ExitStatus(status int) (int, error) {
	if status < 0 {
		return 0, ErrSignal
	}
	return status, nil
}

// ErrSignal is returned by an exit decoder for a QEMU killed by a signal.
var ErrSignal = errors.New("no exit code: QEMU was killed by a signal")
