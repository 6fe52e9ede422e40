// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/tamago-smp/kernel/boot"
)

// eachCalls is the number of boot.OnEachCPU calls one BenchmarkOnEachCPU
// line sums up.
const eachCalls = 10000

// eachLatency times eachCalls calls of boot.OnEachCPU on every online CPU
// with an empty f, one after another, and returns the mean, the median and
// the 99th percentile of their latency; a call that misses a CPU fails it.
func eachLatency() (mean, p50, p99 time.Duration, err error) {
	d := make([]time.Duration, eachCalls)
	start := time.Now()
	for i := range d {
		t := time.Now()
		if err = boot.OnEachCPU(nil, runTimeout, func(int) {}); err != nil {
			return 0, 0, 0, fmt.Errorf("call %d: %w", i, err)
		}
		d[i] = time.Since(t)
	}
	mean = time.Since(start) / eachCalls
	slices.Sort(d)
	return mean, d[eachCalls/2], d[eachCalls*99/100], nil
}
