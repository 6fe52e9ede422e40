module github.com/tamago-smp/kernel

go 1.26.0

require github.com/usbarmory/tamago v1.26.0

require (
	golang.org/x/mod v0.42.0
	golang.org/x/sys v0.50.0
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/tools v0.52.0 // indirect
)

tool (
	github.com/tamago-smp/kernel/qemu
	github.com/usbarmory/tamago/cmd/tamago
	golang.org/x/perf/cmd/benchstat
	golang.org/x/tools/cmd/gonew
)
