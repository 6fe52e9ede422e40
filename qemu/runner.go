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
	"path/filepath"
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
	Opts   qemuOpts // the QEMU choices of this boot; an empty Opts.SMP is SMP

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

	// Status is the QEMU exit status, -1 if QEMU was killed; Code is the
	// kernel exit code decoded from it, valid only when the boot returned
	// no error.
	Status int
	Code   int

	// Stderr holds QEMU's own messages.
	Stderr string
}

// lineWriter splits a byte stream into result lines while copying it
// through.
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
			return len(p), nil
		}
		w.line(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
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
	if err := writeFiles(t, b.ELF); err != nil {
		return res, err
	}

	if b.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.Timeout)
		defer cancel()
	}

	console := &lineWriter{out: b.Console, res: res}
	var stderr bytes.Buffer

	cmd := exec.CommandContext(ctx, t.QEMU, b.args()...)
	cmd.Stdout = console // stdin is /dev/null: the terminal stays out of raw mode
	cmd.Stderr = &stderr
	if b.Stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, b.Stderr)
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = qemuProcAttr()

	err := cmd.Run()
	if len(console.partial) > 0 {
		console.line(console.partial)
	}
	res.Stderr = stderr.String()
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

// haveQEMU reports whether the target's QEMU binary is in PATH; .ci/run
// installs it, the harness never does.
func haveQEMU(t *target) error {
	if _, err := exec.LookPath(t.QEMU); err != nil {
		return fmt.Errorf("%s not found in PATH: install the Debian package %s (.ci/run does)", t.QEMU, t.Debian)
	}
	if _, err := os.Stat(t.Firmware); t.Firmware != "" && err != nil {
		return fmt.Errorf("firmware %s not found: install the Debian package %s (.ci/run does)", t.Firmware, t.FirmwareDebian)
	}
	return nil
}

// writeFiles writes the generated Files of target t next to elf.
func writeFiles(t *target, elf string) error {
	for name, gen := range t.Files {
		path := filepath.Join(filepath.Dir(elf), name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("%s: %v", t.Name, err)
		}
		b, err := gen(elf)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", t.Name, name, err)
		}
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("%s: %v", t.Name, err)
		}
	}
	return nil
}
