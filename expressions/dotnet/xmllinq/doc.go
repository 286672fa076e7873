// Package xmllinq holds System.Xml.Linq for policy expressions: XDocument,
// XElement, XAttribute, XName and the other LINQ-to-XML nodes, their parser
// (with its depth bound) and writer. It registers its types in dotnet's
// registry from init; package expressions imports it for that (see dotnet's
// package doc).
package xmllinq
