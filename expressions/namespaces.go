package expressions

// The .NET namespaces registered from their own packages.
import (
	_ "github.com/policygate/policygate/expressions/dotnet/cryptography"
	_ "github.com/policygate/policygate/expressions/dotnet/regex"
	_ "github.com/policygate/policygate/expressions/dotnet/sysnet"
	_ "github.com/policygate/policygate/expressions/dotnet/systime"
	_ "github.com/policygate/policygate/expressions/dotnet/xmllinq"
)
