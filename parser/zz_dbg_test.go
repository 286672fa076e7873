package parser

import (
	"fmt"
	"os"
	"testing"
)

func TestDbg(t *testing.T) {
	d, errs := ParseFile(os.Getenv("F"))
	fmt.Println(errs)
	fmt.Print(Dump(d))
}
