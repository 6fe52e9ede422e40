// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// moduleRoot returns the directory of the main module's go.mod. Every go
// command of the harness runs there.
func moduleRoot() (string, error) {
	out, err := goOutput("", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	if out == "" || out == os.DevNull {
		return "", errors.New("not inside the kernel module: run from the repository (go env GOMOD is empty)")
	}
	return filepath.Dir(out), nil
}

// rootCompiler returns the TamaGo go command of the main module, running in
// its root (Root), installing tamago-go if it is missing: the setup of the
// commands that build.
func rootCompiler() (*compiler, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	return findCompiler(root, true, os.Stderr)
}

// goOutput runs the host go command in dir and returns its trimmed output.
func goOutput(dir string, args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), nil
}

// tamagoGoVersion maps a tamago module version to the tamago-go release the
// `go tool tamago` wrapper installs, following cmd/tamago: v1.26.0 gives
// tamago-go1.26.0, and a pseudo-version such as v1.26.1-0.2026... (built on
// top of v1.26.0) gives tamago-go1.26.0.
func tamagoGoVersion(modVersion string) (string, error) {
	v, pre, isPseudo := strings.Cut(modVersion, "-")
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	bad := fmt.Errorf("unsupported tamago module version %q", modVersion)

	if !strings.HasPrefix(v, "v1.") || len(parts) != 3 {
		return "", bad
	}
	if isPseudo {
		patch, err := strconv.Atoi(parts[2])
		if err != nil || patch == 0 || pre == "" {
			return "", bad
		}
		parts[2] = strconv.Itoa(patch - 1)
	}
	return "tamago-go" + strings.Join(parts, "."), nil
}

// compiler is the TamaGo go command the harness builds with: $TAMAGO, or the
// `go tool tamago` wrapper, which runs the tamago-go go command installed
// under the user cache directory. It runs in the module root, Root.
type compiler struct {
	Go   string
	Root string
}

// findCompiler returns the TamaGo go command: $TAMAGO if set, otherwise the
// `go tool tamago` wrapper (never `GOOS=tamago go tool tamago`: the stock go
// command would reject GOOS=tamago before the wrapper runs). With install
// false a missing tamago-go is an error; with install true the wrapper is
// run once to install it (it clones and builds tamago-go: network needed).
func findCompiler(root string, install bool, log io.Writer) (*compiler, error) {
	if path := os.Getenv("TAMAGO"); path != "" {
		if _, err := exec.LookPath(path); err != nil {
			return nil, fmt.Errorf("TAMAGO=%s: %v", path, err)
		}
		return &compiler{Go: path, Root: root}, nil
	}

	wrapper, err := goOutput(root, "tool", "-n", "github.com/usbarmory/tamago/cmd/tamago")
	if err != nil {
		return nil, err
	}
	modVersion, err := goOutput(root, "list", "-m", "-f", "{{.Version}}", "github.com/usbarmory/tamago")
	if err != nil {
		return nil, err
	}
	version, err := tamagoGoVersion(modVersion)
	if err != nil {
		return nil, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("locating %s: %v (or set TAMAGO)", version, err)
	}

	gobin := filepath.Join(cache, "tamago-go", version, "bin", "go")
	c := &compiler{Go: wrapper, Root: root}
	missing := func(why string) error {
		return fmt.Errorf("the TamaGo compiler %s is missing: %s does not exist%s; run `go tool tamago version` "+
			"in the repository (it clones and builds tamago-go, network needed) or set TAMAGO=/path/to/%s/bin/go",
			version, gobin, why, version)
	}

	if _, err := os.Stat(gobin); err == nil {
		return c, nil
	}
	if !install {
		return nil, missing("")
	}

	fmt.Fprintf(log, "qemu: %s is missing, installing it with `go tool tamago` (network needed)\n", gobin)
	cmd := exec.Command(wrapper, "version")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, log, log
	if err := cmd.Run(); err != nil {
		return nil, missing(fmt.Sprintf(" and installing it failed (%v)", err))
	}
	if _, err := os.Stat(gobin); err != nil {
		return nil, missing("")
	}
	return c, nil
}

// run runs the TamaGo go command with args for target t, logging the command
// line.
func (c *compiler) run(t *target, args []string, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "qemu: %s $TAMAGO %s\n", strings.Join(t.env(), " "), quoteArgs(args))
	cmd := exec.Command(c.Go, args...)
	cmd.Dir = c.Root
	cmd.Env = append(os.Environ(), t.env()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd.Run()
}

// build builds the main package pkg for target t into out, with the extra
// go build flags.
func (c *compiler) build(t *target, pkg, out string, log io.Writer, flags ...string) error {
	if !filepath.IsAbs(out) {
		out = filepath.Join(c.Root, out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	args := t.goArgs("build", append(flags, "-o", out, pkg)...)
	if err := c.run(t, args, log, log); err != nil {
		return fmt.Errorf("%s: building %s: %v", t.Name, pkg, err)
	}
	return nil
}

// quoteArgs renders arguments for a shell.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
