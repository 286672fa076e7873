// Package regex holds System.Text.RegularExpressions for policy
// expressions: Regex with .NET's own pattern syntax and matching engine
// (backtracking, named groups, lookaround, the match timeout), Match, Group,
// Capture and their collections, and RegexOptions. It registers its types in
// dotnet's registry from init; package expressions imports it for that (see
// dotnet's package doc).
package regex
