// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/board/spec"
	"github.com/tamago-smp/kernel/linker"
)

// A target is one row of the target table: a board's [spec.Target] and
// the largest CPU count the harness boots on it. The rows come from the
// boards (package board); the Makefile and CI read them through
// `go tool qemu targets`.
type target struct {
	spec.Target

	// MaxSMP is the kernel's capacity, linker.MaxCPUs.
	MaxSMP int
}

// One boot may take bootTimeout plus cpuTimeout per CPU: QEMU runs with TCG
// (no KVM) on a small shared host.
const (
	bootTimeout = 60 * time.Second
	cpuTimeout  = 15 * time.Second
)

// targets is the table of targets, one row each.
var targets = func() (rows []*target) {
	for _, t := range board.Targets {
		rows = append(rows, &target{Target: t, MaxSMP: linker.MaxCPUs})
	}
	return
}()

// findTarget returns the row named name.
func findTarget(name string) (*target, error) {
	for _, t := range targets {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown target %q (targets: %s)", name, strings.Join(targetNames(), ", "))
}

// findTargets resolves a comma-separated list of target names; "all" or an
// empty list selects every row.
func findTargets(list string) (sel []*target, err error) {
	if list == "" || list == "all" {
		return targets, nil
	}
	for _, name := range strings.Split(list, ",") {
		t, err := findTarget(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		sel = append(sel, t)
	}
	return
}

// targetNames returns the names of all rows, in table order.
func targetNames() (names []string) {
	for _, t := range targets {
		names = append(names, t.Name)
	}
	return
}

// Timeout returns how long a boot with smp CPUs may take.
func (t *target) Timeout(smp int) time.Duration {
	return bootTimeout + time.Duration(smp)*cpuTimeout
}

// Machine returns the -machine value of the QEMU arguments.
func (t *target) Machine() string {
	if i := slices.Index(t.Args, "-machine"); i >= 0 && i+1 < len(t.Args) {
		return t.Args[i+1]
	}
	return ""
}

// checkSMP rejects a CPU count the machine cannot run.
func (t *target) checkSMP(smp int) error {
	switch {
	case smp < 1 || smp > t.MaxSMP:
		return fmt.Errorf("-smp %d: target %s runs 1 to %d CPUs", smp, t.Name, t.MaxSMP)
	case len(t.CPUs) > 0 && !slices.Contains(t.CPUs, smp):
		return fmt.Errorf("-smp %d: target %s runs %v CPUs, its machine takes no other count", smp, t.Name, t.CPUs)
	}
	return nil
}

// withTags returns a copy of t whose builds add the build tags in the
// comma-separated list tags.
func (t *target) withTags(tags string) *target {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	for _, tag := range splitList(tags) {
		if !slices.Contains(c.Tags, tag) {
			c.Tags = append(c.Tags, tag)
		}
	}
	return &c
}

// qemuOpts are the choices of one boot on top of the target's row.
type qemuOpts struct {
	SMP     string   // the -smp value: a CPU count or a QEMU -smp spec (parseSMP)
	Append  string   // the kernel command line (QEMU -append), "" for none
	Machine string   // extra -machine properties, e.g. gic-version=3
	Extra   []string // QEMU arguments after the row's, which override it (-m, -cpu)
	GDB     bool     // -S -s: stop at the first instruction, gdbserver on tcp::1234
}

// QEMUArgs returns the QEMU arguments for a boot of elf.
func (t *target) QEMUArgs(elf string, o qemuOpts) []string {
	r := strings.NewReplacer("{smp}", o.SMP, "{elf}", elf, "{dir}", filepath.Dir(elf))
	var args []string
	for i, a := range t.Args {
		a = r.Replace(a)
		if o.Machine != "" && i > 0 && t.Args[i-1] == "-machine" {
			a += "," + o.Machine
		}
		args = append(args, a)
	}
	switch {
	case o.Append != "" && t.AppendArgs != nil:
		r := strings.NewReplacer("{cmdline}", strings.ReplaceAll(o.Append, ",", ",,"))
		for _, a := range t.AppendArgs {
			args = append(args, r.Replace(a))
		}
	case o.Append != "":
		args = append(args, "-append", o.Append)
	}
	args = append(args, o.Extra...)
	if o.GDB {
		args = append(args, "-S", "-s")
	}
	return args
}

// smpKeys are the properties of a QEMU -smp spec; cpus is the CPU count,
// maxcpus the hot-pluggable maximum, the others the topology.
var smpKeys = []string{"cpus", "maxcpus", "drawers", "books", "sockets", "dies", "clusters", "cores", "threads"}

// maxSMPValue bounds every number of a -smp spec (QEMU's own limits are
// lower: see MaxSMP).
const maxSMPValue = 4096

// parseSMP returns the number of CPUs a QEMU -smp spec starts: "4",
// "4,sockets=2,cores=2", "cpus=4,threads=2" or, without a count, the
// product of the topology ("sockets=2,cores=2" is 4), as QEMU computes it.
func parseSMP(spec string) (int, error) {
	cpus, topo := 0, 1
	bad := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("-smp %q: %s", spec, fmt.Sprintf(format, args...))
	}

	for i, f := range strings.Split(spec, ",") {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			if i > 0 {
				return bad("%q is not key=value", f)
			}
			key, val = "cpus", f
		}
		if !slices.Contains(smpKeys, key) {
			return bad("unknown property %q (want a count or %s)", key, strings.Join(smpKeys, ", "))
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > maxSMPValue {
			return bad("%s=%q is not a number from 1 to %d", key, val, maxSMPValue)
		}
		switch key {
		case "cpus":
			cpus = n
		case "maxcpus":
		default:
			topo *= n
		}
	}

	switch {
	case cpus != 0:
		return cpus, nil
	case topo > maxSMPValue:
		return bad("the topology gives %d CPUs, more than %d", topo, maxSMPValue)
	}
	return topo, nil
}

// goArgs returns the arguments of the TamaGo go command cmd (build, test,
// vet) for this target: the build tags, the link flags but for vet, then
// args.
func (t *target) goArgs(cmd string, args ...string) []string {
	out := []string{cmd}
	if len(t.Tags) > 0 {
		out = append(out, "-tags", strings.Join(t.Tags, ","))
	}
	if cmd != "vet" {
		out = append(out, "-ldflags", t.LDFlags)
	}
	return append(out, args...)
}

// env returns the environment of the TamaGo go command for this target.
func (t *target) env() []string {
	return []string{"GOOS=tamago", "GOOSPKG=github.com/usbarmory/tamago", "GOARCH=" + t.GOARCH}
}

// printTable prints the table for `go tool qemu targets`: Markdown (the
// README's table), one JSON array, or each row through the text/template
// format (go list -f style).
func printTable(w io.Writer, asJSON bool, format string) error {
	switch {
	case asJSON:
		b, err := json.MarshalIndent(board.Targets, "", "\t")
		if err == nil {
			_, err = fmt.Fprintf(w, "%s\n", b)
		}
		return err
	case format != "":
		tmpl, err := template.New("targets").Parse(format + "\n")
		if err != nil {
			return fmt.Errorf("targets -f: %v", err)
		}
		for _, t := range board.Targets {
			if err := tmpl.Execute(w, t); err != nil {
				return err
			}
		}
		return nil
	}

	fmt.Fprintln(w, "| target | GOARCH, tags | -ldflags | QEMU, machine | Debian package | exit device |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, t := range targets {
		arch := t.GOARCH
		if len(t.Tags) > 0 {
			arch += ", `" + strings.Join(t.Tags, ",") + "`"
		}
		debian := t.Debian
		if t.FirmwareDebian != "" {
			debian += ", " + t.FirmwareDebian
		}
		fmt.Fprintf(w, "| `%s` | %s | `%s` | `%s` `%s` | %s | %s |\n",
			t.Name, arch, t.LDFlags, t.QEMU, t.Machine(), debian, t.ExitDevice)
	}
	return nil
}
