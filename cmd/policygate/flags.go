package main

import (
	"errors"
	"flag"
)

// usageExit is the exit code of a failed flag parse: 0 for -h (the usage
// was printed), 2 for a usage error.
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
