// Fork test of the template
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package forktest checks that the repository works as a template: its test
// makes a new kernel module from it the way Go users make one (gonew, from
// golang.org/x/tools), with a new module path, runs the new module's own
// vet and tests, and boots its kernel on every target with its own harness.
//
// The steps are the README's "Forking: your own kernel" section:
//
//	go tool gonew github.com/tamago-smp/kernel example.com/mykernel
//	cd mykernel
//	go mod edit -droptool github.com/tamago-smp/kernel/qemu -tool example.com/mykernel/qemu
//	make qemu-x86_64
//
// gonew rewrites the module path and every import of the template's
// packages; the tool line of the harness names a package of the module, and
// gonew leaves tool lines alone, hence the go mod edit.
package forktest
