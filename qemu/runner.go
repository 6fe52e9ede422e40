// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// maxLines bounds the console lines kept from one boot; a kernel that loops
// printing cannot exhaust the host's memory before its timeout.
const maxLines = 100000

// A boot is one QEMU run of a kernel ELF.
type boot struct {
	Target *target
	SMP    int // CPUs started: the count of Opts.SMP
	ELF    string

	// Opts are the QEMU choices of this boot; an empty Opts.SMP is SMP.
	Opts qemuOpts

	// Timeout bounds the run; 0 means no bound (for -gdb).
	Timeout time.Duration

	// Console receives the guest serial output as it arrives and Stderr
	// the messages of QEMU itself; either may be nil.
	Console io.Writer
	Stderr  io.Writer
}

// A result is what a boot left behind.
type result struct {
	// Lines are the console lines, with carriage returns removed; Last is
	// the last non-empty one (kept even beyond maxLines).
	Lines []string
	Last  string

	// Status is the QEMU exit status, -1 if QEMU was killed.
	Status int

	// Code is the kernel exit code decoded from Status; valid only when
	// the boot returned no error.
	Code int

	// Stderr holds the end of QEMU's own messages.
	Stderr string
}

// lineWriter splits a byte stream into lines while copying it through.
type lineWriter struct {
	out     io.Writer
	partial []byte
	res     *result
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.out != nil {
		// the console is best effort: a closed stdout must not stop QEMU
		_, _ = w.out.Write(p)
	}

	w.partial = append(w.partial, p...)

	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(w.partial[:i])
		w.partial = w.partial[i+1:]
	}

	return len(p), nil
}

func (w *lineWriter) line(b []byte) {
	s := strings.ReplaceAll(string(b), "\r", "")

	if strings.TrimSpace(s) != "" {
		w.res.Last = s
	}

	if len(w.res.Lines) < maxLines {
		w.res.Lines = append(w.res.Lines, s)
	}
}

func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.line(w.partial)
		w.partial = nil
	}
}

// tailWriter keeps the last bytes written to it while copying them through.
type tailWriter struct {
	out io.Writer
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	if w.out != nil {
		_, _ = w.out.Write(p)
	}

	w.buf = append(w.buf, p...)

	if n := len(w.buf); n > 4096 {
		w.buf = w.buf[n-4096:]
	}

	return len(p), nil
}

// errTimeout reports a boot that did not finish in time.
type errTimeout struct {
	Target  string
	SMP     int
	Timeout time.Duration
	Last    string
}

func (e *errTimeout) Error() string {
	return fmt.Sprintf("%s SMP=%d: no result within %v; last line: %q", e.Target, e.SMP, e.Timeout, e.Last)
}

// run boots the kernel and waits for QEMU to exit, for the timeout or for ctx
// to be cancelled, whichever comes first; QEMU is killed in the last two
// cases. The error names the target and the CPU count; it is nil when the
// exit status decodes to a kernel code (which may be non-zero).
func (b *boot) run(ctx context.Context) (*result, error) {
	t := b.Target
	res := &result{Status: -1}

	if err := t.checkSMP(b.SMP); err != nil {
		return res, err
	}

	if b.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.Timeout)
		defer cancel()
	}

	console := &lineWriter{out: b.Console, res: res}
	stderr := &tailWriter{out: b.Stderr}

	cmd := exec.CommandContext(ctx, t.QEMU, b.args()...)
	cmd.Stdin = nil // /dev/null: the terminal stays out of raw mode
	cmd.Stdout = console
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = qemuProcAttr()

	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}

	console.flush()
	res.Stderr = string(stderr.buf)

	if cmd.ProcessState != nil {
		res.Status = cmd.ProcessState.ExitCode()
	}

	prefix := fmt.Sprintf("%s SMP=%d", t.Name, b.SMP)

	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return res, &errTimeout{Target: t.Name, SMP: b.SMP, Timeout: b.Timeout, Last: res.Last}
	case ctx.Err() != nil:
		return res, fmt.Errorf("%s: interrupted (%v); last line: %q", prefix, ctx.Err(), res.Last)
	case cmd.ProcessState == nil:
		return res, fmt.Errorf("%s: %v", prefix, err)
	case res.Status != 0 && len(res.Lines) == 0:
		// For example a bad QEMU argument: QEMU exits with 1, which
		// isa-debug-exit would read as kernel code 0.
		return res, fmt.Errorf("%s: %s exited with status %d before the guest wrote anything: %s",
			prefix, t.QEMU, res.Status, strings.TrimSpace(res.Stderr))
	}

	code, err := t.Exit(res.Status)
	if err != nil {
		return res, fmt.Errorf("%s: %v; last line: %q", prefix, err, res.Last)
	}
	res.Code = code

	return res, nil
}

// args returns the QEMU arguments of the boot.
func (b *boot) args() []string {
	o := b.Opts
	if o.SMP == "" {
		o.SMP = strconv.Itoa(b.SMP)
	}
	return b.Target.QEMUArgs(b.ELF, o)
}

// haveQEMU reports whether the target's QEMU binary is in PATH, and if not
// the command that installs it.
func haveQEMU(t *target) error {
	if _, err := exec.LookPath(t.QEMU); err != nil {
		return fmt.Errorf("%s not found in PATH; install it with: sudo apt-get install -y %s", t.QEMU, t.Debian)
	}
	return nil
}

// ensureQEMU makes sure the target's QEMU binary is installed. As root it
// installs the Debian package with apt-get (after an apt-get update if the
// first attempt fails); otherwise it fails with the command to run.
func ensureQEMU(t *target, log io.Writer) error {
	if haveQEMU(t) == nil {
		return nil
	}

	if os.Geteuid() != 0 {
		return haveQEMU(t)
	}

	apt := func(args ...string) error {
		fmt.Fprintf(log, "qemu: %s not found, running apt-get %s\n", t.QEMU, strings.Join(args, " "))
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout = log
		cmd.Stderr = log
		return cmd.Run()
	}

	if err := apt("install", "-y", t.Debian); err != nil {
		if err := apt("update"); err != nil {
			return fmt.Errorf("apt-get update: %v (install %s by hand: apt-get install -y %s)", err, t.QEMU, t.Debian)
		}
		if err := apt("install", "-y", t.Debian); err != nil {
			return fmt.Errorf("apt-get install -y %s: %v", t.Debian, err)
		}
	}

	return haveQEMU(t)
}
